"""A 7-minute briefing prints on one sheet of A4 and downloads as a one-page PDF holding its title,
rendered without WeasyPrint ever reaching out over the network."""

import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from reviews.models import BRIEFING_PARTS
from reviews.pdf import offline_url_fetcher

from .factories import BriefingPageFactory

pytestmark = pytest.mark.django_db

# Realistic parts of 60-90 words each, in the words of the Kirklees reviews in the corpus.
LONG_PARTS = {
    "background": (
        "Child J was a sixteen-year-old living with her parents and three younger siblings. She "
        "told a teacher that she was frightened of being taken abroad during the summer holidays "
        "and married to a cousin she had never met. Her school, the police and children's social "
        "care each held part of the picture over eight months, but no agency brought the pieces "
        "together before she was taken out of the country in August."
    ),
    "why_it_matters": (
        "Forced marriage is a form of child abuse and a crime. The risk rises quickly in the "
        "weeks before travel, and once a young person has left the country the options for "
        "protecting her shrink. Young people often disclose a little at a time to the adult they "
        "trust most, and test whether they are believed. How the first professional responds "
        "shapes whether the young person tells anyone again."
    ),
    "information": (
        "- Three agencies held information about the risk; none shared it at the point of "
        "referral.\n- No strategy discussion was held although the threshold was met.\n"
        "- The young person's own words were not recorded.\n- Her passport was held by her "
        "father; nobody asked about it.\n- The family's assurances that the trip was a holiday "
        "were accepted without checking with the young person alone, away from her parents."
    ),
    "learning": (
        "Information held by different agencies was not brought together in time for a "
        "multi-agency risk assessment. Practitioners were unsure whether a worry about forced "
        "marriage met the threshold for a referral, and waited for more certainty. Professional "
        "curiosity stopped at the family's explanation. Supervision did not challenge the "
        "over-optimistic view that the parents would not act against their daughter's wishes, "
        "and nobody escalated when the plan drifted."
    ),
    "questions": (
        "1. Would your team recognise the warning signs of forced marriage?\n2. Who would you "
        "tell, and how quickly, if a young person said she was frightened of a trip abroad?\n"
        "3. How do you record a young person's own words?\n4. When did you last speak to a "
        "young person alone, away from her family?\n5. What would make you escalate a concern "
        "that another agency did not share?"
    ),
    "what_to_do": (
        "Record the young person's own words and share them the same day with your designated "
        "safeguarding lead. Never approach the family or use relatives as interpreters. Call the "
        "police and children's social care at once if travel is imminent. Consider a Forced "
        "Marriage Protection Order. Use the escalation policy when you disagree with another "
        "agency's decision, and write down what you did and why in the child's record."
    ),
    "further_information": (
        "The partnership's procedures on honour-based abuse and forced marriage; the Forced "
        "Marriage Unit (020 7008 0151); the escalation policy; multi-agency training on "
        "honour-based violence, booked through the Learning and Development subgroup; the full "
        "review of Child J on the partnership website; and the 7-minute briefing on the voice "
        "of the child, which complements this one with practical ways to record what young "
        "people tell us."
    ),
}


def _pdf(client, briefing):
    response = client.get(briefing.url + "pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def _text(reader):
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_pdf_of_a_short_briefing_is_one_page_holding_its_title(client):
    briefing = BriefingPageFactory(title="Safer sleeping: the SUDI review")
    reader = _pdf(client, briefing)
    assert len(reader.pages) == 1
    assert "Safer sleeping: the SUDI review" in _text(reader)


def _characters_off_the_page(pdf_bytes):
    """Characters drawn beyond the sheet's edges: text a printer would cut off."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0]
        return [
            c["text"]
            for c in page.chars
            if c["x0"] < 0 or c["x1"] > page.width or c["top"] < 0 or c["bottom"] > page.height
        ]


def test_pdf_of_a_full_length_briefing_still_fits_one_page(client):
    briefing = BriefingPageFactory(
        title="Child J: honour-based violence and forced marriage", **LONG_PARTS
    )
    reader = _pdf(client, briefing)
    assert len(reader.pages) == 1
    assert _characters_off_the_page(client.get(briefing.url + "pdf/").content) == []
    text = _text(reader)
    assert "Child J: honour-based violence and forced marriage" in text
    for name, label in BRIEFING_PARTS:
        assert label in text
        # Each part ends up whole on the page: its last words are there too.
        last_words = " ".join(LONG_PARTS[name].split()[-4:])
        assert last_words in text, name


def test_pdf_is_tagged_for_screen_readers_with_its_title_and_language(client):
    briefing = BriefingPageFactory(title="Fathers and hidden men")
    reader = _pdf(client, briefing)
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    structure = catalog["/StructTreeRoot"].get_object()
    assert structure["/K"], "the structure tree holds the document's parts"
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == "Fathers and hidden men – 7-minute briefing"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])


def test_pdf_page_is_a4(client):
    reader = _pdf(client, BriefingPageFactory())
    box = reader.pages[0].mediabox
    # A4 is 210 x 297 mm: 595 x 842 points.
    assert round(float(box.width)) == 595
    assert round(float(box.height)) == 842


def test_pdf_is_offered_as_a_download_named_after_the_briefing(client):
    briefing = BriefingPageFactory(slug="fathers-and-hidden-men")
    response = client.get(briefing.url + "pdf/")
    assert response["Content-Disposition"] == 'attachment; filename="fathers-and-hidden-men.pdf"'


def test_print_view_holds_all_seven_parts_on_an_a4_page(client):
    briefing = BriefingPageFactory(title="Child J", **LONG_PARTS)
    response = client.get(briefing.url + "print/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "size: A4" in html
    for _, label in BRIEFING_PARTS:
        assert label in html
    assert "Back to the briefing" in html


def test_print_layout_fits_one_a4_page_when_laid_out(rf):
    """The print view and the PDF share one template; lay it out as a printer would."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    briefing = BriefingPageFactory(title="Child J", **LONG_PARTS)
    request = rf.get(briefing.url + "print/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string(
        "reviews/briefing_print.html", briefing.get_context(request), request=request
    )
    document = HTML(string=html, url_fetcher=offline_url_fetcher()).render()
    assert len(document.pages) == 1


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        _RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red; }")

    def log_message(self, *args):
        pass


@pytest.fixture
def listening_server():
    _RecordingHandler.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_weasyprint_fetcher_refuses_http_https_and_files():
    fetcher = offline_url_fetcher()
    for url in ("http://example.org/a.css", "https://example.org/a.png", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)


def test_pdf_rendering_never_calls_out_even_when_the_html_asks_it_to(listening_server):
    from weasyprint import HTML

    html = (
        f'<link rel="stylesheet" href="{listening_server}/style.css">'
        f'<img src="{listening_server}/tracker.png"><h1>Briefing</h1>'
    )
    HTML(string=html, url_fetcher=offline_url_fetcher()).write_pdf()
    assert _RecordingHandler.requests == []


def test_the_recording_server_does_record_an_ordinary_fetch(listening_server):
    """Proves the test above would notice a request."""
    from weasyprint import HTML

    HTML(string=f'<link rel="stylesheet" href="{listening_server}/style.css">').write_pdf()
    assert _RecordingHandler.requests == ["/style.css"]


def test_hostile_links_in_the_briefing_do_not_make_the_pdf_fetch(client, listening_server):
    briefing = BriefingPageFactory(
        further_information=f"![tracker]({listening_server}/pixel.png) "
        f'<img src="{listening_server}/raw.png"> '
        f"[procedures]({listening_server}/procedures)",
    )
    assert len(_pdf(client, briefing).pages) == 1
    assert _RecordingHandler.requests == []
