"""The review editor's "Has this been said before?" beside each recommendation's text."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_editor_js")
def recurrence_editor_js():
    return format_html('<script src="{}"></script>', static("js/recurrence_editor.js"))
