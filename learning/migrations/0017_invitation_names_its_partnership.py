import django.db.models.deletion
from django.db import migrations, models


def invitations_into_the_first_partnership(apps, schema_editor):
    """Invitations made before partnerships were records were into the one partnership there was:
    the first (home 0002 makes it from the data that existed)."""
    Partnership = apps.get_model("learning", "Partnership")
    Invitation = apps.get_model("learning", "Invitation")
    first = Partnership.objects.order_by("sort_order", "pk").first()
    if first is not None:
        Invitation.objects.filter(partnership__isnull=True).update(partnership=first)


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0016_audit_cycle_name_per_partnership"),
        ("home", "0002_first_partnership"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                help_text="The partnership the person is invited into, in the role.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="learning.partnership",
            ),
        ),
        migrations.RunPython(invitations_into_the_first_partnership, migrations.RunPython.noop),
    ]
