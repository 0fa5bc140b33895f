"""The business manager's approval becomes partnership by partnership: the approval task already
in the workflow becomes a partnership approval task (the same row, so reviews waiting for
approval keep waiting on it)."""

import django.db.models.deletion
from django.db import migrations, models

TASK_NAME = "Business manager approval"


def become_partnership_approval(apps, schema_editor):
    task = apps.get_model("wagtailcore", "GroupApprovalTask").objects.filter(name=TASK_NAME).first()
    if task is None:
        return
    PartnershipApprovalTask = apps.get_model("reviews", "PartnershipApprovalTask")
    schema_editor.execute(
        f"INSERT INTO {PartnershipApprovalTask._meta.db_table} (groupapprovaltask_ptr_id) "
        "VALUES (%s)",
        [task.pk],
    )
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="reviews", model="partnershipapprovaltask"
    )
    apps.get_model("wagtailcore", "Task").objects.filter(pk=task.pk).update(
        content_type=content_type
    )


def back_to_group_approval(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )[0]
    ids = list(
        apps.get_model("reviews", "PartnershipApprovalTask").objects.values_list("pk", flat=True)
    )
    apps.get_model("wagtailcore", "Task").objects.filter(pk__in=ids).update(
        content_type=content_type
    )
    schema_editor.execute("DELETE FROM reviews_partnershipapprovaltask")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_partnership_of_pages_and_cases"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnershipApprovalTask",
            fields=[
                (
                    "groupapprovaltask_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="wagtailcore.groupapprovaltask",
                    ),
                ),
            ],
            options={"verbose_name": "partnership approval"},
            bases=("wagtailcore.groupapprovaltask",),
        ),
        migrations.RunPython(become_partnership_approval, back_to_group_approval),
    ]
