"""Forms of the tracker: progress updates, extension requests and decisions, assurance, cascades."""

from django import forms
from django.utils import timezone

from . import permissions
from .evidence import ACCEPTED_DESCRIPTION, check_evidence
from .models import AgencyAction
from .services import NOTE_MAX_LENGTH


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
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_assurance_%s")
        super().__init__(*args, **kwargs)


class CascadeForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, empty_label=None)
    cascaded_on = forms.DateField(
        label="Date the briefing was cascaded", widget=forms.DateInput(attrs={"type": "date"})
    )
    teams_reached = forms.IntegerField(label="Number of teams", min_value=0, initial=0)
    staff_reached = forms.IntegerField(label="Number of staff reached", min_value=0, initial=0)
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
    object_type = forms.ChoiceField(required=False, label="Type of record", choices=())

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Every type"), *[(t, t) for t in types]]
