"""Signal receivers of the learning app: the change log."""

from . import audit

audit.connect()
