"""Admin registration of the learning vocabularies, and admin menu links to the people pages and
the business unit's queue."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from . import permissions
from .models import Agency, Partnership, Theme
from .models.partnerships import CONTACT_FIELDS


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


class PartnershipPermissionPolicy(ModelPermissionPolicy):
    """The administrator adds, removes and rearranges partnerships; a partnership's business
    manager (or administrator) changes its own settings and no other partnership's."""

    def keeps_every_partnership(self, user, action):
        """The administrator's model permission (Django's, through their group)."""
        return super().user_has_permission(user, action)

    def user_has_permission(self, user, action):
        if self.keeps_every_partnership(user, action):
            return True
        return (
            action == "change"
            and permissions.partnerships_whose_settings_they_change(user).exists()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        if action != "change":
            return self.keeps_every_partnership(user, action)
        return permissions.can_change_partnership_settings(user, instance.pk)

    def instances_user_has_any_permission_for(self, user, actions):
        if any(self.keeps_every_partnership(user, action) for action in actions):
            return self.model._default_manager.all()
        if "change" in actions:
            return permissions.partnerships_whose_settings_they_change(user)
        return self.model._default_manager.none()

    def users_with_any_permission(self, actions):
        users = super().users_with_any_permission(actions)
        if "change" not in actions:
            return users
        managers = users.model.objects.filter(
            is_active=True,
            partnership_memberships__role__in=[
                permissions.BUSINESS_MANAGERS,
                permissions.ADMINISTRATORS,
            ],
        )
        return (users | managers).distinct()


class OnlyPartnershipsTheyKeep:
    """A partnership's edit form, history and usage open only to those who may change it."""

    def get_object(self, *args, **kwargs):
        partnership = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", partnership
        ):
            raise PermissionDenied
        return partnership


class PartnershipEditView(OnlyPartnershipsTheyKeep, snippet_views.EditView):
    pass


class PartnershipHistoryView(OnlyPartnershipsTheyKeep, snippet_views.HistoryView):
    pass


class PartnershipUsageView(OnlyPartnershipsTheyKeep, snippet_views.UsageView):
    pass


# The partnership's record (who it is, its section of the site) is the administrator's to keep.
ADMINISTRATOR = "learning.change_partnership"


class PartnershipViewSet(SnippetViewSet):
    """The administrator keeps the business unit's partnerships: name, framework, section of the
    site and whether its learning is shared regionally. Each partnership's business manager
    keeps its name, its "Worried about…" box and its default time for an action."""

    model = Partnership
    icon = "site"
    menu_label = "Partnerships"
    list_display = ["name", "framework", "section", "shares_regionally"]
    list_filter = ["framework"]
    search_fields = ["name"]
    add_to_admin_menu = True
    menu_order = 305
    permission_policy = PartnershipPermissionPolicy(Partnership)
    edit_view_class = PartnershipEditView
    history_view_class = PartnershipHistoryView
    usage_view_class = PartnershipUsageView
    panels = [
        FieldPanel("name"),
        FieldPanel("slug", permission=ADMINISTRATOR),
        FieldPanel("framework", permission=ADMINISTRATOR),
        PageChooserPanel("section", permission=ADMINISTRATOR),
        FieldPanel("shares_regionally", permission=ADMINISTRATOR),
        FieldPanel("sort_order", permission=ADMINISTRATOR),
        MultiFieldPanel(
            [FieldPanel(field) for field in CONTACT_FIELDS],
            heading="Worried about…",
            help_text="What the partnership's pages tell a visitor who is worried. Leave a field "
            "blank to show the site-wide one (Settings → Site-wide contact settings).",
        ),
        MultiFieldPanel([FieldPanel("default_action_days")], heading="Learning tracker"),
    ]

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, ["add", "change", "delete"]
        )


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
