"""The admin import: upload a review document, see what was found, correct it, confirm."""

import dataclasses
import datetime
import re
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from learning import permissions
from learning.models import Agency, Theme

from ..models import ReviewImport, ReviewPage
from . import SUPPORTED_EXTENSIONS
from .create import SUGGESTIONS_WARNING, AnalysedReview, create_review
from .recommendations import FoundRecommendation
from .tasks import forget, pending_folder, queue_reading, read_json, serialise, write_json

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The check page shows this many items at a time, so even a report of a thousand recommendations
# gives pages that render in a second or two.
ITEMS_PER_PAGE = 30


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
        label="Agreed action",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="From the document's action plan, if it has one. It stays with the "
        "recommendation and becomes each agency's action when the review is published.",
    )
    due_date = forms.DateField(
        label="Target date",
        required=False,
        help_text="From the action plan, if it gives one (YYYY-MM-DD): the actions' due date.",
        # A date input takes ISO dates only: in the locale's format it would show empty.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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
        review_import = ReviewImport(
            owner=request.user,
            file_name=Path(document.name).name[:255],
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
        )
        folder = pending_folder(review_import.token)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "upload.bin", "wb") as stored:
            for chunk in document.chunks():
                stored.write(chunk)
        review_import.save()
        # Read away from this request; the check page shows its progress.
        queue_reading(review_import)
        return redirect("review_import_confirm", token=review_import.token)
    return render(request, "reviews/import_upload.html", {"form": form})


def _pending(request, token):
    """The person's own upload, while it is kept (a day), in whichever browser they use."""
    review_import = ReviewImport.objects.of(request.user).filter(token=token).first()
    if review_import is None or not (pending_folder(token) / "upload.bin").exists():
        return None
    return review_import


def _found(stored, themes, agencies):
    return FoundRecommendation(
        number=stored["number"],
        text=stored["text"],
        section=stored["section"],
        notes=stored["notes"],
        proposed_action=stored["proposed_action"],
        due_date=datetime.date.fromisoformat(stored["due_date"]) if stored["due_date"] else None,
        reason=stored.get("reason", ""),
        confidence=stored.get("confidence", 1.0),
        themes=[themes[pk] for pk in stored["themes"] if pk in themes],
        agencies=[agencies[pk] for pk in stored["agencies"] if pk in agencies],
    )


def _analysed(token):
    stored = read_json(pending_folder(token) / "analysis.json")
    themes = Theme.objects.in_bulk([pk for r in stored["recommendations"] for pk in r["themes"]])
    agencies = Agency.objects.in_bulk(
        [pk for r in stored["recommendations"] for pk in r["agencies"]]
    )
    return AnalysedReview(
        file_name=stored["file_name"],
        title=stored["title"],
        recommendations=[_found(r, themes, agencies) for r in stored["recommendations"]],
        warnings=stored["warnings"],
        sections=stored["sections"],
        skipped=stored["skipped"],
        pages=stored["pages"],
    )


def _as_rows(formset, shown):
    """The items as the editor has left them on the check page (ticked or not), each keeping
    what the importer said of it."""
    rows = []
    for row, found in zip(formset.cleaned_data, shown, strict=False):
        rows.append(
            {
                "include": bool(row.get("include")),
                "found": FoundRecommendation(
                    number=row["number"].strip(),
                    text=row["text"].strip(),
                    section=row["section"].strip(),
                    notes=found.notes,
                    proposed_action=row["proposed_action"].strip(),
                    due_date=row["due_date"],
                    reason=found.reason,
                    confidence=found.confidence,
                    themes=list(row["themes"]),
                    agencies=list(row["agencies"]),
                ),
            }
        )
    return rows


def _join(first, second, separator):
    return separator.join(part for part in (first, second) if part)


def merge_rows(rows, index):
    """Item `index` and the one after it become one: the second's wording follows the first's."""
    if not 0 <= index < len(rows) - 1:
        return rows, "There is no item after that one to merge it with."
    first, second = rows[index]["found"], rows[index + 1]["found"]
    merged = FoundRecommendation(
        number=first.number,
        text=_join(first.text, second.text, "\n\n"),
        section=first.section or second.section,
        notes=[*first.notes, *(n for n in second.notes if n not in first.notes)],
        proposed_action=_join(first.proposed_action, second.proposed_action, "\n"),
        due_date=first.due_date or second.due_date,
        reason=_join(first.reason, second.reason, "; "),
        confidence=max(first.confidence, second.confidence),
        themes=[*first.themes, *(t for t in second.themes if t not in first.themes)],
        agencies=[*first.agencies, *(a for a in second.agencies if a not in first.agencies)],
    )
    include = rows[index]["include"] or rows[index + 1]["include"]
    message = f"Items {first.number} and {second.number} are now one: check its wording."
    return [*rows[:index], {"include": include, "found": merged}, *rows[index + 2 :]], message


def split_row(rows, index):
    """Item `index` becomes two at its first blank line (the editor puts one where it divides)."""
    if not 0 <= index < len(rows):
        return rows, "There is no such item to split."
    found = rows[index]["found"]
    parts = re.split(r"\n\s*\n", found.text.strip(), maxsplit=1)
    if len(parts) < 2:
        return rows, (
            f"To split item {found.number}, put a blank line in its wording where the second "
            "part starts, then choose “Split” again."
        )
    first = dataclasses.replace(found, text=parts[0].strip())
    second = dataclasses.replace(
        found,
        number=f"{found.number}b"[:12],
        text=parts[1].strip(),
        notes=[],
        themes=list(found.themes),
        agencies=list(found.agencies),
    )
    message = (
        f"Item {found.number} is now two; the second is numbered {second.number}: renumber it."
    )
    both = [{"include": rows[index]["include"], "found": part} for part in (first, second)]
    return [*rows[:index], *both, *rows[index + 1 :]], message


def _keep_rows(token, analysed, rows, title, kind):
    """Store the items as the editor left them, so the check page shows them again."""
    analysed.recommendations = [row["found"] for row in rows]
    stored = serialise(analysed)
    stored["title"] = title
    for entry, row in zip(stored["recommendations"], rows, strict=True):
        entry["include"] = row["include"]
    write_json(pending_folder(token) / "analysis.json", stored)
    ReviewImport.objects.filter(token=token).update(kind=kind)


def _included(stored_rows, found):
    """Ticked at first: what the importer is sure of, or what the editor ticked before a merge or
    split. A possible recommendation waits for an editor to tick it."""
    return stored_rows.get("include", not found.possible)


def _progress(request, review_import):
    return render(
        request,
        "reviews/import_progress.html",
        {"file_name": review_import.file_name, "review_import": review_import},
    )


def _page_number(value, pages):
    value = str(value or "1")
    number = int(value) if value.isdecimal() and len(value) < 7 else 1
    return min(max(number, 1), pages)


def confirm(request, token):
    """The check page. A long document's items are shown a page at a time (`ITEMS_PER_PAGE`):
    moving between pages keeps what the editor changed, and confirming imports every page."""
    _require_business_unit(request)
    review_import = _pending(request, token)
    if review_import is None:
        messages.error(request, "That upload has expired or was already imported. Upload it again.")
        return redirect("review_import")
    if request.method == "POST" and "retry" in request.POST:
        if review_import.stalled or review_import.state == ReviewImport.State.FAILED:
            review_import.move(ReviewImport.State.QUEUED, message="", pages_read=0, pages=0)
            queue_reading(review_import)
        return redirect("review_import_confirm", token=review_import.token)
    if review_import.state == ReviewImport.State.FAILED:
        forget(review_import)
        messages.error(request, review_import.message)
        return redirect("review_import")
    analysis = pending_folder(token) / "analysis.json"
    if review_import.state != ReviewImport.State.DONE or not analysis.exists():
        return _progress(request, review_import)
    analysed = _analysed(token)
    everything = [
        {"include": _included(stored, found), "found": found}
        for stored, found in zip(
            read_json(analysis)["recommendations"], analysed.recommendations, strict=True
        )
    ]
    pages = max(1, -(-len(everything) // ITEMS_PER_PAGE))
    page_number = _page_number(request.POST.get("page") or request.GET.get("page"), pages)
    first = (page_number - 1) * ITEMS_PER_PAGE
    shown = everything[first : first + ITEMS_PER_PAGE]

    initial = [
        {
            "include": row["include"],
            "number": row["found"].number,
            "text": row["found"].text,
            "section": row["found"].section,
            "proposed_action": row["found"].proposed_action,
            "due_date": row["found"].due_date,
            "themes": [theme.pk for theme in row["found"].themes],
            "agencies": [agency.pk for agency in row["found"].agencies],
        }
        for row in shown
    ]
    if request.method == "POST":
        review_form = ReviewForm(request.POST)
        formset = RecommendationFormSet(request.POST, initial=initial, prefix="recommendations")
    else:
        review_form = ReviewForm(initial={"title": analysed.title, "kind": review_import.kind})
        formset = RecommendationFormSet(initial=initial, prefix="recommendations")
    _share_choices(formset)

    if request.method == "POST" and review_form.is_valid() and formset.is_valid():
        edited = _as_rows(formset, [row["found"] for row in shown])
        rows = [*everything[:first], *edited, *everything[first + len(shown) :]]
        title = review_form.cleaned_data["title"].strip()
        kind = review_form.cleaned_data["kind"]
        change = _row_change(request.POST)
        go_to = request.POST.get("go_to")
        if change is not None or go_to:
            message = None
            if change is not None:
                operation, index = change
                rows, message = operation(rows, first + index)
            _keep_rows(token, analysed, rows, title, kind)
            if message:
                messages.info(request, message)
            target = reverse("review_import_confirm", args=[review_import.token])
            return redirect(f"{target}?page={_page_number(go_to or page_number, pages)}")
        chosen = [row["found"] for row in rows if row["include"]]
        if not chosen:
            review_form.add_error(None, "Choose at least one recommendation to import.")
        else:
            analysed.title = title
            analysed.recommendations = chosen
            analysed.warnings = [w for w in analysed.warnings if w != SUGGESTIONS_WARNING]
            data = (pending_folder(token) / "upload.bin").read_bytes()
            analysed.file_name = review_import.file_name
            page = create_review(
                analysed, data, kind=kind, user=request.user, confirmed_by_editor=True
            )
            forget(review_import)
            messages.success(
                request,
                f"Draft review “{page.title}” created with {len(chosen)} recommendations. "
                "It is visible to the partnership only until you change its visibility.",
            )
            return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))

    today = timezone.localdate()
    return render(
        request,
        "reviews/import_confirm.html",
        {
            "review_form": review_form,
            "formset": formset,
            "analysed": analysed,
            "file_name": review_import.file_name,
            "possible_count": sum(row["found"].possible for row in everything),
            "page_number": page_number,
            "pages": pages,
            "page_numbers": range(1, pages + 1),
            "first_shown": first + 1,
            "last_shown": first + len(shown),
            "rows": [
                {
                    "form": form,
                    "found": row["found"],
                    "index": index,
                    "last": first + index == len(everything) - 1,
                    "date_passed": bool(row["found"].due_date and row["found"].due_date < today),
                }
                for index, (form, row) in enumerate(zip(formset.forms, shown, strict=False))
            ],
        },
    )


def _row_change(post):
    """A merge or split asked for with the check page's buttons: (operation, index), or None."""
    for name, operation in (("merge", merge_rows), ("split", split_row)):
        value = post.get(name, "")
        if value.isdecimal() and len(value) < 7:
            return operation, int(value)
    return None


def _share_choices(formset):
    """Each item offers the same themes and agencies: read them once for the page, not once per
    item, so a long list of items renders in time in proportion to its length."""
    fields = RecommendationForm.base_fields
    themes = list(fields["themes"].queryset.values_list("pk", "name"))
    agencies = list(fields["agencies"].queryset.values_list("pk", "name"))
    for form in formset.forms:
        form.fields["themes"].choices = themes
        form.fields["agencies"].choices = agencies
