"""Receivers that keep the search documents in step with pages, recommendations and actions."""

import threading

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from learning.models import AgencyAction, ProgressUpdate, Recommendation
from reviews.models import BriefingPage, ReviewPage

from . import sync

SEARCHABLE_PAGES = (ReviewPage, BriefingPage)
# Pages whose deletion is under way in this thread: their recommendations' deletions must not
# write the pages' documents back.
_deleting = threading.local()


def _pages_being_deleted():
    if not hasattr(_deleting, "page_ids"):
        _deleting.page_ids = set()
    return _deleting.page_ids


def _searchable_pages_under(page):
    return (
        Page.objects.descendant_of(page, inclusive=True)
        .type(*SEARCHABLE_PAGES)
        .values_list("pk", flat=True)
    )


def page_changed(sender, instance, **kwargs):
    # Wagtail unpublishes a page (without saving it) as it deletes it: nothing to write then.
    if kwargs.get("raw") or instance.pk in _pages_being_deleted():
        return
    sync.reindex_page(instance)


def page_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:
        sync.reindex_page(instance)
        return
    sync.reindex_pages(pk_set or [])


def page_moved(sender, instance, **kwargs):
    sync.reindex_pages(_searchable_pages_under(instance))


def page_deleting(sender, instance, **kwargs):
    _pages_being_deleted().add(instance.pk)
    sync.forget_page(instance.pk)


def page_deleted(sender, instance, **kwargs):
    _pages_being_deleted().discard(instance.pk)


def restriction_changed(sender, instance, **kwargs):
    # The document follows the page's visibility field, re-read here in case privacy was set
    # from Wagtail's privacy dialog rather than the visibility field.
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        sync.reindex_pages(_searchable_pages_under(page))


def recommendation_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    sync.reindex_recommendation(instance.pk)


def recommendation_deleted(sender, instance, **kwargs):
    if instance.review_id in _pages_being_deleted():
        return
    sync.reindex_pages([instance.review_id])
    sync.reindex_recommendation(instance.pk)


def recommendation_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    sync.reindex_recommendations((pk_set or []) if reverse else [instance.pk])


def action_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    action = instance if isinstance(instance, AgencyAction) else instance.action
    if action.recommendation_id:
        sync.reindex_recommendation(action.recommendation_id)


def connect():
    for model in SEARCHABLE_PAGES:
        post_save.connect(page_changed, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        m2m_changed.connect(
            page_themes_changed,
            sender=model.themes.through,
            dispatch_uid=f"search-themes-{model.__name__}",
        )
        pre_delete.connect(
            page_deleting, sender=model, dispatch_uid=f"search-delete-{model.__name__}"
        )
    m2m_changed.connect(
        page_themes_changed,
        sender=BriefingPage.reviews.through,
        dispatch_uid="search-briefing-reviews",
    )
    pre_delete.connect(page_deleting, sender=Page, dispatch_uid="search-delete-page")
    post_delete.connect(page_deleted, sender=Page, dispatch_uid="search-deleted-page")
    page_published.connect(page_changed, dispatch_uid="search-published")
    page_unpublished.connect(page_changed, dispatch_uid="search-unpublished")
    post_page_move.connect(page_moved, dispatch_uid="search-moved")
    post_save.connect(
        restriction_changed, sender=PageViewRestriction, dispatch_uid="search-pvr-save"
    )
    post_delete.connect(
        restriction_changed, sender=PageViewRestriction, dispatch_uid="search-pvr-delete"
    )
    post_save.connect(recommendation_changed, sender=Recommendation, dispatch_uid="search-rec")
    post_delete.connect(
        recommendation_deleted, sender=Recommendation, dispatch_uid="search-rec-delete"
    )
    for field in ("themes", "agencies"):
        m2m_changed.connect(
            recommendation_tags_changed,
            sender=getattr(Recommendation, field).through,
            dispatch_uid=f"search-rec-{field}",
        )
    for model in (AgencyAction, ProgressUpdate):
        post_save.connect(action_changed, sender=model, dispatch_uid=f"search-{model.__name__}")
    post_delete.connect(action_changed, sender=AgencyAction, dispatch_uid="search-action-delete")
