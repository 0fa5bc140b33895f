"""The admin import: upload a review document, see what was found, correct it, confirm."""

import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.shortcuts import redirect, render
from django.urls import reverse

from learning import permissions
from learning.models import Agency, Theme
from learning.models.actions import EvidenceStorage

from ..models import ReviewPage
from . import SUPPORTED_EXTENSIONS, ReviewImportError
from .create import SUGGESTIONS_WARNING, analyse, create_review
from .recommendations import FoundRecommendation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PENDING_DIR = "review-imports/pending"
# Uploads wait outside MEDIA_ROOT: an unpublished report must never be reachable by URL.
pending_storage = EvidenceStorage()
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
        data = document.read()
        try:
            analyse(document.name, data, title=form.cleaned_data["title"] or None)
        except ReviewImportError as error:
            form.add_error("document", str(error))
        else:
            token = str(uuid.uuid4())
            name = Path(document.name).name
            stored = pending_storage.save(f"{PENDING_DIR}/{token}/{name}", ContentFile(data))
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {
                "path": stored,
                "name": name,
                "kind": form.cleaned_data["kind"],
                "title": form.cleaned_data["title"],
            }
            request.session[SESSION_KEY] = pending
            return redirect("review_import_confirm", token=token)
    return render(request, "reviews/import_upload.html", {"form": form})


def _pending(request, token):
    pending = request.session.get(SESSION_KEY, {}).get(str(token))
    if pending is None or not pending_storage.exists(pending["path"]):
        return None
    return pending


def confirm(request, token):
    _require_business_unit(request)
    pending = _pending(request, token)
    if pending is None:
        messages.error(request, "That upload has expired or was already imported. Upload it again.")
        return redirect("review_import")
    with pending_storage.open(pending["path"], "rb") as stored:
        data = stored.read()
    try:
        analysed = analyse(pending["name"], data, title=pending["title"] or None)
    except ReviewImportError as error:
        messages.error(request, str(error))
        return redirect("review_import")

    initial = [
        {
            "include": True,
            "number": found.number,
            "text": found.text,
            "section": found.section,
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
        chosen = [
            FoundRecommendation(
                number=row["number"].strip(),
                text=row["text"].strip(),
                section=row["section"].strip(),
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
            page = create_review(
                analysed,
                data,
                kind=review_form.cleaned_data["kind"],
                user=request.user,
                confirmed_by_editor=True,
            )
            pending_storage.delete(pending["path"])
            remaining = request.session.get(SESSION_KEY, {})
            remaining.pop(str(token), None)
            request.session[SESSION_KEY] = remaining
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
