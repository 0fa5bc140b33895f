"""Local development: the embedded default (SQLite, database search, eager Celery, email to files)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env.get("SECRET_KEY", "dev-only-not-secret-7a1f0c")
ALLOWED_HOSTS = ["*"]
