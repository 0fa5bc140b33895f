"""Forms of the search app: a learning alert (a saved search or a followed theme)."""

from django import forms

from learning.models import Theme

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
        return super().save(commit)
