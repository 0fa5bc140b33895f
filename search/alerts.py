"""Learning alerts: new briefings, reviews and recommendations that match a saved search or a
followed theme, emailed to the user who may open them (weekly, or as soon as they are published).

Each item is recorded as sent after the email leaves, so running the task twice sends nothing
twice, and a failed send is tried again next time."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from learning.plain_text import single_line

from .audience import Audience
from .engines import get_engine
from .models import AlertItemSent, LearningAlert, SearchDocument
from .query import SearchRequest

logger = logging.getLogger(__name__)

MAX_ITEMS = 50
WEEK = datetime.timedelta(days=7)


def alert_request(alert):
    filters = {"theme": [alert.theme.slug]} if alert.theme_id else {}
    return SearchRequest(q=alert.query, filters=filters, sort="newest")


def new_items(alert):
    """Items that appeared since the alert was made, match it, its owner may open now, and it has
    not sent yet; newest first."""
    audience = Audience.of(alert.user)
    answer = get_engine().search(alert_request(alert), audience, page_size=MAX_ITEMS * 2)
    keys = [key for key, _ in answer.hits]
    sent = set(
        alert.sent_items.filter(document_key__in=keys).values_list("document_key", flat=True)
    )
    rows = {
        doc.key: doc
        for doc in SearchDocument.objects.filter(
            audience.q(),
            key__in=[k for k in keys if k not in sent],
            first_indexed_at__gte=alert.created_at,
        )
    }
    return [rows[key] for key in keys if key in rows][:MAX_ITEMS]


def is_due(alert, now):
    if alert.frequency == LearningAlert.Frequency.IMMEDIATE:
        return True
    return alert.last_sent_at is None or now - alert.last_sent_at >= WEEK - datetime.timedelta(
        hours=1
    )


def unsubscribe_url(alert):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "alert_unsubscribe", args=[alert.token]
    )


def send_alert(alert, items):
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "alert": alert,
        "items": [(doc, base + doc.url) for doc in items],
        "unsubscribe_url": unsubscribe_url(alert),
        "alerts_url": base + reverse("alerts"),
    }
    message = EmailMessage(
        subject=single_line(
            f"New learning for {alert.description}: {len(items)} item"
            + ("s" if len(items) != 1 else "")
        ),
        body=render_to_string("search/alert_email.txt", context),
        to=[alert.user.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.send()


def send_learning_alerts(frequency=None, now=None):
    """Send every due alert that has new items; returns how many emails left."""
    now = now or timezone.now()
    alerts = LearningAlert.objects.select_related("user", "theme").filter(user__is_active=True)
    if frequency:
        alerts = alerts.filter(frequency=frequency)
    sent = 0
    for alert_id in alerts.exclude(user__email="").values_list("pk", flat=True):
        # Whatever goes wrong with one reader's message (the mail server, or the message itself),
        # the others still leave; nothing is recorded as sent, so it is tried again next run.
        try:
            sent += _send_if_due(alert_id, now)
        except OSError as error:
            logger.warning(
                "Learning alert %s not sent (%s); it will be tried again.", alert_id, error
            )
        except Exception:
            logger.exception("Learning alert %s not sent; it will be tried again.", alert_id)
    return sent


def _send_if_due(alert_id, now):
    """One alert's email, recorded in the transaction that sends it: the alert's row is locked
    first, so two runs at once send it once, and a failed send records nothing."""
    with transaction.atomic():
        alert = (
            LearningAlert.objects.select_for_update(of=("self",))
            .select_related("user", "theme")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or not is_due(alert, now):
            return 0
        items = new_items(alert)
        if not items:
            return 0
        AlertItemSent.objects.bulk_create(
            [AlertItemSent(alert=alert, document_key=doc.key) for doc in items]
        )
        LearningAlert.objects.filter(pk=alert.pk).update(last_sent_at=now)
        send_alert(alert, items)
    return 1
