"""From an uploaded document to a draft review: analyse it (nothing saved), then create the page,
its source document and its recommendations in one transaction."""

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection, CollectionViewRestriction

from learning import permissions
from learning.models import Recommendation
from learning.permissions import Visibility

from ..models import ReviewDocument, ReviewIndexPage, ReviewPage
from . import ReviewImportError
from .readers import read_document
from .recommendations import find_recommendations
from .suggest import Suggester

IMPORT_LOG_ACTION = "reviews.import"
IMPORT_COLLECTION = "Imported review documents (partnership only)"
SUGGESTIONS_WARNING = (
    "Themes and agencies are suggestions found in the wording: an editor must confirm them "
    "before the review is published."
)


@dataclass
class AnalysedReview:
    """What was found in a document, before anything is saved."""

    file_name: str
    title: str
    recommendations: list
    warnings: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    pages: int = 0


# The most text one import reads. Finding the recommendations takes longer than in proportion past
# a few megabytes (on this hub's machine: 1 MB of numbered lines 1.4 s, 2 MB 6.7 s, 3 MB 14 s, 8 MB
# 141 s); the longest report in the library, the 2009 Commission, has 0.3 MB.
MOST_CHARACTERS = 2_000_000


def analyse(file_name, data, title=None, progress=None):
    """Read the document and find its recommendations with suggested themes and agencies."""
    source = read_document(file_name, data, progress=progress)
    if len(source.text) > MOST_CHARACTERS:
        raise ReviewImportError(
            f"{file_name}: it holds {len(source.text):,} characters of text, more than the "
            f"{MOST_CHARACTERS:,} (about 700 pages) one import can read in reasonable time. "
            "Upload only the part of the report with its recommendations (and action plan), "
            "or split it."
        )
    reading = find_recommendations(source)
    recommendations, warnings = reading.recommendations, reading.warnings
    if not recommendations:
        raise ReviewImportError(
            f"{file_name}: no recommendations found. The importer looks for numbered items under "
            "a heading such as “Recommendations”, or after a sentence introducing them as "
            "recommendations."
        )
    Suggester().suggest(recommendations)
    title = (title or reading.title or _title_from_file_name(file_name)).strip()[:255]
    return AnalysedReview(
        file_name=file_name,
        title=title,
        recommendations=recommendations,
        warnings=[*warnings, SUGGESTIONS_WARNING],
        sections=reading.sections,
        skipped=reading.skipped,
        pages=source.pages,
    )


def _title_from_file_name(file_name):
    return Path(file_name).stem.replace("-", " ").replace("_", " ").strip().capitalize()


def imported_documents_collection():
    """Source documents may be unpublished reports: they stay partnership-only until an editor
    moves them to a public collection."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=IMPORT_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=IMPORT_COLLECTION)
    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=collection, restriction_type=CollectionViewRestriction.GROUPS
    )
    restriction.groups.set(Group.objects.filter(name__in=permissions.PARTNERSHIP_GROUPS))
    return collection


def _unique_slug(index, title):
    base = slugify(title)[:70] or "imported-review"
    slug, counter = base, 1
    siblings = index.get_children()
    while siblings.filter(slug=slug).exists():
        counter += 1
        slug = f"{base}-{counter}"
    return slug


@transaction.atomic
def create_review(
    analysed,
    data,
    *,
    kind=ReviewPage.Kind.LCSPR,
    publish=False,
    user=None,
    confirmed_by_editor=False,
):
    """Create the draft review, attach the source document, and record what was only suggested.

    `analysed.recommendations` carry the themes and agencies to store: the suggestions as found,
    or the editor's corrections from the admin (`confirmed_by_editor`). The page's history keeps
    which it was. Visibility starts at partnership-only until an editor decides who may read it.
    """
    if kind not in ReviewPage.Kind.values:
        raise ReviewImportError(
            f"Unknown kind of review “{kind}”. Use one of: {', '.join(ReviewPage.Kind.values)}."
        )
    index = ReviewIndexPage.objects.first()
    if index is None:
        raise ReviewImportError("There is no review index page to put the review under.")
    page = ReviewPage(
        title=analysed.title,
        slug=_unique_slug(index, analysed.title),
        kind=kind,
        visibility=Visibility.PARTNERSHIP,
        live=False,
        owner=user,
    )
    # A possible recommendation goes into the draft only when an editor ticked it on the check
    # page; from the command line nobody has, so it is listed and left out.
    taken = [
        found for found in analysed.recommendations if confirmed_by_editor or not found.possible
    ]
    for position, found in enumerate(taken):
        recommendation = Recommendation(
            number=found.number[:12],
            text=found.text,
            section=found.section[:255],
            sort_order=position,
            due_date=found.due_date,
            agreed_action=found.proposed_action.strip(),
        )
        recommendation.themes = list(found.themes)
        recommendation.agencies = list(found.agencies)
        page.recommendations.add(recommendation)
    document = get_document_model()(
        title=f"{analysed.title} (source document)"[:255],
        uploaded_by_user=user,
        collection=imported_documents_collection(),
    )
    document.file.save(Path(analysed.file_name).name, ContentFile(data), save=False)
    document.save()
    page.documents.add(ReviewDocument(document=document, title=Path(analysed.file_name).name))
    index.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=True)
    log(
        page,
        IMPORT_LOG_ACTION,
        user=user,
        revision=revision,
        data={
            "source": Path(analysed.file_name).name,
            "confirmed_by_editor": confirmed_by_editor,
            "themes_and_agencies": [
                {
                    "number": found.number,
                    "themes": [theme.name for theme in found.themes],
                    "agencies": [agency.name for agency in found.agencies],
                    "notes": found.notes,
                    "proposed_action": found.proposed_action,
                    "due_date": found.due_date.isoformat() if found.due_date else None,
                }
                for found in taken
            ],
            "warnings": analysed.warnings,
            "sections": analysed.sections,
        },
    )
    if publish:
        revision.publish(user=user)
        page.refresh_from_db()
    return page


def as_json(page, analysed):
    """The shape `import_review --json` prints: every item found, and whether it is in the draft
    (a possible recommendation is not: nobody ticked it)."""
    return {
        "page_id": page.pk,
        "title": page.title,
        "recommendations": [
            {
                "number": found.number,
                "text": found.text,
                "section": found.section,
                "themes": [theme.name for theme in found.themes],
                "agencies": [agency.name for agency in found.agencies],
                "notes": found.notes,
                "proposed_action": found.proposed_action,
                "due_date": found.due_date.isoformat() if found.due_date else None,
                "reason": found.reason,
                "confidence": found.confidence,
                "possible": found.possible,
                "imported": not found.possible,
            }
            for found in analysed.recommendations
        ],
        "warnings": analysed.warnings,
        "sections": analysed.sections,
        "skipped": analysed.skipped,
    }
