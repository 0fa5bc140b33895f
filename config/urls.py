from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from rest_framework.permissions import AllowAny
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageHtmlUrlField, PageSerializer
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from learning.views.account import SignInView
from reviews.feeds import LatestLearningAtomFeed, LatestLearningFeed


class HtmlUrlOfTheRequest(PageHtmlUrlField):
    """`html_url` names the address the API was asked on, not the site's recorded hostname."""

    def to_representation(self, page):
        # Listings hold plain pages; the page's own class builds its links (no extra query),
        # from the Django request beneath REST framework's.
        request = self.context.get("request")
        return page.specific_deferred.get_full_url(getattr(request, "_request", request))


class PublicPageSerializer(PageSerializer):
    html_url = HtmlUrlOfTheRequest(read_only=True)


# Only pages: the documents and images endpoints would list files regardless of page privacy.
class PublicPagesAPIViewSet(PagesAPIViewSet):
    base_serializer_class = PublicPageSerializer
    # Open to all; the viewset itself hides every page the requester may not open.
    permission_classes = [AllowAny]

    def get_base_queryset(self):
        from wagtail.models import Page, Site

        from reviews.models import pages_the_request_may_open

        if "site" in self.request.GET:
            return super().get_base_queryset()
        site = Site.find_for_request(self.request)
        if site is None:
            return Page.objects.none()
        pages = Page.objects.live().descendant_of(site.root_page, inclusive=True)
        return pages_the_request_may_open(pages, self.request)


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/learning/", include("learning.api_urls")),
    path("api/learning/", include("search.api_urls")),
    path("api/learning/", include("search.recurrence_api_urls")),
    path("login/", SignInView.as_view(), name="login"),
    path("account/", include("learning.account_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sitemap.xml", sitemap),
    path("feeds/latest/", LatestLearningFeed(), name="feed_rss"),
    path("feeds/latest/atom/", LatestLearningAtomFeed(), name="feed_atom"),
    path("tracker/", include("reviews.tracker_urls")),
    path("tracker/recurrence/", include("search.recurrence_urls")),
    path("tracker/", include("learning.urls")),
    path("search/", include("search.urls")),
    path("alerts/", include("search.alert_urls")),
    path("", include("reviews.urls")),
]

if settings.DEBUG:
    from django.urls import re_path
    from django.views.static import serve

    # Development only: images straight from MEDIA_ROOT, but never review documents, which go
    # through /documents/ and its privacy check in every setting.
    urlpatterns += [
        re_path(
            r"^media/(?!documents/)(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]
