"""Production smoke test: the site starts under gunicorn with the production settings against a
throwaway PostgreSQL cluster, serves the home page and its static files, and passes the deploy
checks; without a secret key it refuses to start."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from .servers import free_port, postgres_cluster, wait_for_port

pytestmark = pytest.mark.postgres

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def production_env(**overrides):
    """The environment a production host would give the site, and nothing from the test run."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "SEARCH_", "ELASTICSEARCH_"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="smoke-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL="sqlite:///:memory:",
    )
    environ.update(overrides)
    return environ


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, through_tls_proxy=True):
    """GET a URL as the TLS-terminating proxy in front of gunicorn would pass it on."""
    headers = {"X-Forwarded-Proto": "https"} if through_tls_proxy else {}
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        response = opener.open(urllib.request.Request(url, headers=headers), timeout=30)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    with response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    """Migrate, collect static files and start gunicorn; yield the site's base URL."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    with postgres_cluster() as database_url:
        env = production_env(DATABASE_URL=database_url, STATIC_ROOT=str(static_root))
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            result = manage(*command, env=env)
            assert result.returncode == 0, result.stderr
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for_port(port, timeout=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            gunicorn.terminate()
            output, _ = gunicorn.communicate(timeout=30)
            print(output)


def test_home_page_is_served_by_gunicorn_against_postgresql(production_site):
    status, headers, body = fetch(production_site + "/")
    html = body.decode()
    assert status == 200
    assert "Safeguarding Children Partnership" in html
    assert "Worried about a child?" in html
    # Production headers: HTTPS only, the page may not be framed, content types are not sniffed.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_plain_http_is_redirected_to_https(production_site):
    status, headers, _ = fetch(production_site + "/reviews/", through_tls_proxy=False)
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1:")
    assert headers["Location"].endswith("/reviews/")


def test_static_files_are_served_with_hashed_names(production_site):
    _, _, body = fetch(production_site + "/")
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert stylesheet, "the home page links the stylesheet by its hashed name"
    status, headers, css = fetch(production_site + stylesheet.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"--brand" in css
    assert "immutable" in headers.get("Cache-Control", "")


def test_deploy_checks_find_no_issues():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
