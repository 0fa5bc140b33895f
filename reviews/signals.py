"""Signal receivers of the reviews app: a published review opens its agencies' actions."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.log_actions import get_active_log_context
from wagtail.models import PageLogEntry
from wagtail.signals import page_published, post_page_move

from learning.models import Partnership
from learning.services import create_actions_for_review, notify_new_actions

from .models import ReviewPage, place_pages_in_partnerships


def publisher_of(revision):
    """Who made this revision live: the approver or manager who published it (recorded by
    `ReviewPage.publish`, or the signed-in user of the admin view that published it), for a
    scheduled publication the person who scheduled it, and only failing all of those the
    revision's author."""
    by = getattr(revision, "published_by", None) or get_active_log_context().user
    if by is not None:
        return by
    scheduled = (
        PageLogEntry.objects.filter(revision=revision, action="wagtail.publish.schedule")
        .exclude(user=None)
        .select_related("user")
        .order_by("-timestamp")
        .first()
    )
    return scheduled.user if scheduled else revision.user


@receiver(page_published, sender=ReviewPage, dispatch_uid="reviews-actions-on-publish")
def open_actions_on_publish(sender, instance, revision=None, **kwargs):
    """A published review's recommendations become one action per agency they are addressed to."""
    by = publisher_of(revision) if revision is not None else None
    notify_new_actions(create_actions_for_review(instance, by=by))


@receiver(post_save, sender=Partnership, dispatch_uid="reviews-pages-follow-partnership-sections")
def pages_follow_partnership_sections(sender, instance, **kwargs):
    """A partnership given a section (or another one) takes the reviews and briefings under it."""
    place_pages_in_partnerships()


@receiver(post_page_move, dispatch_uid="reviews-moved-pages-change-partnership")
def moved_pages_change_partnership(sender, instance, **kwargs):
    """A review or briefing moved into another partnership's section belongs to it from then."""
    place_pages_in_partnerships()
