"""{% attach_recurrence recommendations %}: each recommendation gets `.recurrence`, what was said
before and again later, read for the whole list at once."""

from django import template

from learning.permissions import can_record_recurrence
from search.recurrence import said_before_and_after

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
