"""{% related_learning page page_themes %}: other learning that shares a page's themes or words."""

from django import template

from search.services import related_learning as find_related

register = template.Library()


@register.inclusion_tag("search/related_learning.html", takes_context=True)
def related_learning(context, page, themes=None, limit=5):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"related": find_related(page, user, limit, themes)}
