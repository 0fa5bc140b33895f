"""Forgotten passwords: how often a reset email may go, counted across every web process, and
sending it without the page waiting, so the page takes as long whether or not the address has an
account and whatever the mail server does."""

import logging
import threading

from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import caches
from django.core.mail import EmailMultiAlternatives
from django.template import loader

logger = logging.getLogger(__name__)

# At most this many reset emails an hour for one email address and from one client address.
RESETS_PER_EMAIL_PER_HOUR = 3
RESETS_PER_ADDRESS_PER_HOUR = 10
HOUR = 3600


def over_limit(*counts):
    """Count one more attempt under each `(key, limit)` for an hour; True once any limit is passed.

    Each attempt takes one of `limit` numbered places with `add`, which only one caller can win
    for a place (an insert on a unique key in the database cache, SET NX in Redis): two web
    processes counting at once never both take the last place, as a read-then-write count could.
    The cache is the shared one, not a process's own memory: gunicorn's workers each had theirs,
    so the limit was multiplied by the number of workers."""
    shared = caches["shared"]
    try:
        passed = [
            not any(shared.add(f"{key}:{place}", 1, HOUR) for place in range(1, limit + 1))
            for key, limit in counts
        ]
    except Exception as error:  # noqa: BLE001 - whatever the cache's client raises
        # The shared cache (Redis) is down or silent: a person who forgot their password is still
        # answered, after one socket timeout, and the limits count again once it is back.
        logger.warning("Password reset limits not counted: the shared cache failed (%s)", error)
        return False
    return any(passed)


class ResetRequestForm(PasswordResetForm):
    """Django's form, except that the emails are made now and sent by `send_in_background`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.emails = []

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            email.attach_alternative(
                loader.render_to_string(html_email_template_name, context), "text/html"
            )
        self.emails.append(email)

    def send_in_background(self):
        """Send what the form made on a thread of its own; the page does not wait for it. The
        thread starts whether or not there is anything to send, so an address with an account
        costs the request exactly what one without does. An email the mail server does not take
        is dropped, never owed: a reset link sent hours late is stale, and the person asks again."""
        threading.Thread(
            target=_send, args=(self.emails,), name="password-reset-email", daemon=True
        ).start()


def _send(emails):
    for email in emails:
        try:
            email.send()
        except Exception as error:  # noqa: BLE001 - dropped on purpose (see send_in_background)
            logger.warning("A password reset email could not be sent and is dropped: %s", error)
