"""The Content-Security-Policy the site and its admin work under: everything from this site only,
nothing framed by another site, and on the public site no inline script at all.

The Wagtail admin still runs a few inline scripts of its own (page listings and the editor), so
under /admin/ inline scripts are allowed; they still load nothing from another host. Inline
styles are allowed everywhere because the admin sets style attributes from its scripts.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


def _policy(script_src):
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "frame-ancestors 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


SITE_POLICY = _policy("'self'")
ADMIN_POLICY = _policy("'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = settings.WAGTAIL_ADMIN_PREFIX

    def __call__(self, request):
        response = self.get_response(request)
        admin = request.path.startswith(self.admin_prefix)
        response.headers.setdefault(
            "Content-Security-Policy", ADMIN_POLICY if admin else SITE_POLICY
        )
        return response


class PrivateResponsesMiddleware:
    """Whatever a signed-in person (or a program with their token) is sent, a page, a download,
    the API, is theirs alone: no shared cache keeps it and no browser writes it to disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            add_never_cache_headers(response)
        return response
