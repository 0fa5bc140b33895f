"""What exists today becomes the first partnership: its name from the partnership settings, the
whole site as its section; every review, briefing, case, Section 11 cycle and learning event
belongs to it, and everyone holding a role holds it in this partnership."""

from django.db import migrations
from django.utils.text import slugify

DEFAULT_NAME = "Safeguarding Children Partnership"
# The role groups as they stood when partnerships began (learning/roles.py).
ROLE_GROUPS = [
    "Practitioners",
    "Agency leads",
    "Business unit",
    "Business managers",
    "Scrutineers",
    "Administrators",
]


def _home_page(apps):
    Site = apps.get_model("wagtailcore", "Site")
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is not None:
        return site.root_page_id
    home = apps.get_model("home", "HomePage").objects.order_by("path").first()
    return home.pk if home else None


def first_partnership(apps, schema_editor):
    Partnership = apps.get_model("learning", "Partnership")
    Membership = apps.get_model("learning", "PartnershipMembership")
    settings = apps.get_model("home", "PartnershipSettings").objects.order_by("pk").first()
    name = (settings.partnership_name if settings else "") or DEFAULT_NAME
    partnership = Partnership.objects.order_by("sort_order", "pk").first()
    if partnership is None:
        partnership = Partnership.objects.create(
            name=name,
            slug=slugify(name)[:100] or "partnership",
            framework="children",
            section_id=_home_page(apps),
        )
    for app_label, model in [
        ("reviews", "ReviewPage"),
        ("reviews", "BriefingPage"),
        ("reviews", "Case"),
        ("learning", "AuditCycle"),
        ("learning", "LearningEvent"),
    ]:
        apps.get_model(app_label, model).objects.filter(partnership__isnull=True).update(
            partnership=partnership
        )
    User = apps.get_model("auth", "User")
    held = User.groups.through.objects.filter(group__name__in=ROLE_GROUPS).values_list(
        "user_id", "group__name"
    )
    Membership.objects.bulk_create(
        [Membership(user_id=user_id, partnership=partnership, role=role) for user_id, role in held],
        ignore_conflicts=True,
    )


def forget_partnerships(apps, schema_editor):
    """Back to one implicit partnership: the groups still say who holds which role."""
    for app_label, model in [
        ("reviews", "ReviewPage"),
        ("reviews", "BriefingPage"),
        ("reviews", "Case"),
        ("learning", "AuditCycle"),
        ("learning", "LearningEvent"),
    ]:
        apps.get_model(app_label, model).objects.update(partnership=None)
    apps.get_model("learning", "PartnershipMembership").objects.all().delete()
    apps.get_model("learning", "Partnership").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("learning", "0015_partnerships"),
        ("reviews", "0005_partnership_of_pages_and_cases"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(first_partnership, forget_partnerships)]
