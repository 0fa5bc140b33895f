"""Every recommendation gets a stable key, written into the review revisions that hold it too, so
that drafts, old revisions and scheduled publications all find the same row. A briefing cascade
points at a 7-minute briefing rather than any page."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def give_each_recommendation_a_key(apps, schema_editor):
    Recommendation = apps.get_model("learning", "Recommendation")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")

    rows = {}
    for recommendation in Recommendation.objects.all().iterator():
        recommendation.key = uuid.uuid4()
        recommendation.save(update_fields=["key"])
        rows.setdefault(str(recommendation.review_id), []).append(recommendation)

    review_type = ContentType.objects.filter(app_label="reviews", model="reviewpage").first()
    if review_type is None:
        return
    for revision in Revision.objects.filter(content_type=review_type).iterator():
        recommendations = (revision.content or {}).get("recommendations") or []
        existing = rows.get(str(revision.object_id), [])
        by_pk = {row.pk: row for row in existing}
        by_number = {row.number: row for row in existing}
        claimed = set()
        for item in recommendations:
            # A revision from before this migration names its rows by id, or (a draft saved
            # before the first publication) by nothing: the number is then the best match.
            row = by_pk.get(item.get("pk")) or by_number.get(item.get("number"))
            if row is not None and row.pk not in claimed:
                claimed.add(row.pk)
                item["key"] = str(row.key)
            else:
                item["key"] = str(uuid.uuid4())
        if recommendations:
            revision.save(update_fields=["content"])


def forget_cascades_of_pages_that_are_not_briefings(apps, schema_editor):
    # The confirmation form only ever accepted briefings; anything else cannot be kept.
    BriefingCascade = apps.get_model("learning", "BriefingCascade")
    BriefingPage = apps.get_model("reviews", "BriefingPage")
    BriefingCascade.objects.exclude(briefing_id__in=BriefingPage.objects.values("pk")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0009_tracker_settings"),
        ("reviews", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendation",
            name="key",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(give_each_recommendation_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="recommendation",
            name="key",
            field=models.UUIDField(blank=True, default=uuid.uuid4),
        ),
        migrations.AddConstraint(
            model_name="recommendation",
            constraint=models.UniqueConstraint(
                fields=("review", "key"), name="one_key_per_recommendation"
            ),
        ),
        migrations.RunPython(
            forget_cascades_of_pages_that_are_not_briefings, migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="briefingcascade",
            name="briefing",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cascades",
                to="reviews.briefingpage",
            ),
        ),
    ]
