"""Tells the learning tracker which 7-minute briefings are about which review, for the
"what each recommendation led to" page (learning never imports this app)."""

from learning import reach

from .models import BriefingPage


@reach.briefings_finder
def briefings_about_reviews(review_ids):
    found = {}
    links = BriefingPage.reviews.through.objects.filter(
        reviewpage_id__in=review_ids, briefingpage__live=True
    ).select_related("briefingpage")
    for link in links.order_by("briefingpage__title"):
        found.setdefault(link.reviewpage_id, []).append(link.briefingpage)
    return found
