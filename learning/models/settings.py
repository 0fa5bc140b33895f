"""Tracker settings the business unit edits in the admin (Settings → Tracker settings): the
site-wide defaults of every partnership that does not set its own (`Partnership.settings`)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="date")
class TrackerSettings(BaseGenericSetting):
    default_action_days = models.PositiveIntegerField(
        "default time for an action (days)",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="When a review is published or a Section 11 return is submitted with a gap, "
        "each new action is due this many days later unless its recommendation has a due date of "
        "its own.",
    )

    class Meta:
        verbose_name = "tracker settings"
