"""Admin registration: the search vocabulary the business unit keeps (Settings → Search
vocabulary), which reports search could read, and the review editor's "Has this been said
before?" beside each recommendation's text."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import ReportText, VocabularyGroup


class VocabularyGroupViewSet(SnippetViewSet):
    model = VocabularyGroup
    icon = "search"
    menu_label = "Search vocabulary"
    list_display = ["terms", "note", "updated_at"]
    search_fields = ["terms", "note"]
    add_to_settings_menu = True
    menu_order = 400


register_snippet(VocabularyGroupViewSet)


class ReportTextViewSet(SnippetViewSet):
    """Which attached reports search could read, and why the others could not: for the business
    unit (searchers never see a failure)."""

    model = ReportText
    icon = "doc-full"
    menu_label = "Report text for search"
    list_display = ["document", "status", "error", "pages", "extracted_at"]
    list_filter = ["status"]
    add_to_settings_menu = True
    menu_order = 410
    inspect_view_enabled = True


register_snippet(ReportTextViewSet)


@hooks.register("insert_editor_js")
def recurrence_editor_js():
    return format_html('<script src="{}"></script>', static("js/recurrence_editor.js"))
