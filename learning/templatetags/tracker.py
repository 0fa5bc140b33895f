"""Template tags that put the tracker on every page: the header link and briefing confirmations."""

from django import template

from learning import permissions
from learning.models import BriefingCascade

register = template.Library()


@register.inclusion_tag("learning/action_nav_link.html", takes_context=True)
def tracker_nav(context):
    """The "Tracker" link in the header, for people who may see the tracker."""
    from learning import queues

    request = context.get("request")
    user = getattr(request, "user", None)
    work_url = queues.landing_url(user) if user is not None else "/"
    return {
        "show": permissions.can_see_tracker(user),
        "work_url": work_url if work_url != "/" else None,
        "people": permissions.can_manage_people(user),
    }


@register.inclusion_tag("learning/cascade_summary.html", takes_context=True)
def briefing_cascades(context, page):
    """Which agencies have confirmed this briefing was cascaded: shown to the people of the
    briefing's partnership only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not permissions.is_partnership_member(user, getattr(page, "partnership_id", None)):
        return {"show": False}
    return {
        "show": True,
        "page": page,
        "confirmations": BriefingCascade.objects.filter(briefing_id=page.pk)
        .select_related("agency")
        .order_by("agency__name", "-cascaded_on"),
        "may_confirm": permissions.can_confirm_cascades(user),
    }


@register.filter
def change_value(value):
    """One side of a change-log entry, as a person reads it."""
    if value in (None, "", []):
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value
