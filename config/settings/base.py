"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = os.environ

DEBUG = False
ALLOWED_HOSTS = [h for h in env.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "home",
    "reviews",
    "learning",
    "search",
    "wagtail.api.v2",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "config.deadline.DeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security_headers.ContentSecurityPolicyMiddleware",
    "config.security_headers.PrivateResponsesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "learning.audit.ActingUserMiddleware",
    "config.errors.RefuseNulParametersMiddleware",
    "config.catch_up.CatchUpMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default takes several writers: readers never wait (WAL), a write transaction
    # takes the lock when it starts, so two writers queue instead of one failing half-way with
    # "database is locked", and a waiting writer gives up only after 5 seconds.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 5,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "default" is each process's own memory (Wagtail's site paths, "did you mean" words): nothing in
# it must agree between processes. "shared" is what every gunicorn worker must count together
# (password reset limits): the database (its table made on migrate, learning/apps.py), or Redis
# at CACHE_URL when one is configured.
CACHE_URL = env.get("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A silent Redis costs a request a second at most, never a hang.
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "learning_hub_shared_cache",
        }
    ),
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# Signing out lands on the home page (the admin's logged_out.html needs the admin's URLs).
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

# Lock an account after five failed attempts for an hour (django-axes).
AXES_FAILURE_LIMIT = int(env.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
# Locked per person and address, so a stranger's guesses never lock the person out elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many proxies of our own stand in front of the site (0: clients connect directly). The
# client address is then read from X-Forwarded-For as those proxies wrote it (config/proxy.py).
TRUSTED_PROXY_COUNT = int(env.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_address"
AXES_RESET_ON_SUCCESS = True
# A locked-out person sees the sign-in page with the reason, not a bare error page.
AXES_LOCKOUT_TEMPLATE = "registration/login.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.get("MEDIA_ROOT", BASE_DIR / "media"))
# Evidence files live outside MEDIA_ROOT: only a permission-checked view serves them.
EVIDENCE_ROOT = Path(env.get("EVIDENCE_ROOT", BASE_DIR / "private-media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Evidence and report uploads: refuse anything larger before it is read into memory.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

WAGTAIL_SITE_NAME = env.get("WAGTAIL_SITE_NAME", "Safeguarding learning hub")
WAGTAILADMIN_BASE_URL = env.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "xls", "odt", "txt", "md", "csv"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# The admin contacts no other host: no gravatar avatars (an email hash over plain http), no
# release check against wagtail.org, no "what's new" banner.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ADMIN_PREFIX = "/admin/"  # where the admin's own Content-Security-Policy applies
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "learning.authentication.NamedTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# Celery: with no broker configured, tasks run eagerly in process.
CELERY_BROKER_URL = env.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Queueing never holds a request for more than a second or two, even on a broker that accepts
# connections and never answers: no retries, short connection and socket timeouts. What could not
# be queued is caught up (send_owed_notifications, reconcile_index, config/catch_up.py).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,  # cut to what the request has left when it queues (config/celery.py)
    "socket_connect_timeout": 1,
    "max_retries": 0,
}
# Once queueing has failed, requests leave the broker alone for this long (the catch-up makes good
# what they would have queued) instead of each waiting for it again.
BROKER_RETRY_SECONDS = 15
# Reminders: each task sends at most once per period, so a missed or repeated run is harmless.
CELERY_BEAT_SCHEDULE = {
    "remind-due-soon": {
        "task": "learning.tasks.remind_due_soon",
        "schedule": crontab(hour=7, minute=30),
    },
    "remind-overdue": {
        "task": "learning.tasks.remind_overdue",
        "schedule": crontab(hour=7, minute=45),
    },
    "remind-cascades": {
        "task": "learning.tasks.remind_cascades",
        "schedule": crontab(hour=8, minute=0),
    },
    "weekly-digest": {
        "task": "learning.tasks.send_weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Chronologies a rapid review is waiting for: chased daily while due soon or overdue.
    "remind-information-requests": {
        "task": "reviews.tasks.remind_information_requests",
        "schedule": crontab(hour=7, minute=50),
    },
    # Uploaded reviews whose reading was never queued (the broker did not answer) or never taken
    # by a worker, and uploads older than a day, which are forgotten.
    "read-waiting-imports": {
        "task": "reviews.importer.tasks.read_waiting_imports",
        "schedule": crontab(minute="*/5"),
    },
    # Similar recommendations owed by a publication whose batch was never queued.
    "update-owed-recurrence": {
        "task": "search.tasks.update_recurrence",
        "schedule": crontab(minute="*/15"),
    },
    # Assignment and challenge emails that a mail server or broker outage held back.
    "send-owed-notifications": {
        "task": "learning.tasks.send_owed_notifications",
        "schedule": crontab(minute="*/15"),
    },
    # Learning alerts: immediate ones every quarter hour, weekly ones on Monday morning; each
    # item is sent once per alert, so extra runs send nothing twice.
    "learning-alerts-immediate": {
        "task": "search.tasks.send_learning_alerts",
        "schedule": crontab(minute="*/15"),
        "args": ("immediate",),
    },
    "learning-alerts-weekly": {
        "task": "search.tasks.send_learning_alerts",
        "schedule": crontab(day_of_week="mon", hour=7, minute=15),
        "args": ("weekly",),
    },
    # The search-document table is the truth; this copies anything Elasticsearch missed.
    "reconcile-search-index": {
        "task": "search.tasks.reconcile_index",
        "schedule": crontab(minute="*/10"),
    },
}

# Search: "database" (embedded default) or "elasticsearch".
SEARCH_ENGINE = env.get("SEARCH_ENGINE", "database")
ELASTICSEARCH_URL = env.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX = env.get("ELASTICSEARCH_INDEX", "learning")
# A search waits at most this long for the cluster before answering from the database, and then
# leaves the cluster alone for ELASTICSEARCH_RETRY_SECONDS (or until a copy to it succeeds).
ELASTICSEARCH_TIMEOUT = float(env.get("ELASTICSEARCH_TIMEOUT", "2"))
ELASTICSEARCH_RETRY_SECONDS = 30
# The promise is an answer within 2 seconds whatever is silent. A request waits on the search
# cluster, the broker and the mail server together at most this long (config/deadline.py): a call
# made when it is spent is not made, and is answered as that service's outage is.
OUTSIDE_SERVICES_BUDGET = float(env.get("OUTSIDE_SERVICES_BUDGET", "1"))

# Development email goes to files in EMAIL_FILE_PATH, never to standard output, where it would mix
# with what commands print (`import_review --json`, `seed_demo`).
EMAIL_BACKEND = env.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # The same SMTP sending, kept within the request's time (config/mail.py); deployments that
    # name Django's own backend get it too.
    EMAIL_BACKEND = "config.mail.EmailBackend"
EMAIL_FILE_PATH = env.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-email"))
EMAIL_HOST = env.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.get("EMAIL_USE_TLS", "") == "1"
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "learning-hub@localhost")
# A mail server that is down or silent costs a request at most this long; the email is owed.
EMAIL_TIMEOUT = float(env.get("EMAIL_TIMEOUT", "2"))
# With no broker (or one that cannot be reached) the web process runs the periodic catch-up
# itself, in a background thread, at most this often (seconds; 0 switches it off).
CATCH_UP_IN_PROCESS_SECONDS = int(env.get("CATCH_UP_IN_PROCESS_SECONDS", "600"))
# With no broker, a change's similar recommendations are recomputed by the catch-up after the
# response (search/sync.py); off, as the change commits.
RECURRENCE_AFTER_RESPONSE = env.get("RECURRENCE_AFTER_RESPONSE", "1") == "1"
# Several business units on one deployment (a region): practitioners' material then reaches
# other business units' people only from partnerships that share it regionally.
REGIONAL_DEPLOYMENT = env.get("REGIONAL_DEPLOYMENT", "") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_on_one_line": {"()": "config.logging.RefusalsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "WARNING")},
    # Django's own messages once (its default console handler and the root's printed each
    # twice under runserver), and a refused request as one line.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["refusals_on_one_line"]},
    },
}
