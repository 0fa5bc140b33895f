"""The business unit's other two partnerships: the safeguarding adults board, with a published
safeguarding adults review and a partnership-only one, and the community safety partnership, with
a domestic homicide review. Each has its own section of the site, its own business manager (who
approves), its own independent chair, and actions for the same West Yorkshire Police whose lead
leads for it in all three partnerships. The agencies and themes are the children's partnership's:
one police force acts for every partnership it belongs to.

The wording follows the shape of published Kirklees SARs and DHRs without being any of them."""

import datetime

from django.contrib.auth import get_user_model
from django.utils.text import slugify
from wagtail.models import Page

from home.models import HomePage, PartnershipPage
from learning import permissions
from learning.models import Partnership, PartnershipMembership, Theme
from reviews.models import BriefingIndexPage, BriefingPage, ReviewIndexPage
from reviews.yearly_report import Period

from . import tracker
from .partnership import CHILDREN_NAME
from .publications import publish_reviews

CHILDREN = {"name": CHILDREN_NAME}

ADULTS_BOARD = {
    "name": "Kirklees Safeguarding Adults Board",
    "framework": Partnership.Framework.ADULTS,
    "sort_order": 1,
    "section": ("Safeguarding Adults Board", "adults-board"),
}
COMMUNITY_SAFETY = {
    "name": "Kirklees Community Safety Partnership",
    "framework": Partnership.Framework.COMMUNITY_SAFETY,
    "sort_order": 2,
    "section": ("Community Safety Partnership", "community-safety"),
}

# (username, partnership, roles): each partnership's own business unit, approvers and chair.
PEOPLE = [
    ("sab-business-unit", "adults", [permissions.BUSINESS_UNIT]),
    ("sab-business-manager", "adults", [permissions.BUSINESS_UNIT, permissions.BUSINESS_MANAGERS]),
    ("sab-independent-chair", "adults", [permissions.SCRUTINEERS]),
    (
        "csp-business-manager",
        "community_safety",
        [permissions.BUSINESS_UNIT, permissions.BUSINESS_MANAGERS],
    ),
    ("csp-independent-chair", "community_safety", [permissions.SCRUTINEERS]),
]
# The police's lead leads for West Yorkshire Police in every partnership the force belongs to.
LEADS_EVERYWHERE = ["police-lead"]

# The stories their actions tell, in the order the recommendations are made (see
# `tracker.ACTION_STORIES`): the police's are overdue or challenged, so they wait in its lead's
# My work beside the children's partnership's.
ADULTS_STORIES = [tracker.ACTION_STORIES[i] for i in (6, 4, 1, 3)]
COMMUNITY_SAFETY_STORIES = [tracker.ACTION_STORIES[i] for i in (7, 2)]

SELF_NEGLECT = ("Self-neglect and hoarding", "an adult's care of themselves or their home")


def _reviews(today):
    """The two SARs and the DHR. Their years follow the financial year the yearly report opens
    on, as the children's reviews' do."""
    shift = Period.last_financial_year(today).start.year - 2020

    def on(year, month, day):
        return datetime.date(year + shift, month, day)

    return {
        "adults": [
            {
                "slug": "sar-adult-d",
                "title": "Safeguarding adults review: Adult D",
                "kind": "sar",
                "reference": f"SAR-{2020 + shift}-01",
                "child_pseudonym": "Adult D",
                "age_band": "adult",
                "visibility": "public",
                "incident_date": on(2019, 11, 18),
                "publication_date": on(2020, 10, 12),
                "lead_reviewer": "Independent reviewer",
                "summary": "A man in his seventies who died at home after months of self-neglect; "
                "neighbours, police and his GP each saw part of the decline.",
                "findings": "Police attended three welfare calls but no **adult safeguarding "
                "concern** was raised. His capacity to decide about his home was assumed, never "
                "assessed.",
                "themes": ["Self-neglect and hoarding", "Professional curiosity"],
                "recommendations": [
                    (
                        "1",
                        "Police should raise an adult safeguarding concern after any welfare call "
                        "where an adult is living in unsafe conditions.",
                        ["Police"],
                        ["Self-neglect and hoarding"],
                    ),
                    (
                        "2",
                        "The mental health trust should assess capacity about the home, not only "
                        "about treatment, when self-neglect is known.",
                        ["SWYPFT"],
                        ["Professional curiosity"],
                    ),
                ],
            },
            {
                "slug": "sar-adult-e",
                "title": "Safeguarding adults review: Adult E",
                "kind": "sar",
                "reference": f"SAR-{2021 + shift}-02",
                "child_pseudonym": "Adult E",
                "age_band": "adult",
                "visibility": "partnership",
                "incident_date": on(2021, 1, 9),
                "lead_reviewer": "Independent reviewer",
                "summary": "A woman with a learning disability exploited by people who moved into "
                "her flat; the review is with the board before publication.",
                "findings": "Reports of **cuckooing** reached police and the hospital trust but "
                "were not brought together in a strategy meeting.",
                "themes": ["Information sharing", "Escalation"],
                "recommendations": [
                    (
                        "1",
                        "Police should share every report of cuckooing at an adult's home with "
                        "adult social care the same day.",
                        ["Police"],
                        ["Information sharing"],
                    ),
                    (
                        "2",
                        "The hospital trust should refer adults attending with unexplained "
                        "injuries to its safeguarding team before discharge.",
                        ["CHFT"],
                        ["Escalation"],
                    ),
                ],
            },
        ],
        "community_safety": [
            {
                "slug": "dhr-adult-p",
                "title": "Domestic homicide review: Adult P",
                "kind": "dhr",
                "reference": f"DHR-{2020 + shift}-02",
                "child_pseudonym": "Adult P",
                "age_band": "adult",
                "visibility": "public",
                "incident_date": on(2019, 6, 2),
                "publication_date": on(2020, 11, 30),
                "lead_reviewer": "Independent chair",
                "summary": "A woman killed by her former partner after she left him; police and "
                "probation held the history of his abuse of earlier partners.",
                "findings": "The risk assessment at the last call did not count the **stalking** "
                "after separation; the history held by probation was not asked for.",
                "themes": ["Domestic abuse", "Managing risk and effective decision making"],
                "recommendations": [
                    (
                        "1",
                        "Police should ask about stalking after separation in every domestic "
                        "abuse risk assessment and refer high-risk cases to MARAC.",
                        ["Police"],
                        ["Domestic abuse"],
                    ),
                    (
                        "2",
                        "Probation should share a perpetrator's history of domestic abuse when "
                        "police ask at a new incident.",
                        ["Probation"],
                        ["Information sharing"],
                    ),
                ],
            },
        ],
    }


BRIEFING = {
    "slug": "adult-d-self-neglect",
    "published_days_ago": 90,
    "title": "Adult D: self-neglect and welfare calls",
    "reviews": ["sar-adult-d"],
    "themes": ["Self-neglect and hoarding"],
    "summary": "What the review of Adult D teaches about welfare calls to adults who neglect "
    "themselves.",
    "background": "An older man died at home; three agencies had seen his home decline.",
    "why_it_matters": "Self-neglect is a safeguarding concern under the Care Act 2014.",
    "information": "- Three welfare calls, no concern raised\n- Capacity about the home never assessed",
    "learning": "A welfare call is a chance to raise a concern, not only to check on someone.",
    "questions": "When did your team last raise a concern after a welfare visit?",
    "what_to_do": "Raise an adult safeguarding concern whenever someone lives in unsafe conditions.",
    "further_information": "The board's self-neglect and hoarding procedure.",
}


def seed_partnerships(today, agencies, themes, users, password):
    """The adults board and the community safety partnership with their sections, people,
    reviews and actions. The children's partnership (the first) keeps everything it had."""
    children = Partnership.objects.default()
    if children.name != CHILDREN["name"]:
        children.name = CHILDREN["name"]
        children.slug = slugify(CHILDREN["name"])
        children.save()
    themes = dict(themes)
    themes[SELF_NEGLECT[0]] = Theme.objects.get_or_create(
        name=SELF_NEGLECT[0], defaults={"description": SELF_NEGLECT[1]}
    )[0]
    adults = _partnership(ADULTS_BOARD)
    community_safety = _partnership(COMMUNITY_SAFETY)
    partnerships = {"adults": adults, "community_safety": community_safety}
    people = _people(password, partnerships, users)

    specs = _reviews(today)
    reviews = {}
    for key, partnership in partnerships.items():
        reviews.update(_publish_reviews(partnership, specs[key], agencies, themes))
    _briefing(adults, today, reviews, themes)

    for partnership, prefix, stories in (
        (adults, "sab", ADULTS_STORIES),
        (community_safety, "csp", COMMUNITY_SAFETY_STORIES),
    ):
        tracker.seed_actions(
            today,
            {
                "business-unit": people[f"{prefix}-business-manager"],
                "scrutineer": people[f"{prefix}-independent-chair"],
            },
            partnership=partnership,
            stories=stories,
        )
    return {"partnerships": {"children": children, **partnerships}, "users": people}


def _partnership(spec):
    title, slug = spec["section"]
    home = HomePage.objects.get()
    section = Page.objects.child_of(home).filter(slug=slug).first()
    if section is None:
        section = home.add_child(instance=PartnershipPage(title=title, slug=slug))
        section.save_revision().publish()
    partnership, _ = Partnership.objects.get_or_create(
        slug=slugify(spec["name"]),
        defaults={
            "name": spec["name"],
            "framework": spec["framework"],
            "sort_order": spec["sort_order"],
            "section": section,
        },
    )
    for model, index_title, index_slug in (
        (ReviewIndexPage, "Reviews", "reviews"),
        (BriefingIndexPage, "7-minute briefings", "briefings"),
    ):
        if not model.objects.child_of(section).exists():
            index = section.add_child(instance=model(title=index_title, slug=index_slug))
            index.save_revision().publish()
    return partnership


def _people(password, partnerships, users):
    User = get_user_model()
    people = {}
    for username, partnership_key, roles in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(password)
            user.save()
        for role in roles:
            PartnershipMembership.objects.get_or_create(
                user=user, partnership=partnerships[partnership_key], role=role
            )
        people[username] = user
    for username in LEADS_EVERYWHERE:
        for partnership in partnerships.values():
            PartnershipMembership.objects.get_or_create(
                user=users[username], partnership=partnership, role=permissions.AGENCY_LEADS
            )
    return people


def _publish_reviews(partnership, specs, agencies, themes):
    index = ReviewIndexPage.objects.child_of(partnership.section).get()
    return publish_reviews(index, specs, agencies, themes)


def _briefing(partnership, today, reviews, themes):
    from django.utils import timezone

    if BriefingPage.objects.filter(slug=BRIEFING["slug"]).exists():
        return
    spec = dict(BRIEFING)
    review_slugs = spec.pop("reviews")
    theme_names = spec.pop("themes")
    published = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=spec.pop("published_days_ago")), datetime.time(10)
        )
    )
    page = BriefingPage(**spec)
    page.reviews = [reviews[slug] for slug in review_slugs]
    page.themes = [themes[name] for name in theme_names]
    BriefingIndexPage.objects.child_of(partnership.section).get().add_child(instance=page)
    page.save_revision().publish()
    BriefingPage.objects.filter(pk=page.pk).update(
        first_published_at=published, last_published_at=published
    )
