"""Learning events recorded on the tracker before they were given a partnership: each becomes its
review's or briefing's partnership's, else the first partnership's, so every event is seen by
its own partnership's business unit and scrutineer alone."""

from django.db import migrations


def events_into_their_partnerships(apps, schema_editor):
    LearningEvent = apps.get_model("learning", "LearningEvent")
    Partnership = apps.get_model("learning", "Partnership")
    pages = {
        pk: partnership_id
        for model in ("ReviewPage", "BriefingPage")
        for pk, partnership_id in apps.get_model("reviews", model).objects.values_list(
            "pk", "partnership_id"
        )
    }
    first = Partnership.objects.order_by("sort_order", "pk").values_list("pk", flat=True).first()
    for event in LearningEvent.objects.filter(partnership__isnull=True):
        event.partnership_id = pages.get(event.review_id) or pages.get(event.briefing_id) or first
        event.save(update_fields=["partnership"])


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0004_partnership_name_from_the_partnership"),
        ("learning", "0015_partnerships"),
        ("reviews", "0005_partnership_of_pages_and_cases"),
    ]

    operations = [migrations.RunPython(events_into_their_partnerships, migrations.RunPython.noop)]
