"""The client's address as the site's own proxies saw it, for sign-in throttling.

Behind a TLS proxy every request comes from the proxy's address, so throttling by REMOTE_ADDR
would lock everyone out together. Each trusted proxy appends the address it was reached from to
X-Forwarded-For; with N trusted proxies the client is the N-th entry from the right. Entries
further left are whatever the client chose to send, so they are never believed.
"""

from django.conf import settings


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        hop.strip()
        for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hop.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-count] if len(forwarded) >= count else forwarded[0]
