"""The demo partnership itself: its agencies, its theme vocabulary, its people in each role and
its settings. Agency names, themes and review wording are drawn from the public Kirklees documents
in tests/fixtures/corpus (annual assurance statement 2019-20, commissioner's report 2017)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from home.models import PartnershipSettings
from learning import permissions
from learning.models import Agency, AgencyMembership, Partnership, Theme

CHILDREN_NAME = "Kirklees Safeguarding Children Partnership"

AGENCIES = [
    (
        "Kirklees Council Children's Services",
        "Children's Services",
        "local_authority",
        "Director of Children's Services\nchildren's social care\nthe Council",
    ),
    ("West Yorkshire Police", "Police", "police", "Police\nthe police"),
    (
        "Kirklees Clinical Commissioning Groups",
        "CCG",
        "statutory_partner",
        "Clinical Commissioning Group\nCCG\nintegrated care board",
    ),
    ("Calderdale and Huddersfield NHS Foundation Trust", "CHFT", "health", "CHFT"),
    ("Mid Yorkshire Hospitals NHS Trust", "MYHT", "health", "Mid Yorkshire Hospitals"),
    ("Locala Community Partnerships", "Locala", "health", "health visiting\nschool nursing"),
    (
        "South West Yorkshire Partnership NHS Foundation Trust",
        "SWYPFT",
        "health",
        "CAMHS\nmental health trust",
    ),
    ("Kirklees Learning Service (schools)", "Schools", "education", "schools\nhead teachers"),
    ("National Probation Service", "Probation", "other", "probation"),
    (
        "Kirklees Youth Justice Service",
        "Youth Justice",
        "local_authority",
        "Youth Offending Team\nYOT",
    ),
    (
        "Kirklees Safeguarding Children Partnership",
        "KSCP",
        "statutory_partner",
        "the Safeguarding Children Board\nthe Safeguarding Children Partnership\nLSCB\nthe Board",
    ),
    ("Community Safety Partnership", "CSP", "other", "Community Safety"),
]

THEMES = [
    ("Managing risk and effective decision making", "risk decision making"),
    ("Information sharing", "information exchange between agencies"),
    ("Neglect", "the impact of neglect in families"),
    ("Disguised compliance and resistant families", "resistant families, disguised compliance"),
    ("Children's mental health and emotional wellbeing", "self-harm, suicide, CAMHS"),
    ("Domestic abuse", ""),
    ("Parental mental health and substance misuse", "the toxic trio"),
    ("Voice of the child", "hearing and recording what the child says and shows"),
    ("Professional curiosity", "over-optimistic thinking, respectful uncertainty"),
    ("Escalation", "challenging decisions between agencies"),
    ("Thresholds", ""),
    ("Pre-birth assessment and under-ones", ""),
    ("Safer sleeping and SUDI", "sudden unexpected death in infancy"),
    ("Child sexual abuse", ""),
    ("Child sexual and criminal exploitation", "CSE, CCE, county lines"),
    ("Serious youth violence", ""),
    ("Missing children", ""),
    ("Involvement of fathers", "hidden men"),
    ("Young people as parents", ""),
    ("Assessment, planning and chronologies", ""),
    ("Supervision and workforce", ""),
]


DEMO_USERS = [
    ("practitioner", [permissions.PRACTITIONERS], []),
    ("police-lead", [permissions.AGENCY_LEADS], ["Police"]),
    ("health-lead", [permissions.AGENCY_LEADS], ["CHFT", "Locala"]),
    ("business-unit", [permissions.BUSINESS_UNIT], []),
    ("business-manager", [permissions.BUSINESS_UNIT, permissions.BUSINESS_MANAGERS], []),
    ("scrutineer", [permissions.SCRUTINEERS], []),
]


def agencies():
    agencies = {}
    for name, short, sector, aliases in AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            short_name=short, defaults={"name": name, "sector": sector, "aliases": aliases}
        )
        agencies[short] = agency
    return agencies


def themes():
    return {
        name: Theme.objects.get_or_create(name=name, defaults={"description": description})[0]
        for name, description in THEMES
    }


def users(password, agencies):
    User = get_user_model()
    users = {}
    for username, group_names, agency_shorts in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=group_names))
        for short in agency_shorts:
            AgencyMembership.objects.get_or_create(user=user, agency=agencies[short])
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(password)
        admin.save()
    admin.groups.add(Group.objects.get(name=permissions.ADMINISTRATORS))
    users["admin"] = admin
    return users


def settings():
    """The children's partnership's name, and the site-wide contact details every partnership
    falls back to (the defaults are Kirklees children's social care's numbers)."""
    from django.utils.text import slugify
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    PartnershipSettings.objects.get_or_create(site=site)
    children = Partnership.objects.default()
    if children.name != CHILDREN_NAME:
        children.name = CHILDREN_NAME
        children.slug = slugify(CHILDREN_NAME)
        children.save()
