"""A real server (gunicorn: two processes of four threads) on the test data, for what
pytest-django's live server cannot show: several connections writing at once. On SQLite the
server gets a file-based copy of the in-memory test database; on PostgreSQL the test database
itself (a transactional test's rows are committed)."""

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_for_server(tmp_path):
    """A DATABASE_URL holding the test data as it stands, for a server in another process."""
    connection.ensure_connection()
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "hub.sqlite3"
        target = sqlite3.connect(path)
        with target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    user, password = settings["USER"] or "", settings["PASSWORD"] or ""
    auth = f"{user}:{password}" if password else user
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"


def query(database_url, sql):
    """Rows as the server left them: from the file on SQLite, the shared database otherwise."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@contextlib.contextmanager
def gunicorn_on(database_url, workers=2, threads=4, extra_env=None):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "",
        **(extra_env or {}),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/login/", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    # Stop it first: reading the output of a server still running never ends.
                    server.kill()
                    _out, errors = server.communicate()
                    raise RuntimeError(errors.decode()[-3000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_KeepRedirects)


def post(url, data, headers, timeout=30):
    """POST and return (status, body): an HTTP error or a redirect is an answer, not followed."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as silence:  # no answer in time: reported as status 0
        return 0, str(silence)


def post_json(url, payload, token):
    return post(
        url,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
