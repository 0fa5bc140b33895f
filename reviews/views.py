"""Theme pages: everything published on a theme that the visitor may open."""

from django.shortcuts import get_object_or_404, render

from learning.models import Theme

from .listing import newest_first
from .models import BriefingPage, ReviewPage, visible_to


def theme_index(request):
    return render(request, "reviews/theme_index.html", {"themes": Theme.objects.all()})


def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    user = request.user
    reviews = (
        visible_to(ReviewPage.objects.filter(themes=theme), user)
        .order_by(*newest_first(ReviewPage))
        .prefetch_related("themes")
    )
    briefings = (
        visible_to(BriefingPage.objects.filter(themes=theme), user)
        .order_by("-first_published_at")
        .prefetch_related("themes")
    )
    return render(
        request,
        "reviews/theme_detail.html",
        {"theme": theme, "reviews": reviews, "briefings": briefings},
    )
