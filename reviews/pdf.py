"""A briefing as a one-page A4 PDF, rendered from the same print template with WeasyPrint."""

from django.template.loader import render_to_string


def briefing_pdf(page, request):
    from weasyprint import HTML

    html = render_to_string(
        "reviews/briefing_print.html",
        page.get_context(request) | {"for_pdf": True},
        request=request,
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
