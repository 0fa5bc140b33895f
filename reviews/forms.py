"""Forms of the case log's pages: returning a chronology, choosing the report's period."""

from django import forms
from django.core.exceptions import ValidationError

from learning.filters import RefusedParameters, ReportingDateField, form_problems

from .models import Process
from .yearly_report import Period

MAX_PERIOD_DAYS = 366 * 5


class ReturnForm(forms.Form):
    file = forms.FileField(
        label="Chronology or summary",
        help_text="PDF, Word or Excel, checked by its content.",
    )


class ProcessForm(forms.Form):
    """Which statutory process a case list or yearly report is about (empty: every process on
    the case log; children's for the report)."""

    process = forms.ChoiceField(
        label="Process",
        required=False,
        choices=[("", "Every process"), *Process.choices],
        error_messages={
            "invalid_choice": "Choose a process from the list: "
            + ", ".join(label for _value, label in Process.choices)
            + "."
        },
    )

    def chosen(self):
        """The process asked for, or "" for none; RefusedParameters when it is not one."""
        if not self.is_valid():
            raise RefusedParameters(form_problems(self))
        return self.cleaned_data.get("process") or ""


class PeriodForm(forms.Form):
    start = ReportingDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = ReportingDateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if bool(start) != bool(end):
            raise ValidationError("Give both dates, or neither for the last financial year.")
        if start and end < start:
            raise ValidationError("The end date is before the start date.")
        if start and (end - start).days > MAX_PERIOD_DAYS:
            raise ValidationError("Choose a period of five years or less.")
        return cleaned

    def period(self):
        """The period asked for, or the last financial year when none (or a refused one) was."""
        if self.is_valid() and self.cleaned_data.get("start"):
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return Period.last_financial_year()

    def exact_period(self):
        """The period asked for, for a download or the records behind a figure, which must never
        quietly answer for another period: RefusedParameters when the dates are refused."""
        if self.is_bound and not self.is_valid():
            raise RefusedParameters(form_problems(self))
        return self.period()


class CaseLogUploadForm(forms.Form):
    file = forms.FileField(
        label="Case log",
        help_text="A .csv or .xlsx file, up to 2 MB, with the column headings Reference, "
        "Referred on, Referral reason, Notified on, Rapid review meeting on, Rapid review sent "
        "on, Decision, Decision on, Published on, Cost; for safeguarding adults reviews and "
        "domestic homicide reviews also Process, Decision reason, Reviewer or chair, SAR report "
        "completed on, Board response on, Home Office told on, Sent to quality assurance panel "
        "on, Quality assurance panel responded on, Quality assurance panel response.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        from .case_import import CASE_LOG_FORMATS, MAX_CASE_LOG_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_CASE_LOG_BYTES:
            raise ValidationError("The file is larger than 2 MB; split it into smaller files.")
        if not upload.name.lower().endswith(CASE_LOG_FORMATS):
            raise ValidationError("A case log must be a .csv or .xlsx file.")
        return upload
