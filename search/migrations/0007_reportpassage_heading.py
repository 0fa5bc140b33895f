"""Passages of reports without pages (Word, text, Markdown) say which section they come from, and
their tables read as labelled words: such reports read before are read again at the next indexing
(their recorded file hash is cleared so it no longer matches)."""

import importlib

from django.db import migrations, models

# SQLite adds the column by remaking the table, which drops the triggers that keep the passages'
# full-text index in step: they are put back as migration 0004 made them.
_0004 = importlib.import_module("search.migrations.0004_vocabulary_and_report_text")
PASSAGE_TRIGGERS = [
    statement
    for statement in _0004.SQLITE_FORWARD
    if "CREATE TRIGGER learning_search_passage_fts" in statement
]


def restore_passage_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("insert", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS learning_search_passage_fts_{name}")
    for statement in PASSAGE_TRIGGERS:
        schema_editor.execute(statement)


def read_unpaged_reports_again(apps, schema_editor):
    ReportText = apps.get_model("learning_search", "ReportText")
    ReportText.objects.exclude(document__file__iendswith=".pdf").update(source_hash="")


class Migration(migrations.Migration):
    dependencies = [
        ("learning_search", "0006_alert_words_or_theme_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportpassage",
            name="heading",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(restore_passage_triggers, restore_passage_triggers),
        migrations.RunPython(read_unpaged_reports_again, migrations.RunPython.noop),
    ]
