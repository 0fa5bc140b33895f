"""Log filters shared by the settings."""

import logging


class RefusalsOnOneLine(logging.Filter):
    """A 403 is the permission rules doing their job, not a fault: its log line stands alone,
    without the traceback of the PermissionDenied that produced it."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
