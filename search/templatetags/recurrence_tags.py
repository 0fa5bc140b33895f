"""{% attach_recurrence recommendations %}: each recommendation gets `.recurrence`, what was said
before and again later, read for the whole list at once."""

from django import template

from learning.permissions import can_record_recurrence
from search.recurrence import said_before_and_after, suggestions_for_text

register = template.Library()


@register.simple_tag(takes_context=True)
def attach_recurrence(context, recommendations, limit=5):
    request = context.get("request")
    user = getattr(request, "user", None)
    recommendations = list(recommendations)
    found = said_before_and_after(recommendations, user, limit)
    may_record = can_record_recurrence(user)
    for rec in recommendations:
        rec.recurrence = found.get(rec.pk)
        rec.may_record_recurrence = may_record
    return ""


@register.simple_tag(takes_context=True)
def recurrence_of(context, recommendation, limit=5):
    """The same for one recommendation (the tracker's action page)."""
    return attach_recurrence(context, [recommendation], limit)


@register.inclusion_tag("search/said_before_import.html", takes_context=True)
def said_before_import(context, text, limit=3):
    """Earlier recommendations like one being imported: `{% said_before_import form.text.value %}`.
    They can be linked once the recommendation is saved (the review editor offers it then)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"similar": suggestions_for_text(text or "", user, limit=limit)}
