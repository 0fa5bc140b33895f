"""Signal receivers of the learning app: actions on publication and the change log."""

from wagtail.signals import page_published

from . import audit


def create_actions_on_publish(sender, instance, revision=None, **kwargs):
    """A published review's recommendations become one action per agency they are addressed to.

    Any page with recommendations qualifies, so this app never imports the reviews app.
    """
    from .services import create_actions_for_review, notify_new_actions

    page = instance.specific
    if not hasattr(page, "recommendations"):
        return
    by = getattr(revision, "user", None)
    created = create_actions_for_review(page, by=by)
    notify_new_actions(created)


page_published.connect(create_actions_on_publish, dispatch_uid="learning-actions-on-publish")
audit.connect()
