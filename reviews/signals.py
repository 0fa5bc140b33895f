"""Signal receivers of the reviews app."""

from django.dispatch import receiver
from wagtail.signals import page_published

from .models import ReviewPage


@receiver(page_published, sender=ReviewPage)
def keep_recommendation_ids_in_the_revision(sender, instance, revision, **kwargs):
    """Publishing gives new recommendations their row ids; write those ids back into the revision
    so the next edit updates the same rows instead of deleting and re-creating them."""
    if revision is None:
        return
    revision.content = instance.serializable_data()
    revision.save(update_fields=["content"])
