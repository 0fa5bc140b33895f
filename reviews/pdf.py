"""A briefing as a one-page A4 PDF, rendered from the same print template with WeasyPrint.

The PDF is tagged to PDF/UA-1 (public-sector accessibility rules cover PDFs too): screen readers
get its structure, its language (the template's `lang`) and its title (the template's `<title>`).
"""

from django.template.loader import render_to_string

# The print template inlines its stylesheet, so WeasyPrint never needs to fetch anything: a
# URL in user-written content must not make the server call out (or read a local file).
ALLOWED_PROTOCOLS = {"data"}
PDF_VARIANT = "pdf/ua-1"


def offline_url_fetcher():
    """A WeasyPrint URL fetcher that refuses http(s), file and every scheme but data: URIs."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, allow_redirects=False)


def briefing_pdf(page, request):
    from weasyprint import HTML

    html = render_to_string(
        "reviews/briefing_print.html",
        page.get_context(request) | {"for_pdf": True},
        request=request,
    )
    return HTML(
        string=html,
        base_url=request.build_absolute_uri("/"),
        url_fetcher=offline_url_fetcher(),
    ).write_pdf(pdf_variant=PDF_VARIANT)
