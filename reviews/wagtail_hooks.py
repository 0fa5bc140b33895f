"""Admin and serving hooks for reviews and briefings."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from learning import permissions

from .models import Case, ReferralReason, ReviewDocument, may_open_page


@hooks.register("before_serve_page", order=-1)
def refuse_signed_in_visitors_without_access(page, request, serve_args, serve_kwargs):
    """A signed-in visitor without access gets a clear 403, not a loop back to the login page.
    Anonymous visitors fall through to Wagtail's privacy check, which asks them to sign in."""
    if request.user.is_authenticated and not may_open_page(request.user, page.specific_deferred):
        raise PermissionDenied


@hooks.register("before_serve_document")
def documents_follow_their_reviews_privacy(document, request):
    """Documents are private by default: one is served to those who may open a live review that
    lists it. Anything else (a draft's report, one a later revision dropped, one attached to
    nothing) is the partnership's alone."""
    if may_download(request.user, document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def may_download(user, document):
    # The rows of a live page are its published content (drafts live in revisions), so a
    # document added in an unpublished edit has no row on a live page yet.
    listed_on_a_page_they_may_open = ReviewDocument.objects.filter(
        permissions.visible_content(user, "page__visibility", "page__partnership"),
        document=document,
        page__live=True,
    )
    if listed_on_a_page_they_may_open.exists():
        return True
    # Anything else (a draft's report, one attached to nothing) is for the partnership's people;
    # one listed by a partnership's pages is for that partnership's people.
    partnerships = set(
        ReviewDocument.objects.filter(document=document).values_list("page__partnership", flat=True)
    )
    visible = permissions.visible_partnership_ids(user)
    return bool(visible) and (partnerships <= visible if partnerships else True)


def reviews_with_actions(pages):
    """Titles of the reviews among `pages`, or under them, that agencies have actions on: their
    history must stay, so such a review is unpublished, never deleted."""
    from wagtail.models import Page

    from .models import ReviewPage

    under = Page.objects.none()
    for page in pages:
        under |= Page.objects.descendant_of(page, inclusive=True)
    return list(
        ReviewPage.objects.filter(pk__in=under.values("pk"), recommendations__actions__isnull=False)
        .distinct()
        .values_list("title", flat=True)
    )


def _refuse_deleting(request, titles, back_to):
    messages.error(
        request,
        f"{', '.join(titles)} cannot be deleted: agencies have actions on its recommendations, "
        "and their history is kept. Unpublish the review instead.",
    )
    return redirect(back_to)


@hooks.register("construct_page_action_menu")
def approval_in_the_partnerships_words(menu_items, request, context):
    """The approver's buttons say approve and send back; plain approval is the main button."""
    from wagtail.admin.action_menu import WorkflowMenuItem

    steps = [item for item in menu_items if isinstance(item, WorkflowMenuItem)]
    for item in steps:
        if item.name == "reject":
            item.label = "Send back for changes"
        elif item.name == "approve":
            item.label = str(item.label).replace(" and Publish", " and publish")
    approve = next(
        (item for item in steps if item.name == "approve" and not item.launch_modal), None
    )
    if approve is not None:
        menu_items.remove(approve)
        menu_items.insert(0, approve)


@hooks.register("after_edit_page")
def say_what_the_approval_did(request, page):
    """Wagtail confirms every workflow action with "has been updated". The approver is told what
    happened instead: published, to be published on its go-live date, approved for the next
    step, or sent back."""
    if "action-workflow-action" not in request.POST:
        return
    page.refresh_from_db()
    title = page.get_admin_display_title()
    # Read afresh: the editor read `scheduled_revision` (a cached property) before approving.
    scheduled = page.revisions.filter(approved_go_live_at__isnull=False).first()
    if request.POST.get("workflow-action-name") == "reject":
        said = f"“{title}” has been sent back to its author for changes."
    elif scheduled is not None:
        when = timezone.localtime(scheduled.approved_go_live_at)
        said = f"“{title}” has been approved and will be published on {when:%-d %B %Y at %H:%M}."
    elif page.live and not page.has_unpublished_changes:
        said = f"“{title}” has been approved and published."
    else:
        said = f"“{title}” has been approved and goes on to the next approval."
    storage = messages.get_messages(request)
    for message in storage:
        if message.level == messages.SUCCESS and "has been updated" in message.message:
            message.message = said
    # Reading the messages marks them shown; keep them for the page the approver lands on.
    storage.used = False


@hooks.register("before_delete_page")
def refuse_deleting_a_review_with_actions(request, page):
    titles = reviews_with_actions([page])
    if titles:
        return _refuse_deleting(request, titles, reverse("wagtailadmin_pages:edit", args=[page.pk]))
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_reviews_with_actions(request, action_type, objects, action_class):
    if action_type != "delete":
        return None
    titles = reviews_with_actions(objects)
    if titles:
        return _refuse_deleting(request, titles, reverse("wagtailadmin_explore_root"))
    return None


class OpenReviewsReportMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_business_unit(request.user)


@hooks.register("register_reports_menu_item")
def register_open_reviews_report_menu_item():
    return OpenReviewsReportMenuItem(
        "Open reviews by next deadline",
        reverse("open_reviews_report"),
        name="open-reviews",
        icon_name="time",
        order=650,
    )


@hooks.register("register_admin_urls")
def register_open_reviews_report_urls():
    from .reports import OpenReviewsReportView

    return [
        path(
            "reports/open-reviews/",
            OpenReviewsReportView.as_view(),
            name="open_reviews_report",
        ),
        path(
            "reports/open-reviews/results/",
            OpenReviewsReportView.as_view(results_only=True),
            name="open_reviews_report_results",
        ),
    ]


class ImportReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_business_unit(request.user)


@hooks.register("register_admin_menu_item")
def register_import_review_menu_item():
    return ImportReviewMenuItem(
        "Import a review",
        reverse("review_import"),
        name="import-review",
        icon_name="upload",
        order=250,
    )


@hooks.register("register_admin_urls")
def register_import_review_urls():
    from .importer import views

    return [
        path("reviews/import/", views.upload, name="review_import"),
        path("reviews/import/<uuid:token>/", views.confirm, name="review_import_confirm"),
    ]


@hooks.register("register_log_actions")
def register_import_log_action(actions):
    from wagtail.log_actions import LogFormatter

    from .importer.create import IMPORT_LOG_ACTION

    @actions.register_action(IMPORT_LOG_ACTION)
    class ImportedFromDocument(LogFormatter):
        label = "Import from a document"

        def format_message(self, log_entry):
            source = log_entry.data.get("source", "a document")
            if log_entry.data.get("confirmed_by_editor"):
                return f"Imported from {source}; themes and agencies confirmed by the editor."
            return (
                f"Imported from {source}; themes and agencies are suggestions, not yet confirmed "
                "by an editor."
            )


@hooks.register("register_log_actions")
def register_case_log_import_action(actions):
    from wagtail.log_actions import LogFormatter

    from .case_import import CASE_LOG_IMPORT_ACTION

    @actions.register_action(CASE_LOG_IMPORT_ACTION)
    class ImportedFromCaseLog(LogFormatter):
        label = "Import of a case log"

        def format_message(self, log_entry):
            source = log_entry.data.get("source", "a spreadsheet")
            changed = log_entry.data.get("changed")
            if changed is None:
                return f"Recorded by the import of {source}."
            return f"Changed by the import of {source}: {', '.join(changed)}."


# --- The case log ---------------------------------------------------------------------------


class ReferralReasonViewSet(SnippetViewSet):
    model = ReferralReason
    icon = "list-ul"
    menu_label = "Referral reasons"
    list_display = ["name", "sort_order", "active"]


class CaseLogPolicy(ModelPermissionPolicy):
    """The editor opens a case only to the people who keep its partnership's log."""

    def _keeps(self, user, instance):
        return (
            user.is_superuser
            or permissions.case_log_partnerships(user).filter(pk=instance.partnership_id).exists()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self._keeps(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self._keeps(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model.objects.none()
        return permissions.visible_cases(user, self.model.objects.all()).filter(
            partnership__in=permissions.case_log_partnerships(user)
        )


@hooks.register("before_edit_snippet")
def edit_only_the_cases_of_a_log_one_keeps(request, instance):
    if isinstance(instance, Case) and not CaseLogPolicy(Case)._keeps(request.user, instance):
        raise PermissionDenied


@hooks.register("before_delete_snippet")
def delete_only_the_cases_of_a_log_one_keeps(request, instances):
    policy = CaseLogPolicy(Case)
    if any(isinstance(each, Case) and not policy._keeps(request.user, each) for each in instances):
        raise PermissionDenied


class CaseViewSet(SnippetViewSet):
    model = Case

    @cached_property
    def permission_policy(self):
        return CaseLogPolicy(self.model)

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, ["change", "delete", "view"]
        )

    icon = "warning"
    menu_label = "Case log"
    list_display = [
        "reference",
        "process",
        "child_pseudonym",
        "referred_on",
        "referral_reason",
        "decision",
    ]
    list_filter = ["process", "decision", "referral_reason"]
    search_fields = ["reference", "child_pseudonym"]


class CaseLogViewSetGroup(SnippetViewSetGroup):
    items = (CaseViewSet, ReferralReasonViewSet)
    menu_icon = "warning"
    menu_label = "Case log"
    menu_name = "case-log"
    menu_order = 240


register_snippet(CaseLogViewSetGroup)


class ImportCaseLogMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_edit_case_log(request.user)


@hooks.register("register_admin_menu_item")
def register_import_case_log_menu_item():
    return ImportCaseLogMenuItem(
        "Import a case log",
        reverse("case_log_import"),
        name="import-case-log",
        icon_name="upload",
        order=245,
    )


@hooks.register("register_admin_urls")
def register_import_case_log_urls():
    from .case_import_views import import_case_log_view

    return [path("case-log/import/", import_case_log_view, name="case_log_import")]


class YearlyReportMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_see_case_log(request.user)


@hooks.register("register_reports_menu_item")
def register_yearly_report_menu_item():
    return YearlyReportMenuItem(
        "Yearly report",
        reverse("yearly_report"),
        name="yearly-report",
        icon_name="table",
        order=660,
    )


@hooks.register("register_reports_menu_item")
def register_case_timeline_menu_item():
    return YearlyReportMenuItem(
        "Case log timelines",
        reverse("case_list"),
        name="case-log-timelines",
        icon_name="time",
        order=655,
    )
