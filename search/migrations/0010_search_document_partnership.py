"""Each search document names its page's partnership (by slug), so partnership-only documents are
found only by that partnership's people. Documents already in the table take their page's
partnership, and their version moves on so Elasticsearch's copy is rewritten with it."""

import importlib

from django.db import migrations, models
from django.db.models import F

# SQLite adds the column by remaking the table, which drops the triggers that keep the documents'
# full-text index in step: they are put back as migration 0004 made them.
_0004 = importlib.import_module("search.migrations.0004_vocabulary_and_report_text")


def restore_document_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS learning_search_fts_{name}")
    for statement in _0004.SQLITE_TRIGGERS:
        schema_editor.execute(statement)


def name_partnerships(apps, schema_editor):
    SearchDocument = apps.get_model("learning_search", "SearchDocument")
    pages = [apps.get_model("reviews", "ReviewPage"), apps.get_model("reviews", "BriefingPage")]
    for partnership in apps.get_model("learning", "Partnership").objects.all():
        for model in pages:
            SearchDocument.objects.filter(
                page_id__in=model.objects.filter(partnership=partnership).values("pk")
            ).update(partnership=partnership.slug, version=F("version") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("learning_search", "0009_recurrence_backlog"),
        ("home", "0002_first_partnership"),
    ]

    operations = [
        # Undoing the column remakes the table too: the triggers are put back after it.
        migrations.RunPython(migrations.RunPython.noop, restore_document_triggers),
        migrations.AddField(
            model_name="searchdocument",
            name="partnership",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.RunPython(restore_document_triggers, migrations.RunPython.noop),
        migrations.RunPython(name_partnerships, migrations.RunPython.noop),
    ]
