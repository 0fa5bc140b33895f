"""The settings of the partnership whose page is shown, for templates and emails."""

from django import template

from home.models import settings_in_force as settings_of

register = template.Library()


@register.simple_tag(takes_context=True)
def settings_in_force(context, page=None):
    """`{% settings_in_force page as partnership_settings %}`: the page's partnership's settings
    (`home.models.settings_in_force`); without a page, the first partnership's."""
    return settings_of(page, context.get("request"))
