"""The change log as the partnership reads it: each entry becomes a sentence with links, e.g.
"Police lead changed the status of *Agree a same-day route* from In progress to Complete".

Entries are written by learning.audit in terms of records and fields; this module is the only
place that turns them into words, for the page and the export alike. A page of entries is
described with one query per kind of record, whatever its length.
"""

import dataclasses
import datetime

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

from .models import (
    Agency,
    AgencyAction,
    Recommendation,
    Section11Return,
    StandardAnswer,
)

# Kinds of record as the filter offers them: (key, label, the record type the log stores).
KINDS = [
    ("actions", "Actions", "AgencyAction"),
    ("recommendations", "Recommendations", "Recommendation"),
    ("agencies", "Agencies", "Agency"),
    ("themes", "Themes", "Theme"),
    ("returns", "Section 11 returns", "Section11Return"),
    ("answers", "Section 11 answers", "StandardAnswer"),
    ("leads", "Agency leads", "AgencyMembership"),
    ("accounts", "Accounts", "Person"),
]
KIND_CHOICES = [(key, label) for key, label, _type in KINDS]
TYPE_OF_KIND = {key: record_type for key, _label, record_type in KINDS}

# What each stored field is called in the partnership's words.
FIELD_WORDS = {
    "status": "the status",
    "rag": "the RAG rating",
    "current_due_date": "the due date",
    "original_due_date": "the original due date",
    "description": "the description",
    "lead_officer": "the lead officer",
    "text": "the text",
    "number": "the number",
    "priority": "the priority",
    "due_date": "the due date",
    "agencies": "the agencies",
    "themes": "the themes",
    "name": "the name",
    "short_name": "the short name",
    "sector": "the sector",
    "active": "whether it is active",
    "aliases": "the other names",
    "parent_id": "the parent theme",
    "rating": "the rating",
    "narrative": "the narrative",
    "evidence": "the evidence",
    "agency_id": "the agency",
    "account": "the account",
}
# Bookkeeping the sentences leave out.
QUIET_FIELDS = {
    "rag_set_by_id",
    "rag_set_at",
    "created_at",
    "submitted_by_id",
    "carried_forward_from_id",
    "sort_order",
    "submitted_at",
    "slug",
    "id",
}
CHOICES = {
    "status": dict(AgencyAction.Status.choices) | dict(Section11Return.Status.choices),
    "rag": dict(AgencyAction.RAG.choices),
    "rating": dict(StandardAnswer.Rating.choices),
    "sector": dict(Agency.Sector.choices),
}


@dataclasses.dataclass
class Phrase:
    """One sentence: who, a verb phrase, the record (linked where it still exists), the change."""

    actor: str
    verb: str
    record: str
    url: str | None
    change: str = ""

    @property
    def text(self):
        tail = f" {self.change}" if self.change else ""
        return f"{self.actor} {self.verb} {self.record}{tail}"


def person_name(user):
    if user is None:
        return "The hub"
    return user.get_full_name() or user.get_username()


def value_words(field, value, names=None):
    """One side of a change, as a person reads it."""
    if value in (None, "", []):
        return "nothing"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if field in CHOICES:
        return CHOICES[field].get(value, str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_id") and names is not None:
        return names.get(value, "a record since removed")
    if isinstance(value, str):
        moment = parse_datetime(value) if "T" in value else None
        if moment is not None:
            return date_format(moment, "j M Y H:i")
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            return date_format(day, "j M Y")
        return value if len(value) <= 120 else value[:117] + "…"
    return str(value)


class Describer:
    """Describes a batch of entries, fetching what the sentences name in one query per kind."""

    def __init__(self, entries, may_open_people=False):
        self.entries = list(entries)
        self.may_open_people = may_open_people
        ids = {}
        for entry in self.entries:
            ids.setdefault(entry.object_type, set()).add(entry.object_id)
        self.actions = self._fetch(
            AgencyAction.objects.select_related("agency"), ids.get("AgencyAction")
        )
        self.recommendations = self._fetch(
            Recommendation.objects.select_related("review"), ids.get("Recommendation")
        )
        self.agencies = self._fetch(Agency.objects.all(), ids.get("Agency"))
        self.returns = self._fetch(
            Section11Return.objects.select_related("agency", "cycle"), ids.get("Section11Return")
        )
        self.answers = self._fetch(
            StandardAnswer.objects.select_related(
                "standard", "section11_return__agency", "section11_return__cycle"
            ),
            ids.get("StandardAnswer"),
        )
        # Agencies named by id inside changes (a lead moved from one agency to another).
        agency_ids = {
            value
            for entry in self.entries
            for value in entry.changes.get("agency_id", [])
            if isinstance(value, int)
        }
        self.agency_names = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "name"))

    @staticmethod
    def _fetch(queryset, ids):
        if not ids:
            return {}
        numeric = [int(i) for i in ids if str(i).isdigit()]
        return {str(pk): row for pk, row in queryset.in_bulk(numeric).items()}

    def describe(self):
        return [(entry, self.phrases(entry)) for entry in self.entries]

    # --- per kind of record ------------------------------------------------------------------

    def phrases(self, entry):
        actor = person_name(entry.actor)
        record, url = self.record(entry)
        operation = entry.operation
        if entry.object_type == "AgencyMembership":
            return [self._membership(entry, actor)]
        if entry.object_type == "Person":
            return [self._person(entry, actor)]
        if operation == "create":
            return [Phrase(actor, "added", record, url)]
        if operation == "delete":
            return [Phrase(actor, "removed", record, None)]
        changes = [
            (field, values)
            for field, values in entry.changes.items()
            if field not in QUIET_FIELDS and isinstance(values, list) and len(values) == 2
        ]
        if not changes:
            return [Phrase(actor, "changed", record, url)]
        return [
            Phrase(
                actor,
                f"changed {FIELD_WORDS.get(field, field.replace('_', ' '))} of",
                record,
                url,
                f"from {value_words(field, old, self.agency_names)} to "
                f"{value_words(field, new, self.agency_names)}",
            )
            for field, (old, new) in changes
        ]

    def record(self, entry):
        """The record's name in words, and a link to it if it still exists."""
        key, kind = entry.object_id, entry.object_type
        if kind == "AgencyAction" and key in self.actions:
            action = self.actions[key]
            return action.description, action.get_absolute_url()
        if kind == "Recommendation" and key in self.recommendations:
            recommendation = self.recommendations[key]
            review = recommendation.review
            return (
                f"recommendation {recommendation.number} of “{review.title}”",
                review.url if review.live else None,
            )
        if kind == "Agency" and key in self.agencies:
            agency = self.agencies[key]
            return f"the agency {agency.name}", reverse(
                "learning:agency_detail", args=[agency.slug]
            )
        if kind == "Theme":
            return f"the theme {entry.object_repr}", None
        if kind == "Section11Return" and key in self.returns:
            section11_return = self.returns[key]
            return (
                f"{section11_return.agency.name}'s Section 11 return for "
                f"{section11_return.cycle.name}",
                reverse(
                    "learning:section11_return",
                    args=[section11_return.cycle_id, section11_return.agency.slug],
                ),
            )
        if kind == "StandardAnswer" and key in self.answers:
            answer = self.answers[key]
            section11_return = answer.section11_return
            return (
                f"standard {answer.standard.number} of {section11_return.agency.name}'s "
                f"Section 11 return",
                reverse(
                    "learning:section11_return",
                    args=[section11_return.cycle_id, section11_return.agency.slug],
                ),
            )
        words = dict((record_type, label) for _key, label, record_type in KINDS)
        return f"“{entry.object_repr}” ({words.get(kind, 'a record').lower()})", None

    def _membership(self, entry, actor):
        person, _dash, agency = entry.object_repr.partition(" – ")
        if entry.operation == "create":
            return Phrase(actor, "made", person, None, f"a lead for {agency}")
        if entry.operation == "delete":
            return Phrase(actor, "ended", f"{person}'s lead role for {agency}", None)
        old, new = entry.changes.get("agency_id", [None, None])
        return Phrase(
            actor,
            "moved",
            person,
            None,
            f"from {value_words('agency_id', old, self.agency_names)} to "
            f"{value_words('agency_id', new, self.agency_names)}",
        )

    def _person(self, entry, actor):
        url = reverse("learning:person", args=[entry.object_id]) if self.may_open_people else None
        if "role" in entry.changes:
            return Phrase(actor, "ended", f"{entry.object_repr}'s agency lead role", url)
        old, new = entry.changes.get("account", [None, None])
        if old is None:
            return Phrase(entry.object_repr, "joined the hub", "", url, f"({new.lower()})")
        verb = "deactivated" if new == "Deactivated" else "reactivated"
        return Phrase(actor, verb, entry.object_repr, url)


def _ids_of(queryset):
    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def about_agency(agency):
    """The entries about one agency: its record, actions, returns, answers, recommendations
    addressed to it and its leads."""
    return (
        Q(object_type="Agency", object_id=str(agency.pk))
        | Q(object_type="AgencyAction", object_id__in=_ids_of(agency.actions.all()))
        | Q(object_type="Section11Return", object_id__in=_ids_of(agency.section11_returns.all()))
        | Q(
            object_type="StandardAnswer",
            object_id__in=_ids_of(StandardAnswer.objects.filter(section11_return__agency=agency)),
        )
        | Q(
            object_type="Recommendation",
            object_id__in=_ids_of(Recommendation.objects.filter(agencies=agency)),
        )
        | Q(object_type="AgencyMembership", object_repr__endswith=f" – {agency.name}")
    )


# Records the whole business unit shares: every partnership's business unit and scrutineer may
# read their changes.
SHARED_RECORD_TYPES = ["Agency", "Theme", "AgencyMembership", "Person"]


def about_partnerships(partnership_ids):
    """The entries about these partnerships' own records (their actions, recommendations,
    Section 11 returns and answers) and about the records every partnership shares: what the
    business unit and scrutineer of these partnerships may read."""
    ids = list(partnership_ids)
    return (
        Q(object_type__in=SHARED_RECORD_TYPES)
        | Q(
            object_type="AgencyAction",
            object_id__in=_ids_of(AgencyAction.objects.in_partnerships(ids)),
        )
        | Q(
            object_type="Recommendation",
            object_id__in=_ids_of(Recommendation.objects.filter(review__partnership_id__in=ids)),
        )
        | Q(
            object_type="Section11Return",
            object_id__in=_ids_of(Section11Return.objects.filter(cycle__partnership_id__in=ids)),
        )
        | Q(
            object_type="StandardAnswer",
            object_id__in=_ids_of(
                StandardAnswer.objects.filter(section11_return__cycle__partnership_id__in=ids)
            ),
        )
    )


def filter_entries(entries, data):
    """Narrow the log by the cleaned filter form's data."""
    if data.get("agency"):
        entries = entries.filter(about_agency(data["agency"]))
    if data.get("person"):
        entries = entries.filter(actor=data["person"])
    if data.get("kind"):
        entries = entries.filter(object_type=TYPE_OF_KIND[data["kind"]])
    # Compared as local midnights, so the database reads its index rather than a date per row.
    if data.get("since"):
        entries = entries.filter(at__gte=_midnight(data["since"]))
    if data.get("until"):
        entries = entries.filter(at__lt=_midnight(data["until"] + datetime.timedelta(days=1)))
    return entries


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
