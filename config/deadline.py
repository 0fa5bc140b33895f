"""One time budget per request for everything outside it: the search cluster, the broker and the
mail server. Each call waits at most its own timeout cut to what is left of the request's budget,
so however many of them are silent, a person waits at most the budget for them all together."""

import contextlib
import contextvars
import time

from django.conf import settings

_deadline = contextvars.ContextVar("outside_services_deadline", default=None)
# Below this a call is not worth starting: it would only add its set-up to the wait.
SHORTEST_WAIT = 0.05


class NoTimeLeft(Exception):
    """The request has spent its budget for outside services; the call is not made."""


def remaining(longest):
    """Seconds the next call to an outside service may wait: `longest`, or less near the end of
    the request's budget. Outside a request (a worker, a command, the catch-up) just `longest`.
    Raises NoTimeLeft when the budget is spent."""
    deadline = _deadline.get()
    if deadline is None:
        return longest
    left = min(longest, deadline - time.monotonic())
    if left < SHORTEST_WAIT:
        raise NoTimeLeft(f"the request's {settings.OUTSIDE_SERVICES_BUDGET} s budget is spent")
    return left


@contextlib.contextmanager
def budget():
    """The budget for what runs inside: one request, with what its commit runs."""
    token = _deadline.set(time.monotonic() + settings.OUTSIDE_SERVICES_BUDGET)
    try:
        yield
    finally:
        _deadline.reset(token)


class DeadlineMiddleware:
    """Starts the budget when a request arrives; it ends with the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with budget():
            return self.get_response(request)
