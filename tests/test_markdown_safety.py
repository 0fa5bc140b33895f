"""A script, an event handler or a javascript: link written into any field never reaches a page,
the print view, the feeds or the PDF."""

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from wagtail.models import Site

from home.models import PartnershipSettings
from learning.models import Recommendation
from reviews.models import BRIEFING_PARTS

from .conftest import client_for
from .factories import BriefingPageFactory, ReviewPageFactory, ThemeFactory, default_partnership

pytestmark = pytest.mark.django_db

ATTACKS = (
    'Before <script>alert("owned")</script> after. '
    '<img src="x" onerror="alert(2)"> '
    '<a href="javascript:alert(3)">a link</a> '
    "[markdown link](javascript:alert(4)) "
    '<svg onload="alert(5)"></svg> '
    '<iframe src="https://example.org"></iframe>'
)


class UnsafeMarkupFinder(HTMLParser):
    """Collects every tag, attribute and script body the browser would act on."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "svg", "object", "embed"}:
            self._in_script = tag == "script"
            if tag != "script":
                self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}={value}")
            if name in {"href", "src", "action", "formaction"} and value:
                if value.replace(" ", "").lower().startswith(("javascript:", "data:text/html")):
                    self.problems.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert" in data:
            self.problems.append(f"script {data!r}")


def unsafe_markup(html):
    finder = UnsafeMarkupFinder()
    finder.feed(html)
    return finder.problems


@pytest.fixture
def hostile_review():
    theme = ThemeFactory(name="Neglect")
    review = ReviewPageFactory(
        title="Review of Child H",
        summary=ATTACKS,
        findings=f"## Findings\n\n{ATTACKS}",
        child_pseudonym='Child <script>alert("p")</script>H',
        reference='<img src=x onerror="alert(9)">',
        lead_reviewer='<script>alert("lead")</script>',
    )
    review.themes = [theme]
    review.save_revision().publish()
    Recommendation.objects.create(review=review, number="1", text=ATTACKS, sort_order=0)
    return review


@pytest.fixture
def hostile_briefing():
    fields = {name: f"Part {name}: {ATTACKS}" for name, _ in BRIEFING_PARTS}
    return BriefingPageFactory(title="Briefing on Child H", summary=ATTACKS, **fields)


@pytest.fixture
def hostile_settings():
    first = default_partnership()
    first.name = 'Partnership <script>alert("n")</script>'
    first.save()
    partnership = PartnershipSettings.for_site(Site.objects.get(is_default_site=True))
    partnership.worried_heading = '<img src=x onerror="alert(1)">Worried?'
    partnership.worried_text = ATTACKS
    partnership.daytime_phone = '"><script>alert(1)</script>'
    partnership.out_of_hours_phone = "javascript:alert(1)"
    partnership.police_phone = '" onmouseover="alert(1)'
    partnership.contact_email = 'x@example.org" onclick="alert(1)'
    partnership.save()
    return partnership


def test_review_page_renders_no_script_handler_or_javascript_link(hostile_review, client):
    response = client.get(hostile_review.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert unsafe_markup(html) == []
    assert "a link" in html and "markdown link" in html  # the words survive, the attack does not


def test_partnership_user_sees_the_hostile_review_safely_too(hostile_review, police_lead):
    html = client_for(police_lead).get(hostile_review.url).content.decode()
    assert unsafe_markup(html) == []


def test_briefing_page_renders_no_script_handler_or_javascript_link(hostile_briefing, client):
    html = client.get(hostile_briefing.url).content.decode()
    assert unsafe_markup(html) == []
    for name, _ in BRIEFING_PARTS:
        assert f"Part {name}:" in html


def test_briefing_print_view_renders_no_script_handler_or_javascript_link(hostile_briefing, client):
    response = client.get(hostile_briefing.url + "print/")
    assert response.status_code == 200
    html = response.content.decode()
    assert unsafe_markup(html) == []
    assert "Part what_to_do:" in html


@pytest.mark.parametrize("url", ["/", "/reviews/", "/briefings/", "/themes/neglect/"])
def test_listings_render_hostile_summaries_as_text(hostile_review, hostile_briefing, client, url):
    hostile_briefing.themes = hostile_review.themes.all()
    hostile_briefing.save_revision().publish()
    html = client.get(url).content.decode()
    assert unsafe_markup(html) == []
    assert "Child H" in html


@pytest.mark.parametrize("url", ["/", "/reviews/", "/themes/", "/login/"])
def test_partnership_settings_never_inject_markup(hostile_settings, client, url):
    html = client.get(url).content.decode()
    assert unsafe_markup(html) == []
    assert "Worried?" in html or url != "/"


def test_hostile_settings_reach_the_print_view_as_text(hostile_settings, hostile_briefing, client):
    html = client.get(hostile_briefing.url + "print/").content.decode()
    assert unsafe_markup(html) == []


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/"])
def test_feed_descriptions_are_text_a_feed_reader_cannot_run(
    hostile_review, hostile_briefing, client, url
):
    root = ET.fromstring(client.get(url).content)
    texts = [
        element.text or ""
        for element in root.iter()
        if element.tag.split("}")[-1] in {"description", "summary", "title"}
    ]
    assert any("Child H" in text for text in texts)
    for text in texts:
        # Readers render these as HTML, so once the XML is parsed nothing may be markup.
        assert unsafe_markup(text) == [], text


def test_pdf_holds_the_words_but_no_script(hostile_briefing, client):
    response = client.get(hostile_briefing.url + "pdf/")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Briefing on Child H" in text
    assert "alert(" not in text
    assert "javascript" not in text.lower()


def test_markdown_keeps_ordinary_formatting(client):
    briefing = BriefingPageFactory(
        learning="**Judge progress** by the child's lived experience.\n\n"
        "- first\n- second\n\n[Procedures](https://www.kirkleessafeguardingchildren.co.uk/)",
    )
    html = client.get(briefing.url).content.decode()
    assert "<strong>Judge progress</strong>" in html
    assert "<li>first</li>" in html
    assert 'href="https://www.kirkleessafeguardingchildren.co.uk/"' in html


def test_headings_written_in_markdown_sit_below_the_sections_own_heading():
    from learning.markdown import render_markdown

    html = str(render_markdown("# Background\n\n## Information exchange\n\n#### Detail"))
    assert "<h3>Background</h3>" in html
    assert "<h3>Information exchange</h3>" in html
    assert "<h5>Detail</h5>" in html
    assert "<h1" not in html and "<h2" not in html
