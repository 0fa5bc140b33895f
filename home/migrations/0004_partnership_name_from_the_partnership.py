"""The partnership's name is its record's (Snippets → Partnerships), no longer a site setting: the
name the site showed (the settings') becomes the first partnership's, so visitors and emails keep
reading the same name; the settings keep the contact details every partnership falls back to."""

from django.db import migrations


def name_shown_becomes_the_first_partnerships(apps, schema_editor):
    Partnership = apps.get_model("learning", "Partnership")
    Site = apps.get_model("wagtailcore", "Site")
    Settings = apps.get_model("home", "PartnershipSettings")
    site = Site.objects.filter(is_default_site=True).first()
    settings = Settings.objects.filter(site=site).first() if site else None
    first = Partnership.objects.order_by("sort_order", "pk").first()
    if settings and first and settings.partnership_name and first.name != settings.partnership_name:
        first.name = settings.partnership_name
        first.save(update_fields=["name"])


def name_back_into_the_settings(apps, schema_editor):
    Partnership = apps.get_model("learning", "Partnership")
    first = Partnership.objects.order_by("sort_order", "pk").first()
    if first is not None:
        apps.get_model("home", "PartnershipSettings").objects.update(partnership_name=first.name)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_partnership_section_pages"),
    ]

    operations = [
        migrations.RunPython(
            name_shown_becomes_the_first_partnerships, name_back_into_the_settings
        ),
        migrations.AlterModelOptions(
            name="partnershipsettings",
            options={"verbose_name": "site-wide contact settings"},
        ),
        migrations.RemoveField(
            model_name="partnershipsettings",
            name="partnership_name",
        ),
    ]
