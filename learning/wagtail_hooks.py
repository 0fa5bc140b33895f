"""Admin registration of the learning vocabularies, and admin menu links to the people pages and
the business unit's queue."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import permissions
from .models import Agency, Partnership, Theme


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


class PartnershipViewSet(SnippetViewSet):
    """The administrator keeps the business unit's partnerships: name, framework, section of the
    site and whether its learning is shared regionally."""

    model = Partnership
    icon = "site"
    menu_label = "Partnerships"
    list_display = ["name", "framework", "section", "shares_regionally"]
    list_filter = ["framework"]
    search_fields = ["name"]
    add_to_admin_menu = True
    menu_order = 305
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("framework"),
        PageChooserPanel("section"),
        FieldPanel("shares_regionally"),
        FieldPanel("sort_order"),
    ]


register_snippet(ThemeViewSet)
register_snippet(AgencyViewSet)
register_snippet(PartnershipViewSet)


class PeopleMenuItem(MenuItem):
    """People and their roles: the business manager's page, linked from the admin menu."""

    def is_shown(self, request):
        return permissions.can_manage_people(request.user)


class BusinessUnitQueueMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_see_business_unit_queue(request.user)


@hooks.register("register_admin_menu_item")
def register_people_menu_item():
    return PeopleMenuItem(
        "People", reverse("learning:people"), name="people", icon_name="user", order=320
    )


@hooks.register("register_admin_menu_item")
def register_business_unit_queue_menu_item():
    return BusinessUnitQueueMenuItem(
        "Waiting for the business unit",
        reverse("learning:business_unit_queue"),
        name="business-unit-queue",
        icon_name="tasks",
        order=240,
    )
