"""Test settings: fast hashing, in-memory email, throttling kept on so it can be tested."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory; a server the tests start in another process (tests/security/live_server.py) is told
# to write its mail to files instead, to be counted.
EMAIL_BACKEND = env.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_URL = env.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
WAGTAILADMIN_BASE_URL = "http://testserver"
# Tests run the in-process catch-up themselves, never in a stray background thread.
CATCH_UP_IN_PROCESS_SECONDS = 0
# Tests see a change's similar recommendations as it commits; one test runs the catch-up path.
RECURRENCE_AFTER_RESPONSE = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file, as the embedded default is, not a shared in-memory one: each
    # thread (the live server's requests, a Celery worker, concurrent writers) has a connection of
    # its own, with WAL and the busy timeout, so one thread's unfinished read never locks another
    # thread's table.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"learning-hub-test-{os.getpid()}.sqlite3")
    }
