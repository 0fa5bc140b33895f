"""Admin registration: the search vocabulary the business unit keeps (Settings → Search vocabulary)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import VocabularyGroup


class VocabularyGroupViewSet(SnippetViewSet):
    model = VocabularyGroup
    icon = "search"
    menu_label = "Search vocabulary"
    list_display = ["terms", "note", "updated_at"]
    search_fields = ["terms", "note"]
    add_to_settings_menu = True
    menu_order = 400


register_snippet(VocabularyGroupViewSet)
