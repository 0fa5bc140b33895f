"""The learning model: themes, agencies, recommendations and what agencies do about them."""

from .actions import (
    AgencyAction,
    AgencyActionQuerySet,
    Assurance,
    EvidenceFile,
    ExtensionRequest,
    ProgressUpdate,
)
from .events import EventAttendance, LearningEvent
from .partnerships import Partnership, PartnershipMembership, sync_role_groups
from .people import AgencyMembership, ApiToken, Invitation
from .recommendations import Recommendation
from .records import BriefingCascade, ChangeLog, ReminderLog
from .recurrence import (
    RecurrenceDismissal,
    RecurrenceLink,
    dismiss_suggestion,
    record_recurrence,
)
from .section11 import (
    SECTION11_STANDARDS,
    AuditCycle,
    ChallengeNote,
    Section11Return,
    Standard,
    StandardAnswer,
    StandardEvidenceFile,
)
from .settings import TrackerSettings
from .taxonomy import Agency, Theme

__all__ = [
    "ApiToken",
    "EventAttendance",
    "Invitation",
    "LearningEvent",
    "Partnership",
    "PartnershipMembership",
    "sync_role_groups",
    "StandardEvidenceFile",
    "TrackerSettings",
    "SECTION11_STANDARDS",
    "AuditCycle",
    "BriefingCascade",
    "ChallengeNote",
    "ChangeLog",
    "ReminderLog",
    "Section11Return",
    "Standard",
    "StandardAnswer",
    "Agency",
    "AgencyAction",
    "AgencyActionQuerySet",
    "AgencyMembership",
    "Assurance",
    "EvidenceFile",
    "ExtensionRequest",
    "ProgressUpdate",
    "Recommendation",
    "RecurrenceDismissal",
    "RecurrenceLink",
    "dismiss_suggestion",
    "record_recurrence",
    "Theme",
]
