from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import FileResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control
from rest_framework.permissions import AllowAny
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageHtmlUrlField, PageSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from learning.plain_text import has_control_characters
from learning.views.account import SignInView
from reviews.feeds import LatestLearningAtomFeed, LatestLearningFeed

MAX_API_OFFSET = 1_000_000


class BoundedPagination(WagtailPagination):
    """Wagtail's offset and limit, with an offset no database overflows on."""

    def paginate_queryset(self, queryset, request, view=None):
        offset = request.GET.get("offset", "0")
        number = offset.lstrip("0") or "0"
        digits = offset.isascii() and offset.isdigit() and len(number) <= len(str(MAX_API_OFFSET))
        if not digits or int(number) > MAX_API_OFFSET:
            raise BadRequestError(f"offset must be a whole number from 0 to {MAX_API_OFFSET}")
        return super().paginate_queryset(queryset, request, view)


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
    pagination_class = BoundedPagination

    def listing_view(self, request):
        # Wagtail hands the words to the search backend as they come: blank words or a NUL make
        # the database backend fail.
        words = request.GET.get("search")
        if words is not None and not words.strip():
            raise BadRequestError("search needs some words to search for")
        if words and has_control_characters(words):
            raise BadRequestError("search must not contain control characters")
        return super().listing_view(request)

    def get_base_queryset(self):
        from wagtail.models import Page

        from reviews.models import pages_the_request_may_open

        site = self._requested_site()
        if site is None:
            return Page.objects.none()
        pages = Page.objects.live().descendant_of(site.root_page, inclusive=True)
        return pages_the_request_may_open(pages, self.request)

    def _requested_site(self):
        """The site named by `?site=host[:port]`, or the one serving this request."""
        from wagtail.models import Site

        if "site" not in self.request.GET:
            return Site.find_for_request(self.request)
        hostname, _, port = self.request.GET["site"].partition(":")
        query = {"hostname": hostname}
        if port:
            if not port.isascii() or not port.isdigit() or len(port) > 5 or int(port) > 65535:
                raise BadRequestError("site must be a host name, optionally with :port")
            query["port"] = int(port)
        sites = list(Site.objects.filter(**query)[:2])
        if len(sites) != 1:
            raise BadRequestError(
                "No site answers to that name." if not sites else "Add the port to the site."
            )
        return sites[0]


FAVICON = settings.BASE_DIR / "static" / "images" / "favicon.ico"


@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    """The site's icon where browsers ask for it, from the repository (no other host)."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


handler400 = "config.errors.bad_request"

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
    path("favicon.ico", favicon, name="favicon"),
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
