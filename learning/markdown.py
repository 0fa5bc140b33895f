"""Markdown to safe HTML: rendered with `markdown`, then sanitised with nh3 before it is marked safe."""

import html as html_lib
import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}


# User-written headings sit inside a page section that already has an h2: start them at h3.
_HEADING = re.compile(r"<(/?)h([1-6])\b")


def _demote_headings(html):
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(3, int(m.group(2)) + 1))}", html)


def render_markdown(text):
    """Render user-written Markdown as HTML that is safe to put in a page."""
    if not text:
        return mark_safe("")  # noqa: S308
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        _demote_headings(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def markdown_to_text(text):
    """Plain text of a Markdown field, for search documents and snippets."""
    if not text:
        return ""
    html = markdown_lib.markdown(text, extensions=["extra"])
    return " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
