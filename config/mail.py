"""Sending mail over SMTP within the request's time: a mail server that is down or silent costs a
request what is left of its budget for outside services (config/deadline.py), never more. What
could not be sent is owed and sent by the catch-up."""

from django.conf import settings
from django.core.mail.backends import smtp

from . import deadline


class EmailBackend(smtp.EmailBackend):
    def open(self):
        if self.connection:
            return False
        try:
            self.timeout = deadline.remaining(self.timeout or settings.EMAIL_TIMEOUT)
        except deadline.NoTimeLeft as spent:
            if self.fail_silently:
                return False
            raise TimeoutError(str(spent)) from None
        return super().open()
