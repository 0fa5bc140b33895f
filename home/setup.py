"""Puts the partnership's fixed structure in place after every migrate: roles, page permissions,
the approval workflow, the home page and its two listings. Idempotent."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from learning import permissions

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MANAGER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "delete_page"]
WORKFLOW_NAME = "Partnership approval"


def ensure_partnership_setup(sender=None, **kwargs):
    with transaction.atomic():
        groups = {
            name: Group.objects.get_or_create(name=name)[0] for name in permissions.ROLE_GROUPS
        }
        home = _ensure_pages()
        _ensure_first_partnership(home)
        _ensure_admin_access(groups)
        _ensure_page_permissions(groups, home)
        _ensure_workflow(groups, home)


def _ensure_pages():
    from wagtail.models import Page, Site

    from home.models import HomePage
    from reviews.models import BriefingIndexPage, ReviewIndexPage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:
            # A flushed database (transactional tests) has no tree at all.
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        # Wagtail's own migration leaves a plain welcome page as the default site's root.
        for welcome in Page.objects.filter(depth=2, content_type__model="page"):
            welcome.delete()
        root.refresh_from_db()
        home = root.add_child(instance=HomePage(title="Home", slug="home"))
        site = Site.objects.filter(is_default_site=True).first()
        if site:
            site.root_page = home
            site.save()
        else:
            Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    if not ReviewIndexPage.objects.exists():
        home.add_child(instance=ReviewIndexPage(title="Reviews", slug="reviews"))
    if not BriefingIndexPage.objects.exists():
        home.add_child(instance=BriefingIndexPage(title="7-minute briefings", slug="briefings"))
    return home


def _ensure_first_partnership(home):
    """A deployment holds at least one partnership: the children's partnership the site was made
    for, whose section is the whole site."""
    from django.utils.text import slugify

    from learning.models import Partnership
    from learning.models.partnerships import DEFAULT_PARTNERSHIP_NAME

    first = Partnership.objects.default()
    if first is not None:
        # A fresh database's first partnership was made while Wagtail's welcome page was the
        # site's root; that page has since given way to the home page.
        if first.section_id is None:
            first.section = home
            first.save(update_fields=["section"])
        return
    Partnership.objects.create(
        name=DEFAULT_PARTNERSHIP_NAME,
        slug=slugify(DEFAULT_PARTNERSHIP_NAME),
        framework=Partnership.Framework.CHILDREN,
        section=home,
    )


def _ensure_admin_access(groups):
    # post_migrate reaches this app before the later apps have had their permissions created,
    # so on a fresh database the theme and agency permissions would not exist yet.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_label in ("learning", "wagtaildocs", "wagtailadmin"):
        create_permissions(apps.get_app_config(app_label), verbosity=0)
    access_admin = Permission.objects.get(codename="access_admin")
    for name in (
        permissions.BUSINESS_UNIT,
        permissions.BUSINESS_MANAGERS,
        permissions.ADMINISTRATORS,
    ):
        groups[name].permissions.add(access_admin)
    docs = Permission.objects.filter(
        content_type__app_label="wagtaildocs",
        codename__in=["add_document", "change_document", "choose_document"],
    )
    for name in (
        permissions.BUSINESS_UNIT,
        permissions.BUSINESS_MANAGERS,
        permissions.ADMINISTRATORS,
    ):
        groups[name].permissions.add(*docs)
    # Officers keep the vocabularies up to date; deleting a theme or agency that reviews and
    # actions point at is for the business manager.
    snippets = Permission.objects.filter(
        content_type__app_label="learning",
        content_type__model__in=["theme", "agency"],
    )
    officers = groups[permissions.BUSINESS_UNIT].permissions
    officers.add(*snippets.exclude(codename__startswith="delete_"))
    officers.remove(*snippets.filter(codename__startswith="delete_"))
    for name in (permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS):
        groups[name].permissions.add(*snippets)
    # The business unit sets the default time agencies get for an action; the business manager
    # also edits the partnership's name and contact numbers.
    tracker_settings = Permission.objects.get(
        content_type__app_label="learning", codename="change_trackersettings"
    )
    for name in (
        permissions.BUSINESS_UNIT,
        permissions.BUSINESS_MANAGERS,
        permissions.ADMINISTRATORS,
    ):
        groups[name].permissions.add(tracker_settings)
    # The business unit keeps the search vocabulary and sees which attached reports could not
    # be read for search.
    create_permissions(apps.get_app_config("learning_search"), verbosity=0)
    search_admin = Permission.objects.filter(
        content_type__app_label="learning_search",
        codename__in=[
            "add_vocabularygroup",
            "change_vocabularygroup",
            "delete_vocabularygroup",
            "view_reporttext",
        ],
    )
    for name in (
        permissions.BUSINESS_UNIT,
        permissions.BUSINESS_MANAGERS,
        permissions.ADMINISTRATORS,
    ):
        groups[name].permissions.add(*search_admin)
    create_permissions(apps.get_app_config("home"), verbosity=0)
    partnership_settings = Permission.objects.get(
        content_type__app_label="home", codename="change_partnershipsettings"
    )
    # The site-wide contact settings reach every partnership that leaves its own blank, so they
    # are the administrator's; a business manager edits their own partnership's (Snippets →
    # Partnerships), never another's.
    groups[permissions.ADMINISTRATORS].permissions.add(partnership_settings)
    groups[permissions.BUSINESS_MANAGERS].permissions.remove(partnership_settings)
    # Partnerships and who holds which role in each are the administrator's to keep.
    partnership_records = Permission.objects.filter(
        content_type__app_label="learning",
        content_type__model__in=["partnership", "partnershipmembership"],
    )
    groups[permissions.ADMINISTRATORS].permissions.add(*partnership_records)


def _ensure_page_permissions(groups, home):
    from wagtail.models import GroupPagePermission

    wanted = {
        permissions.BUSINESS_UNIT: EDITOR_PAGE_PERMISSIONS,
        permissions.BUSINESS_MANAGERS: MANAGER_PAGE_PERMISSIONS,
        permissions.ADMINISTRATORS: MANAGER_PAGE_PERMISSIONS,
    }
    for group_name, codenames in wanted.items():
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=groups[group_name],
                page=home,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )


def _ensure_workflow(groups, home):
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from reviews.models import PartnershipApprovalTask

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    # Each business manager approves their own partnership's pages (an older plain group
    # approval task became this one in reviews' migration 0006).
    task = PartnershipApprovalTask.objects.filter(name="Business manager approval").first()
    if task is None:
        task = PartnershipApprovalTask.objects.create(name="Business manager approval")
    task.groups.set([groups[permissions.BUSINESS_MANAGERS]])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
