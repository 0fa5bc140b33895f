"""The tracker's action filters: one form and one function turn query parameters into a
queryset, shared by the lead's list, the overseers' list and dashboard, the CSV/XLSX exports and
the actions API. A bad value is refused the same way everywhere, with the form's message."""

import datetime
import re

from django import forms
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from . import permissions
from .models import Agency, AgencyAction, Partnership, ProgressUpdate, Recommendation, Theme
from .models.actions import AgencyActionQuerySet

# The dashboard's categories: each is the name of an AgencyActionQuerySet method, so "overdue"
# means the same thing on the dashboard, in the list, in the export and in the reminders.
CATEGORIES = {
    "outstanding": "Outstanding",
    "overdue": "Overdue",
    "slipped": "Slipped (revised date later than the original)",
    "complete_unassured": "Complete but not assured",
    "assured": "Assured",
}
# Shown and listed beside the categories, but not one of them: whether an action is challenged
# reads its latest assurance decision (AgencyActionQuerySet.challenged), not its own fields.
CHALLENGED = ("challenged", "Challenged by the scrutineer")

# How long outstanding actions have been open, in months: (key, label, from, to).
AGE_BANDS = [
    ("under_3", "Under 3 months", 0, 3),
    ("3_6", "3 to 6 months", 3, 6),
    ("6_12", "6 to 12 months", 6, 12),
    ("over_12", "Over 12 months", 12, None),
]


# The dates the partnership's records can hold: the oldest reviews in the library are from the
# 1990s, and a date more than twenty years ahead is a slip (year 9999 overflows date arithmetic,
# year 1 makes every working-day count crawl).
EARLIEST_DATE = datetime.date(1990, 1, 1)
YEARS_AHEAD = 20


def latest_date(today=None):
    today = today or timezone.localdate()
    return datetime.date(today.year + YEARS_AHEAD, 12, 31)


def date_out_of_range(day, today=None):
    """Why `day` is not a date the records can hold, or None when it is."""
    latest = latest_date(today)
    if EARLIEST_DATE <= day <= latest:
        return None
    return f"{day.isoformat()} is not between {EARLIEST_DATE:%-d %B %Y} and {latest:%-d %B %Y}."


class ReportingDateField(forms.DateField):
    """A date in a filter or a report's period: one the records can hold, or refused with words."""

    def validate(self, value):
        super().validate(value)
        if value and (problem := date_out_of_range(value)):
            raise forms.ValidationError(problem, code="out_of_range")


class FinancialYearField(forms.Field):
    """A financial year by the year it starts in (2024 for 2024/25): ASCII digits, in range."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        latest = latest_date().year
        if not (text.isascii() and text.isdigit() and EARLIEST_DATE.year <= int(text) <= latest):
            raise forms.ValidationError(
                f"“{value}” is not a financial year from {EARLIEST_DATE.year} to {latest}.",
                code="invalid",
            )
        return int(text)


class RefusedParameters(BadRequest):
    """A page's or download's parameters are refused: the site's 400 page shows the problems."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def form_problems(form):
    """Each problem of a bound form as one sentence: "Agency: “x” is not …"."""
    problems = []
    for name, errors in form.errors.items():
        if name == "__all__":
            problems.extend(errors)
            continue
        label = form.fields[name].label or name.replace("_", " ").capitalize()
        problems.extend(f"{label}: {error}" for error in errors)
    return problems


def _months_ago(today, months):
    return today - datetime.timedelta(days=round(months * 30.44))


def _start_of_day_after(day):
    """Midnight (local time) at the end of `day`, as an aware datetime."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def age_band_q(key, today, prefix=""):
    """The condition on `created_at` for an age band, usable in filter() and Count(filter=).

    Compared with datetimes rather than `created_at__date`, which SQLite would compute row by row.
    """
    for band, _label, start, end in AGE_BANDS:
        if band == key:
            q = Q(**{f"{prefix}created_at__lt": _start_of_day_after(_months_ago(today, start))})
            if end is not None:
                q &= Q(**{f"{prefix}created_at__gte": _start_of_day_after(_months_ago(today, end))})
            return q
    raise ValueError(f"Unknown age band {key!r}")


def category_q(key, today, prefix=""):
    """The condition for a dashboard category: the one definition on AgencyActionQuerySet."""
    return AgencyActionQuerySet.condition(key, today, prefix)


def _review_model():
    """The page a recommendation belongs to, as its own foreign key names it: learning never
    imports the reviews app."""
    return Recommendation._meta.get_field("review").related_model


def review_kind_choices():
    return list(_review_model()._meta.get_field("kind").choices)


def review_choices_queryset(user=None):
    review_model = _review_model()
    if permissions.can_see_everything_in_tracker(user):
        # Reviews with recommendations: a cheap question, where "with actions" would read every
        # action.
        answered = Recommendation.objects.filter(
            review=OuterRef("pk"),
            review__partnership_id__in=permissions.tracker_partnership_ids(user),
        )
    else:
        # A lead chooses among the reviews their own agencies' actions answer.
        answered = permissions.visible_actions(user).filter(recommendation__review=OuterRef("pk"))
    return review_model.objects.filter(Exists(answered)).order_by("title")


# The largest id a database stores; a longer number is no id at all (and would overflow SQLite).
_ID = re.compile(r"[0-9]{1,18}")


def record_id(text):
    """`text` as a database id, or None when it is no plausible id ("²", twenty digits, "")."""
    text = str(text or "").strip()
    return int(text) if _ID.fullmatch(text) else None


class RecordIdConverter:
    """`<id:pk>` in a URL: digits a database id can hold, so a longer number is simply not found
    (Django's `<int:>` would hand SQLite a number it overflows on)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class ReviewField(forms.ModelChoiceField):
    """A review by id: anything but a plausible id is refused before the database is asked."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _ID.fullmatch(str(value)):
            raise forms.ValidationError(
                f"“{value}” is not a review with tracked actions.", code="invalid_choice"
            )
        return super().to_python(value)


class AgencyField(forms.ModelChoiceField):
    """An agency by slug, id or short name, among those this person may see. The same answer
    whether the agency does not exist or is someone else's, so nothing leaks."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        lookups = [Q(slug=text), Q(short_name__iexact=text)]
        if _ID.fullmatch(text):
            lookups.append(Q(pk=int(text)))
        query = lookups[0]
        for lookup in lookups[1:]:
            query |= lookup
        agency = self.queryset.filter(query).order_by("pk").first()
        if agency is None:
            raise forms.ValidationError(
                f"“{text}” is not one of the agencies you can see.", code="invalid_choice"
            )
        return agency


class PartnershipField(forms.ModelChoiceField):
    """A partnership by slug. An unknown slug is refused; one whose material the person may not
    see is accepted and simply finds nothing of theirs, as any other filter would."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        partnership = self.queryset.filter(slug=text).first()
        if partnership is None:
            raise forms.ValidationError(f"“{text}” is not a partnership.", code="invalid_choice")
        return partnership


class YesNoField(forms.Field):
    """true/false (also 1/0, yes/no): the API's `overdue=`."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(f"“{value}” is not true or false.", code="invalid")


class ActionFilterForm(forms.Form):
    """Query filters for every list of actions, the dashboard, the exports and the API. Every
    field is optional."""

    # Fields the API takes that the pages do not show (the pages' "Show" covers them).
    NOT_SHOWN = {"overdue", "partnership"}

    partnership = PartnershipField(
        queryset=Partnership.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All partnerships",
    )
    review = ReviewField(queryset=None, required=False, empty_label="All reviews")
    review_kind = forms.ChoiceField(required=False, label="Review kind")
    source = forms.ChoiceField(
        required=False,
        label="Source",
        choices=[
            ("", "Reviews and Section 11"),
            ("review", "Reviews"),
            ("section11", "Section 11"),
        ],
    )
    agency = AgencyField(
        queryset=Agency.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="All agencies",
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), to_field_name="slug", required=False, empty_label="All themes"
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *AgencyAction.Status.choices]
    )
    category = forms.ChoiceField(
        required=False, label="Show", choices=[("", "All actions"), *CATEGORIES.items(), CHALLENGED]
    )
    age = forms.ChoiceField(
        required=False,
        label="Open for",
        choices=[("", "Any time"), *[(key, label) for key, label, _s, _e in AGE_BANDS]],
    )
    due_from = ReportingDateField(
        required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = ReportingDateField(
        required=False, label="Due to", widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = YesNoField(required=False, label="Overdue")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = review_choices_queryset(user)
        self.fields["review_kind"].choices = [("", "All kinds"), *review_kind_choices()]
        self.fields["agency"].queryset = permissions.visible_agencies(user)

    @property
    def refused(self):
        """Whether parameters were given and some are not valid."""
        return self.is_bound and not self.is_valid()

    def problems(self):
        """Each problem as one sentence, for a page or a download."""
        return form_problems(self)

    def clean(self):
        cleaned = super().clean()
        due_from, due_to = cleaned.get("due_from"), cleaned.get("due_to")
        if due_from and due_to and due_from > due_to:
            raise forms.ValidationError("The “due from” date must not be after the “due to” date.")
        return cleaned

    def controls(self):
        """Each field with its options (value, label, selected), or None for a plain input.

        Built here rather than by the select widget, whose template renders every option on its
        own: slow when a partnership lists a few hundred agencies.
        """
        for field in self:
            if field.name in self.NOT_SHOWN:
                continue
            if not isinstance(field.field, forms.ChoiceField):
                yield field, None
                continue
            current = "" if field.value() is None else str(field.value())
            yield (
                field,
                [
                    (str(value), label, str(value) == current)
                    for value, label in field.field.choices
                ],
            )

    def apply(self, queryset, today=None):
        """Narrow `queryset` to the cleaned filters. Call after is_valid()."""
        today = today or timezone.localdate()
        data = self.cleaned_data
        if data.get("partnership"):
            queryset = queryset.filter(
                AgencyActionQuerySet.partnership_condition([data["partnership"].pk])
            )
        if data.get("review"):
            queryset = queryset.filter(recommendation__review=data["review"])
        if data.get("review_kind"):
            queryset = queryset.filter(recommendation__review__kind=data["review_kind"])
        if data.get("source") == "review":
            queryset = queryset.filter(recommendation__isnull=False)
        elif data.get("source") == "section11":
            queryset = queryset.filter(standard_answer__isnull=False)
        if data.get("agency"):
            queryset = queryset.filter(agency=data["agency"])
        if data.get("theme"):
            queryset = queryset.filter(recommendation__themes=data["theme"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("category") == CHALLENGED[0]:
            queryset = queryset.challenged()
        elif data.get("category"):
            queryset = queryset.filter(category_q(data["category"], today))
        if data.get("age"):
            queryset = queryset.filter(
                category_q("outstanding", today), age_band_q(data["age"], today)
            )
        if data.get("due_from"):
            queryset = queryset.filter(current_due_date__gte=data["due_from"])
        if data.get("due_to"):
            queryset = queryset.filter(current_due_date__lte=data["due_to"])
        if data.get("overdue") is True:
            queryset = queryset.overdue(today)
        elif data.get("overdue") is False:
            queryset = queryset.not_overdue(today)
        return queryset


def filtered_actions(user, params, today=None):
    """(form, queryset): the actions this user may see, narrowed by the GET parameters.

    Invalid parameters give no rows and a bound form carrying the errors (`form.refused`), never
    a wider list: the caller answers 400 with `form.problems()` (or `form.errors` as JSON).
    """
    params = {name: value for name, value in (params or {}).items() if name != "page"}
    form = ActionFilterForm(params or None, user=user)
    queryset = permissions.visible_actions(user)
    if form.refused:
        return form, queryset.none()
    if params:
        queryset = form.apply(queryset, today)
    return form, queryset


def query_without_page(params):
    """The query string of `params` less the page number: what links to other pages keep."""
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()


def with_list_columns(queryset, today=None):
    """Everything a list or export row shows, fetched in one query: overdue first, then by due date."""
    today = today or timezone.localdate()
    last_update = (
        ProgressUpdate.objects.filter(action=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return (
        queryset.overdue_first(today)
        .with_context(today)
        .select_related("standard_answer__standard", "standard_answer__section11_return__cycle")
        .annotate(last_update_at=Subquery(last_update))
    )


def _category_expressions(today):
    outstanding = category_q("outstanding", today)
    counts = {key: Count("pk", filter=category_q(key, today)) for key in CATEGORIES}
    counts.update(
        {
            f"age_{key}": Count("pk", filter=outstanding & age_band_q(key, today))
            for key, _label, _s, _e in AGE_BANDS
        }
    )
    counts["total"] = Count("pk")
    return counts


def category_counts(queryset, today=None):
    """One aggregate query: the count of each category and each age band of outstanding actions."""
    today = today or timezone.localdate()
    return queryset.order_by().aggregate(**_category_expressions(today))


def status_counts_by(queryset, group_fields, today=None, with_categories=False):
    """Rows of `group_fields` with a count per status plus overdue and total: one grouped query.

    With `with_categories`, each row also carries the category and age-band counts, so that
    totals over a grouping that splits the actions (such as agency) need no second query.
    """
    today = today or timezone.localdate()
    counts = {
        f"status_{value}": Count("pk", filter=Q(status=value))
        for value, _label in AgencyAction.Status.choices
    }
    counts["overdue"] = Count("pk", filter=category_q("overdue", today))
    counts["total"] = Count("pk")
    if with_categories:
        counts.update(_category_expressions(today))
    return list(
        queryset.order_by().values(*group_fields).annotate(**counts).order_by(*group_fields)
    )


def summed_counts(rows, today=None):
    """category_counts() from rows of status_counts_by(..., with_categories=True) that partition
    the actions (each action in exactly one row, as with agencies)."""
    keys = _category_expressions(today or timezone.localdate())
    return {key: sum(row[key] for row in rows) for key in keys}


def page_of_actions(queryset, number, size, today=None):
    """One page of the list, overdue first: three queries (count, the page's ids, its rows).

    The ids are picked from the bare table so that the joins and the last-update subquery are
    computed for the page's rows only, not for every action that matches.
    """
    today = today or timezone.localdate()
    ordered_ids = queryset.overdue_first(today).values_list("pk", flat=True)
    page = Paginator(ordered_ids, size).get_page(number)
    ids = list(page.object_list)
    rows = with_list_columns(AgencyAction.objects.filter(pk__in=ids), today).in_bulk()
    page.object_list = [rows[pk] for pk in ids]
    return page
