"""Editor forms of records that keep no revisions (the case log): the form carries when the record
was last saved as it was opened, and a save from an older opening is refused, so the second of
two people editing the same record never overwrites the first without seeing their change.

Agency actions and Section 11 returns carry a version number for the same rule
(`services.post_update`, `section11.save_answers`); pages have Wagtail's revisions.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

EDITED_FROM = "edited_from"


def _stamp(value):
    return value.isoformat() if value is not None else ""


class RefusesStaleEdits:
    """Mixin for a model form of a record with a `stale_edit_field` timestamp that every save
    moves on (the case log's `updated_at`)."""

    stale_edit_field = "updated_at"
    stale_edit_noun = "record"
    # Where the person sees the record as it now is; "the case", "the standards page".
    stale_edit_page = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[EDITED_FROM] = forms.CharField(
                widget=forms.HiddenInput,
                required=False,
                initial=_stamp(getattr(self.instance, self.stale_edit_field)),
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        opened = cleaned.get(EDITED_FROM) or ""
        saved = (
            type(self.instance)
            ._default_manager.filter(pk=self.instance.pk)
            .values_list(self.stale_edit_field, flat=True)
            .first()
        )
        noun = self.stale_edit_noun
        page = self.stale_edit_page or f"the {noun}"
        if not opened:
            raise ValidationError(
                f"The form did not say when this {noun} was opened, so nothing was saved. "
                f"Open {page} again and make your change there."
            )
        if opened != _stamp(saved):
            when = f" (at {timezone.localtime(saved):%H:%M on %d %B %Y})" if saved else ""
            raise ValidationError(
                f"Someone else saved this {noun} while you were editing it{when}. "
                f"Nothing you changed here was saved: open {page} again to see their "
                "changes, then make yours."
            )
        return cleaned
