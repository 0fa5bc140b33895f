"""Production smoke test: the site starts under gunicorn with the production settings against a
throwaway PostgreSQL cluster, serves the home page and its static files, and passes the deploy
checks; without a secret key it refuses to start."""

import os
import re
import subprocess
import sys
import urllib.request

import pytest

from .servers import _wait_for_port, free_port, postgres_cluster

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
        # TLS ends at the proxy in front of gunicorn; the test talks to gunicorn directly.
        SECURE_SSL_REDIRECT="0",
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


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
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
            _wait_for_port(port, timeout=60)
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
    # Production headers: the page may not be framed and content types are not sniffed.
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


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
    # As deployed: HTTPS redirects on, every other setting from the environment.
    env = production_env(SECURE_SSL_REDIRECT="1")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
