"""RSS and Atom feeds of new briefings and reviews: only what the requester may open."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import BriefingPage, ReviewPage, visible_to

FEED_LENGTH = 20


def _published_at(page):
    """When a page first went live; pages imported as live without that date sort last."""
    return (
        page.first_published_at
        or page.last_published_at
        or datetime.datetime.min.replace(tzinfo=datetime.UTC)
    )


class LatestLearningFeed(Feed):
    title = "Latest briefings and reviews"
    link = "/"
    description = "New 7-minute briefings and published reviews from the partnership."

    # One Feed instance serves every request (it is the URL's view), so nothing about a request is
    # kept on it: the request travels as the feed's "object" to `items`, which gives each page
    # its link at the address the feed was read at.
    def get_object(self, request, *args, **kwargs):
        return request

    def items(self, request):
        user = request.user
        briefings = visible_to(BriefingPage.objects.all(), user).order_by("-first_published_at")
        reviews = visible_to(ReviewPage.objects.all(), user).order_by("-first_published_at")
        pages = list(briefings[:FEED_LENGTH]) + list(reviews[:FEED_LENGTH])
        pages.sort(key=_published_at, reverse=True)
        pages = pages[:FEED_LENGTH]
        for page in pages:
            page.feed_link = page.get_full_url(request)
        return pages

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Feed readers render descriptions as HTML; the summary is plain text, so escape it.
        return escape(item.summary)

    def item_link(self, item):
        return item.feed_link

    def item_pubdate(self, item):
        return item.first_published_at or item.last_published_at


class LatestLearningAtomFeed(LatestLearningFeed):
    feed_type = Atom1Feed
    subtitle = LatestLearningFeed.description
