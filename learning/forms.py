"""Forms of the tracker: progress updates, extension requests and decisions, assurance, cascades."""

from django import forms
from django.utils import timezone

from . import permissions
from .evidence import ACCEPTED_DESCRIPTION, check_evidence
from .filters import ReportingDateField
from .models import Agency, AgencyAction, Invitation, LearningEvent, Partnership
from .models.actions import CHALLENGE_ANSWER_DAYS
from .models.partnerships import ROLE_CHOICES
from .services import NOTE_MAX_LENGTH
from .stale_edits import RefusesStaleEdits


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleEvidenceField(forms.FileField):
    """Several evidence files in one field, each checked by its content."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        errors = []
        cleaned = []
        for upload in uploads:
            upload = super().clean(upload, initial)
            try:
                check_evidence(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
                continue
            cleaned.append(upload)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class ProgressUpdateForm(forms.Form):
    """A progress update as an agency lead (or the business unit) posts it."""

    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What has been done since the last update. You can use Markdown.",
    )
    status = forms.ChoiceField(choices=())
    rag = forms.ChoiceField(
        label="RAG rating",
        required=False,
        choices=(),
        help_text="Progress against plan: green on track, amber at risk, red overdue or stalled. "
        "Left as it is unless you pick one.",
    )
    evidence = MultipleEvidenceField(
        required=False,
        help_text=f"{ACCEPTED_DESCRIPTION}, up to 20 MB each. You can choose several files.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user=None, action=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if action is not None:
            initial.setdefault("status", action.status)
            initial.setdefault("version", action.version)
        super().__init__(*args, **kwargs)
        # The first choice keeps the current rating (or none): a RAG changes only when picked.
        current = action.get_rag_display() if action is not None and action.rag else "not set"
        self.fields["rag"].choices = [
            ("", f"Leave unchanged (now {current})"),
            *AgencyAction.RAG.choices,
        ]
        allowed = set(permissions.statuses_user_may_set(user))
        self.fields["status"].choices = [
            (value, label) for value, label in AgencyAction.Status.choices if value in allowed
        ]
        self.fields[
            "status"
        ].help_text = '"Complete" means your agency has done it; the scrutineer then assures it.'


class ExtensionRequestForm(forms.Form):
    new_due_date = forms.DateField(
        label="New due date", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why more time is needed.",
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note to the agency",
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the assurance form on the same page also has a "decision" field.
        kwargs.setdefault("auto_id", "id_extension_%s")
        super().__init__(*args, **kwargs)


class AssuranceForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("assure", "Assure: evidence of impact checked"),
            ("challenge", "Challenge: return to in progress"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What evidence you checked, or what the agency still needs to show.",
    )
    answer_due = forms.DateField(
        label="Answer due by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a challenge: the date the agency must answer by. Until then the action is "
        f"not counted as overdue. Left empty, {CHALLENGE_ANSWER_DAYS} days from today.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_assurance_%s")
        super().__init__(*args, **kwargs)

    def clean_answer_due(self):
        answer_due = self.cleaned_data["answer_due"]
        if answer_due is not None and answer_due < timezone.localdate():
            raise forms.ValidationError("The date for an answer cannot be in the past.")
        return answer_due


class CascadeForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, empty_label=None)
    cascaded_on = forms.DateField(
        label="Date the briefing was cascaded", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Upper bounds far beyond any agency's size: a typing slip is refused with a message rather
    # than overflowing the database's integer.
    teams_reached = forms.IntegerField(
        label="Number of teams", min_value=0, max_value=10_000, initial=0
    )
    staff_reached = forms.IntegerField(
        label="Number of staff reached", min_value=0, max_value=1_000_000, initial=0
    )
    note = forms.CharField(
        required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = permissions.agencies_user_may_confirm_for(user)

    def clean_cascaded_on(self):
        value = self.cleaned_data["cascaded_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("teams_reached") == 0 and cleaned.get("staff_reached") == 0:
            raise forms.ValidationError("Say how many teams or staff the briefing reached.")
        return cleaned


class ChangeLogFilterForm(forms.Form):
    """The change log's filters: agency, person, kind of change and dates."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Every agency",
    )
    person = forms.ModelChoiceField(
        queryset=None, to_field_name="username", required=False, empty_label="Everyone"
    )
    kind = forms.ChoiceField(required=False, label="Kind of change", choices=())
    since = ReportingDateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = ReportingDateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, kinds=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every kind"), *kinds]
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The “from” date must not be after the “to” date.")
        return cleaned


# --- People -------------------------------------------------------------------------------------


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        empty_label=None,
        label="Partnership",
        help_text="The partnership they join, in the role below.",
    )
    role = forms.ChoiceField(choices=Invitation.Role.choices, widget=forms.RadioSelect)
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For an agency lead: the agency or agencies they will lead for.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Partnership.objects.filter(
            pk__in=permissions.partnership_ids_with_role(
                user, permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS
            )
        ).order_by("sort_order", "pk")
        self.fields["partnership"].queryset = choices
        self.only_choice = choices[0] if len(choices) == 1 else None
        if self.only_choice is not None:
            # Nothing to choose: the manager's one partnership, without asking.
            self.fields["partnership"].widget = forms.HiddenInput()
            self.fields["partnership"].required = False

    def clean_partnership(self):
        return self.cleaned_data.get("partnership") or self.only_choice


class MembershipForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(active=True), empty_label=None)


class PartnershipRolesForm(forms.Form):
    """The roles a person holds in one partnership (none: they are no longer one of its people)."""

    partnership = forms.ModelChoiceField(queryset=Partnership.objects.all(), empty_label=None)
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    username = forms.RegexField(
        regex=r"^[\w.@+-]+$",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        error_messages={"invalid": "Use only letters, digits and @ . + - _ in a username."},
    )
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        from django.contrib.auth import get_user_model, password_validation

        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            candidate = get_user_model()(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as problems:
                self.add_error("password1", problems)
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “Police performance spreadsheet”."
    )


# --- Queues and conversations -------------------------------------------------------------------


class ChallengeReplyForm(forms.Form):
    note = forms.CharField(
        label="Your answer to the challenge",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The scrutineer is told and reads it on this page. You can use Markdown.",
    )
    evidence = MultipleEvidenceField(
        required=False,
        help_text=f"{ACCEPTED_DESCRIPTION}, up to 20 MB each. You can choose several files.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reply_%s")
        super().__init__(*args, **kwargs)


class AssureSeveralForm(forms.Form):
    actions = forms.ModelMultipleChoiceField(
        queryset=AgencyAction.objects.complete_unassured(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one action to assure."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What evidence you checked. Each action gets its own assurance with this note.",
    )


class StandardEvidenceForm(forms.Form):
    files = MultipleEvidenceField(
        label="Evidence files",
        help_text=f"{ACCEPTED_DESCRIPTION}, up to 20 MB each. You can choose several files.",
    )


# --- Learning events ----------------------------------------------------------------------------


class LearningEventForm(RefusesStaleEdits, forms.ModelForm):
    """A seminar, workshop or course, with attendance by agency as one number field per agency."""

    stale_edit_noun = "event"

    class Meta:
        model = LearningEvent
        fields = [
            "title",
            "kind",
            "held_on",
            "review",
            "briefing",
            "theme",
            "recommendations",
            "immediate_evaluation",
            "follow_up_on",
            "follow_up_evaluation",
        ]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
            "immediate_evaluation": forms.Textarea(attrs={"rows": 3}),
            "follow_up_evaluation": forms.Textarea(attrs={"rows": 3}),
            "recommendations": forms.CheckboxSelectMultiple,
        }
        labels = {
            "held_on": "Date held",
            "review": "About the review",
            "briefing": "About the 7-minute briefing",
            "theme": "About the theme",
            "recommendations": "Recommendations it answers",
            "immediate_evaluation": "Evaluation on the day",
            "follow_up_on": "Follow-up evaluation date",
            "follow_up_evaluation": "Follow-up evaluation: what have you done differently?",
        }

    def __init__(
        self, *args, reviews=None, briefings=None, recommendations=None, attendance=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews
        self.fields["briefing"].queryset = briefings
        self.fields["recommendations"].queryset = (
            self.fields["recommendations"].queryset if recommendations is None else recommendations
        ).select_related("review")
        self.fields["recommendations"].label_from_instance = lambda r: (
            f"{r.review.title}, recommendation {r.number}"
        )
        attendance = attendance or {}
        self.agencies = list(Agency.objects.filter(active=True))
        for agency in self.agencies:
            self.fields[f"attendance_{agency.pk}"] = forms.IntegerField(
                label=f"Attendees from {agency.name}",
                min_value=0,
                required=False,
                initial=attendance.get(agency.pk),
            )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("review") or cleaned.get("briefing") or cleaned.get("theme")):
            raise forms.ValidationError(
                "Say what the event was about: a review, briefing or theme."
            )
        held_on, follow_up_on = cleaned.get("held_on"), cleaned.get("follow_up_on")
        if held_on and follow_up_on and follow_up_on < held_on:
            self.add_error("follow_up_on", "The follow-up cannot come before the event.")
        if cleaned.get("follow_up_evaluation") and not follow_up_on:
            self.add_error("follow_up_on", "Give the date of the follow-up evaluation.")
        return cleaned

    def attendance_fields(self):
        return [self[f"attendance_{agency.pk}"] for agency in self.agencies]

    def attendance(self):
        """{agency: attendees} for the agencies with a number, after is_valid()."""
        return {
            agency: self.cleaned_data[f"attendance_{agency.pk}"]
            for agency in self.agencies
            if self.cleaned_data.get(f"attendance_{agency.pk}")
        }
