"""Admin registration of the learning vocabularies."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Agency, Theme


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = "Themes"
    list_display = ["name", "parent"]
    search_fields = ["name"]
    add_to_admin_menu = True
    menu_order = 300


class AgencyViewSet(SnippetViewSet):
    model = Agency
    icon = "group"
    menu_label = "Agencies"
    list_display = ["name", "short_name", "sector", "active"]
    list_filter = ["sector", "active"]
    search_fields = ["name", "short_name"]
    add_to_admin_menu = True
    menu_order = 310


register_snippet(ThemeViewSet)
register_snippet(AgencyViewSet)
