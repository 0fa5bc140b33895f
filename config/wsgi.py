"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()


def _warm_up():
    """Load every view, the "said before" verdict and its sentence model now, not in a person's
    first request: a fresh worker took seconds over them (scikit-learn, WordLlama), past the two
    seconds a request is promised. With gunicorn's --preload this happens once, before the fork."""
    from django.urls import get_resolver

    from search import embedding, verdict

    get_resolver().url_patterns  # noqa: B018 - imports every view
    verdict.model()
    embedding.model()


_warm_up()
