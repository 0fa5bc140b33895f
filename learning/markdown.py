"""Markdown to safe HTML: rendered with `markdown`, then sanitised with nh3 before it is marked safe.

Every stored Markdown field (progress notes, assurance notes, review findings, briefing parts)
goes through `render_markdown`, and it must finish quickly whatever is stored: Python-Markdown
takes quadratic time on long runs of unclosed `[` or `<` and recurses once per level of nested
quotes and lists. So a text with more of those than any real note has, or too long or too deep
to render, is shown as plain escaped paragraphs. Rendered HTML is kept (keyed by the text), so
a page with a long history renders each note once.
"""

import functools
import html as html_lib
import logging
import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

# Longer stored texts (findings written before limits, imports) are shown as plain paragraphs.
RENDER_MAX_LENGTH = 100_000
# More link or tag openers than these, in one block or in all, is not prose: shown as text.
MAX_OPENERS_PER_BLOCK = 50
MAX_TAG_OPENERS = 400
MAX_LINK_OPENERS = 500
# Quotes and lists nested deeper than this are flattened to their text.
MAX_NESTING = 12

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
# A line's leading structure: quote markers, list markers and indentation.
_LEADING_STRUCTURE = re.compile(r"^(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t>]|$))+")


def _demote_headings(html):
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(3, int(m.group(2)) + 1))}", html)


def _nesting(line):
    structure = _LEADING_STRUCTURE.match(line)
    if not structure:
        return (len(line) - len(line.lstrip(" \t"))) // 4
    text = structure.group(0)
    return text.count(">") + len(re.findall(r"[-*+]|\d+[.)]", text)) + text.count("    ")


def _is_prose(text):
    """False for text built to be slow or deep: many link or tag openers, or quotes and lists
    nested deeper than any real note."""
    if text.count("<") > MAX_TAG_OPENERS or text.count("[") > MAX_LINK_OPENERS:
        return False
    for block in re.split(r"\n[ \t]*\n", text):
        if block.count("[") + block.count("<") > MAX_OPENERS_PER_BLOCK:
            return False
    return all(_nesting(line) <= MAX_NESTING for line in text.split("\n"))


def _plain_paragraphs(text):
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


@functools.lru_cache(maxsize=256)
def _render(text):
    if len(text) > RENDER_MAX_LENGTH or not _is_prose(text):
        return _plain_paragraphs(text)
    try:
        html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    except RecursionError:
        logger.warning("Markdown of %s characters too deeply nested; shown as text", len(text))
        return _plain_paragraphs(text)
    return nh3.clean(
        _demote_headings(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def render_markdown(text):
    """Render user-written Markdown as HTML that is safe to put in a page."""
    if not text:
        return mark_safe("")  # noqa: S308
    return mark_safe(_render(str(text)))  # noqa: S308 - sanitised by nh3 (or escaped) in _render


def markdown_to_text(text):
    """Plain text of a Markdown field, for search documents and snippets."""
    if not text:
        return ""
    return " ".join(html_lib.unescape(nh3.clean(_render(str(text)), tags=set())).split())
