"""Forms of the search app: a learning alert (a saved search or a followed theme)."""

from django import forms

from learning.models import Theme
from learning.plain_text import has_control_characters

from .models import LearningAlert
from .query import MAX_QUERY_LENGTH


class LearningAlertForm(forms.ModelForm):
    query = forms.CharField(
        label="Words to search for",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text='Leave empty to follow a whole theme. Phrases in double quotes, e.g. "was not brought".',
    )
    theme = forms.ModelChoiceField(
        label="Theme",
        queryset=Theme.objects.order_by("name"),
        required=False,
        empty_label="Any theme",
    )

    class Meta:
        model = LearningAlert
        fields = ["query", "theme", "frequency"]
        widgets = {"frequency": forms.RadioSelect}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_query(self):
        query = self.cleaned_data.get("query") or ""
        if has_control_characters(query):
            raise forms.ValidationError(
                "Words to search for cannot contain line breaks or control characters."
            )
        return query

    def clean(self):
        cleaned = super().clean()
        query = (cleaned.get("query") or "").strip()
        cleaned["query"] = query
        self.require_words_or_theme(cleaned)
        duplicate = LearningAlert.objects.filter(
            user=self.user, query=query, theme=cleaned.get("theme")
        )
        if duplicate.exists():
            raise forms.ValidationError("You already have this alert.")
        return cleaned

    def require_words_or_theme(self, cleaned):
        """An alert needs words or a theme. The error is put on the words field, so the model's
        own check of the same rule (whose message names the database constraint) is skipped."""
        if not cleaned["query"] and not cleaned.get("theme") and "query" not in self.errors:
            self.add_error("query", "Give some words to search for, or choose a theme.")

    def save(self, commit=True):
        self.instance.user = self.user
        if not commit:
            return super().save(commit)
        # The same alert asked for several times at once is saved once: the database's unique
        # constraint decides, and the requests that lose it are given the alert that won.
        self.instance, _created = LearningAlert.objects.get_or_create(
            user=self.user,
            query=self.cleaned_data["query"],
            theme=self.cleaned_data.get("theme"),
            defaults={"frequency": self.cleaned_data["frequency"]},
        )
        return self.instance
