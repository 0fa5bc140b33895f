"""The learning model: themes, agencies, recommendations and what agencies do about them."""

from .actions import (
    AgencyAction,
    AgencyActionQuerySet,
    Assurance,
    EvidenceFile,
    ExtensionRequest,
    ProgressUpdate,
)
from .people import AgencyMembership
from .recommendations import Recommendation
from .taxonomy import Agency, Theme

__all__ = [
    "Agency",
    "AgencyAction",
    "AgencyActionQuerySet",
    "AgencyMembership",
    "Assurance",
    "EvidenceFile",
    "ExtensionRequest",
    "ProgressUpdate",
    "Recommendation",
    "Theme",
]
