"""The admin import: upload a review document, see what was found, correct it, confirm."""

import datetime
import shutil
import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from config.celery import enqueue_on_commit
from learning import permissions
from learning.models import Agency, Theme

from ..models import ReviewPage
from . import SUPPORTED_EXTENSIONS
from .create import SUGGESTIONS_WARNING, AnalysedReview, create_review
from .recommendations import FoundRecommendation
from .tasks import (
    analyse_review_upload,
    pending_folder,
    read_json,
    status,
    write_json,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SESSION_KEY = "review_imports"


class UploadForm(forms.Form):
    document = forms.FileField(
        label="Review document",
        help_text="A .txt, .md, .pdf (with a text layer) or .docx file, up to 20 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )
    kind = forms.ChoiceField(choices=ReviewPage.Kind.choices, initial=ReviewPage.Kind.LCSPR)
    title = forms.CharField(
        max_length=255, required=False, help_text="Leave empty to take it from the document."
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        if Path(document.name).suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(
                "Unsupported file type: use a .txt, .md, .pdf or .docx file."
            )
        return document


class ReviewForm(forms.Form):
    title = forms.CharField(max_length=255)
    kind = forms.ChoiceField(choices=ReviewPage.Kind.choices)


class RecommendationForm(forms.Form):
    include = forms.BooleanField(required=False, initial=True, label="Import this recommendation")
    number = forms.CharField(max_length=12)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    section = forms.CharField(max_length=255, required=False)
    proposed_action = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="From the document's action plan, if it has one: becomes the agencies' action.",
    )
    due_date = forms.DateField(
        required=False,
        help_text="From the action plan, if it gives one (YYYY-MM-DD).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked: suggested from the wording. Confirm or change.",
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked: suggested from the wording. Confirm or change.",
    )


RecommendationFormSet = forms.formset_factory(RecommendationForm, extra=0)


def _require_business_unit(request):
    if not permissions.is_business_unit(request.user):
        raise PermissionDenied("Importing reviews is for the business unit.")


def upload(request):
    _require_business_unit(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        token = str(uuid.uuid4())
        name = Path(document.name).name
        folder = pending_folder(token)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "upload.bin", "wb") as stored:
            for chunk in document.chunks():
                stored.write(chunk)
        write_json(
            folder / "upload.json",
            {"name": name, "file": "upload.bin", "title": form.cleaned_data["title"]},
        )
        write_json(folder / "status.json", {"state": "queued"})
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"name": name, "kind": form.cleaned_data["kind"]}
        request.session[SESSION_KEY] = pending
        # Reading runs as a task (eager without a broker); the check page shows its progress.
        enqueue_on_commit(analyse_review_upload, token)
        return redirect("review_import_confirm", token=token)
    return render(request, "reviews/import_upload.html", {"form": form})


def _pending(request, token):
    pending = request.session.get(SESSION_KEY, {}).get(str(token))
    if pending is None or not (pending_folder(token) / "upload.json").exists():
        return None
    return pending


def _forget(request, token):
    shutil.rmtree(pending_folder(token), ignore_errors=True)
    remaining = request.session.get(SESSION_KEY, {})
    remaining.pop(str(token), None)
    request.session[SESSION_KEY] = remaining


def _analysed(token):
    stored = read_json(pending_folder(token) / "analysis.json")
    themes = Theme.objects.in_bulk([pk for r in stored["recommendations"] for pk in r["themes"]])
    agencies = Agency.objects.in_bulk(
        [pk for r in stored["recommendations"] for pk in r["agencies"]]
    )
    recommendations = [
        FoundRecommendation(
            number=r["number"],
            text=r["text"],
            section=r["section"],
            notes=r["notes"],
            proposed_action=r["proposed_action"],
            due_date=datetime.date.fromisoformat(r["due_date"]) if r["due_date"] else None,
            themes=[themes[pk] for pk in r["themes"] if pk in themes],
            agencies=[agencies[pk] for pk in r["agencies"] if pk in agencies],
        )
        for r in stored["recommendations"]
    ]
    return AnalysedReview(
        file_name=stored["file_name"],
        title=stored["title"],
        recommendations=recommendations,
        warnings=stored["warnings"],
        sections=stored["sections"],
        skipped=stored["skipped"],
        pages=stored["pages"],
    )


def confirm(request, token):
    _require_business_unit(request)
    pending = _pending(request, token)
    if pending is None:
        messages.error(request, "That upload has expired or was already imported. Upload it again.")
        return redirect("review_import")
    state = status(token)
    if state["state"] == "failed":
        _forget(request, token)
        messages.error(request, state["message"])
        return redirect("review_import")
    if state["state"] != "done" or not (pending_folder(token) / "analysis.json").exists():
        return render(
            request,
            "reviews/import_progress.html",
            {"file_name": pending["name"], "state": state},
        )
    analysed = _analysed(token)

    initial = [
        {
            "include": True,
            "number": found.number,
            "text": found.text,
            "section": found.section,
            "proposed_action": found.proposed_action,
            "due_date": found.due_date,
            "themes": [theme.pk for theme in found.themes],
            "agencies": [agency.pk for agency in found.agencies],
        }
        for found in analysed.recommendations
    ]
    if request.method == "POST":
        review_form = ReviewForm(request.POST)
        formset = RecommendationFormSet(request.POST, initial=initial, prefix="recommendations")
    else:
        review_form = ReviewForm(initial={"title": analysed.title, "kind": pending["kind"]})
        formset = RecommendationFormSet(initial=initial, prefix="recommendations")

    if request.method == "POST" and review_form.is_valid() and formset.is_valid():
        notes = {found.number: found.notes for found in analysed.recommendations}
        chosen = [
            FoundRecommendation(
                number=row["number"].strip(),
                text=row["text"].strip(),
                section=row["section"].strip(),
                notes=notes.get(row["number"].strip(), []),
                proposed_action=row["proposed_action"].strip(),
                due_date=row["due_date"],
                themes=list(row["themes"]),
                agencies=list(row["agencies"]),
            )
            for row in formset.cleaned_data
            if row.get("include")
        ]
        if not chosen:
            review_form.add_error(None, "Choose at least one recommendation to import.")
        else:
            analysed.title = review_form.cleaned_data["title"].strip()
            analysed.recommendations = chosen
            analysed.warnings = [w for w in analysed.warnings if w != SUGGESTIONS_WARNING]
            data = (pending_folder(token) / "upload.bin").read_bytes()
            analysed.file_name = pending["name"]
            page = create_review(
                analysed,
                data,
                kind=review_form.cleaned_data["kind"],
                user=request.user,
                confirmed_by_editor=True,
            )
            _forget(request, token)
            messages.success(
                request,
                f"Draft review “{page.title}” created with {len(chosen)} recommendations. "
                "It is visible to the partnership only until you change its visibility.",
            )
            return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))

    return render(
        request,
        "reviews/import_confirm.html",
        {
            "review_form": review_form,
            "formset": formset,
            "analysed": analysed,
            "file_name": pending["name"],
            "rows": list(zip(formset.forms, analysed.recommendations, strict=False)),
        },
    )
