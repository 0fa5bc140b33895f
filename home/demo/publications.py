"""The demo's reviews of each kind and its 7-minute briefings, published as the partnership would."""

import datetime

from django.utils import timezone

from home.models import HomePage
from reviews.deadlines import add_working_days, subtract_working_days
from reviews.models import BriefingIndexPage, BriefingPage, ReviewIndexPage, ReviewPage
from reviews.yearly_report import Period


def _d(today, days_ago):
    return today - datetime.timedelta(days=days_ago)


def _review_specs(today):
    """Eight reviews of six kinds. Rapid review dates are relative to today so that one has met
    its deadlines, one is due soon and one has missed them, whenever the demo is loaded.

    The published reviews keep their day and month, written for a yearly report opening on
    2020/21; their years follow the financial year the yearly report opens on, so its default
    year, and the two before it, always have the demo's recommendations in them. The serious case
    review stays in 2016: SCRs are the library's older learning."""
    shift = Period.last_financial_year(today).start.year - 2020

    def on(year, month, day):
        return datetime.date(year + shift, month, day)

    # Child B: notified 12 working days ago, so the rapid review is due in 3 working days.
    notified_b = subtract_working_days(today, 12)
    aware_soon = subtract_working_days(notified_b, 2)
    return [
        {
            "slug": "rapid-review-child-a",
            "title": "Rapid review: Child A",
            "kind": "rapid_review",
            "reference": "RR-A",
            "child_pseudonym": "Child A",
            "age_band": "under_1",
            "visibility": "partnership",
            "incident_date": _d(today, 80),
            "notification_date": add_working_days(_d(today, 80), 3),
            "rapid_review_meeting_date": add_working_days(_d(today, 80), 12),
            "rapid_review_submitted_date": add_working_days(_d(today, 80), 16),
            "decision": "learning_review",
            "decision_date": add_working_days(_d(today, 80), 16),
            "summary": "A baby was admitted to hospital with a head injury. Agencies' chronologies "
            "showed missed opportunities to ask about the father's role in the household.",
            "themes": ["Pre-birth assessment and under-ones", "Involvement of fathers"],
            "recommendations": [
                (
                    "1",
                    "Health visiting and midwifery should record who lives in the household, "
                    "including fathers and partners, at every contact.",
                    ["Locala", "CHFT"],
                    ["Involvement of fathers"],
                ),
            ],
        },
        {
            "slug": "rapid-review-child-b",
            "title": "Rapid review: Child B",
            "kind": "rapid_review",
            "reference": "RR-B",
            "child_pseudonym": "Child B",
            "age_band": "10_15",
            "visibility": "partnership",
            "incident_date": aware_soon,
            "notification_date": notified_b,
            "summary": "A 14-year-old was seriously injured in a stabbing. The rapid review panel is "
            "gathering agency chronologies.",
            "themes": ["Serious youth violence", "Child sexual and criminal exploitation"],
            "recommendations": [],
        },
        {
            "slug": "rapid-review-child-c",
            "title": "Rapid review: Child C",
            "kind": "rapid_review",
            "reference": "RR-C",
            "child_pseudonym": "Child C",
            "age_band": "5_9",
            "visibility": "partnership",
            "incident_date": _d(today, 45),
            "notification_date": add_working_days(_d(today, 45), 8),
            "summary": "A child with a physical injury; the notification to the Panel was late and "
            "the rapid review has not yet been submitted.",
            "themes": ["Neglect", "Escalation"],
            "recommendations": [],
        },
        {
            "slug": "lcspr-child-j",
            "title": "Local child safeguarding practice review: Child J",
            "kind": "lcspr",
            "reference": f"LCSPR-{2020 + shift}-01",
            "child_pseudonym": "Child J",
            "age_band": "16_17",
            "visibility": "public",
            "incident_date": on(2019, 9, 2),
            "notification_date": on(2019, 9, 6),
            "rapid_review_meeting_date": on(2019, 9, 20),
            "rapid_review_submitted_date": on(2019, 9, 26),
            "decision": "lcspr",
            "decision_date": on(2019, 10, 30),
            "lead_reviewer": "Independent lead reviewer",
            "publication_date": on(2020, 4, 20),
            "summary": "A young person at risk of honour-based violence and forced marriage. The review "
            "found that information held by different agencies was not brought together.",
            "findings": "## Information exchange\n\nPractitioners held pieces of the picture but the "
            "information was not shared in time for a multi-agency **risk assessment**.\n\n"
            "## Voice of the child\n\nThe young person told her school she was frightened; this was "
            "not recorded in her own words.",
            "themes": [
                "Information sharing",
                "Voice of the child",
                "Managing risk and effective decision making",
            ],
            "recommendations": [
                (
                    "1",
                    "The Safeguarding Children Partnership should ensure that multi-agency training on "
                    "honour-based violence and forced marriage is available to all frontline staff.",
                    ["KSCP"],
                    ["Managing risk and effective decision making"],
                ),
                (
                    "2",
                    "Police and Children's Services should review how information about risk of forced "
                    "marriage is shared at the point of referral.",
                    ["Police", "Children's Services"],
                    ["Information sharing"],
                ),
                (
                    "3",
                    "Schools should record the child's own words when a disclosure is made and share "
                    "them with the designated safeguarding lead the same day.",
                    ["Schools"],
                    ["Voice of the child"],
                ),
            ],
        },
        {
            "slug": "scr-family-s",
            "title": "Serious case review: Family S",
            "kind": "scr",
            "reference": "SCR-2016-02",
            "child_pseudonym": "Family S",
            "age_band": "1_4",
            "visibility": "public",
            "incident_date": datetime.date(2015, 11, 3),
            "decision": "lcspr",
            "decision_date": datetime.date(2015, 12, 10),
            "publication_date": datetime.date(2016, 10, 5),
            "lead_reviewer": "Independent overview author",
            "summary": "Chronic neglect of three young children over several years; the family's "
            "apparent co-operation masked a lack of change.",
            "findings": "Agencies accepted the parents' assurances at face value: a pattern of "
            "**disguised compliance**. Escalation between agencies did not happen when plans drifted.",
            "themes": ["Neglect", "Disguised compliance and resistant families", "Escalation"],
            "recommendations": [
                (
                    "1",
                    "Improve the quality of serious case review (SCR) action plans and robustly "
                    "address delays in progressing SCR Action Plans.",
                    ["KSCP"],
                    ["Assessment, planning and chronologies"],
                ),
                (
                    "2",
                    "The Director of Children's Services should ensure that the neglect toolkit is used "
                    "in every assessment where neglect is a concern.",
                    ["Children's Services"],
                    ["Neglect"],
                ),
                (
                    "3",
                    "Health partners should ensure practitioners understand and use the escalation "
                    "policy when plans for a child drift.",
                    ["CHFT", "Locala", "CCG"],
                    ["Escalation"],
                ),
            ],
        },
        {
            "slug": "national-review-sudi",
            "title": "National review: sudden unexpected death in infancy",
            "kind": "national_review",
            "reference": f"CSPRP-SUDI-{2020 + shift}",
            "visibility": "public",
            "publication_date": on(2020, 7, 1),
            "summary": "The national Panel's review of sudden unexpected death in infancy in families "
            "where the children are considered at risk of significant harm.",
            "findings": "Local advice and support on **co-sleeping** and risk was shared at the "
            "interagency discussion group with the lead reviewer.",
            "themes": ["Safer sleeping and SUDI", "Parental mental health and substance misuse"],
            "recommendations": [
                (
                    "1",
                    "Health visitors and midwives should give safer sleeping advice at every contact "
                    "and check the sleeping arrangements seen in the home.",
                    ["Locala", "CHFT", "MYHT"],
                    ["Safer sleeping and SUDI"],
                ),
            ],
        },
        {
            "slug": "learning-review-serious-youth-violence",
            "title": "Learning review: serious youth violence",
            "kind": "learning_review",
            "reference": f"LR-{2020 + shift}-02",
            "child_pseudonym": "Child Y",
            "age_band": "16_17",
            "visibility": "practitioners",
            "publication_date": on(2020, 9, 14),
            "summary": "Learning from a local review with the Youth Justice Management Board and "
            "Community Safety.",
            "findings": "Exclusion from school and going missing were early signs of **criminal "
            "exploitation** that were not connected.",
            "themes": [
                "Serious youth violence",
                "Child sexual and criminal exploitation",
                "Missing children",
            ],
            "recommendations": [
                (
                    "1",
                    "Youth Justice and schools should agree a protocol for sharing information when a "
                    "young person at risk of exploitation is excluded.",
                    ["Youth Justice", "Schools"],
                    ["Child sexual and criminal exploitation"],
                ),
                (
                    "2",
                    "Police should make sure return home interviews after missing episodes are shared "
                    "with the allocated social worker.",
                    ["Police"],
                    ["Missing children"],
                ),
            ],
        },
        {
            "slug": "multi-agency-audit-neglect",
            "title": "Multi-agency audit: neglect",
            "kind": "multi_agency_audit",
            "reference": f"MAA-{2019 + shift}-N",
            "visibility": "practitioners",
            "publication_date": on(2019, 12, 2),
            "summary": "An audit of twelve cases where neglect was the main concern.",
            "findings": "Chronologies were incomplete in half of the cases; supervision rarely "
            "challenged **over-optimistic** thinking.",
            "themes": ["Neglect", "Supervision and workforce", "Professional curiosity"],
            "recommendations": [
                (
                    "1",
                    "All agencies should ensure safeguarding supervision explicitly considers the "
                    "cumulative impact of neglect.",
                    ["Children's Services", "CHFT", "Locala", "Schools"],
                    ["Supervision and workforce", "Neglect"],
                ),
            ],
        },
        {
            "slug": "dhr-adult-m",
            "title": "Domestic homicide review: Adult M",
            "kind": "dhr",
            "reference": f"DHR-{2018 + shift}-01",
            "visibility": "public",
            "publication_date": on(2019, 3, 11),
            "summary": "A domestic homicide review run with the Community Safety Partnership; the "
            "children of the household were known to services.",
            "findings": "Domestic abuse was recorded by police but the impact on the children was not "
            "assessed.",
            "themes": ["Domestic abuse", "Information sharing"],
            "recommendations": [
                (
                    "1",
                    "Police should notify schools the next morning when children were present at a "
                    "domestic abuse incident.",
                    ["Police", "Schools"],
                    ["Domestic abuse"],
                ),
            ],
        },
    ]


def reviews(today, agencies, themes):
    index = ReviewIndexPage.objects.child_of(HomePage.objects.get()).get()
    return publish_reviews(index, _review_specs(today), agencies, themes)


def publish_reviews(index, specs, agencies, themes):
    """Publish each review of `specs` under `index` with its recommendations, unless one with its
    slug is there already; {slug: page}."""
    reviews = {}
    for spec in specs:
        spec = dict(spec)
        recommendations = spec.pop("recommendations")
        theme_names = spec.pop("themes")
        page = ReviewPage.objects.filter(slug=spec["slug"]).first()
        if page is None:
            page = ReviewPage(**spec)
            page.themes = [themes[name] for name in theme_names]
            for position, (number, text, agency_shorts, rec_themes) in enumerate(recommendations):
                page.recommendations.add(
                    _recommendation(
                        number, text, position, agency_shorts, rec_themes, agencies, themes
                    )
                )
            index.add_child(instance=page)
            page.save_revision().publish()
        reviews[spec["slug"]] = page
    return reviews


def _recommendation(number, text, position, agency_shorts, theme_names, agencies, themes):
    from learning.models import Recommendation

    rec = Recommendation(number=number, text=text, sort_order=position)
    rec.agencies = [agencies[short] for short in agency_shorts]
    rec.themes = [themes[name] for name in theme_names]
    return rec


BRIEFINGS = [
    {
        "slug": "child-j-honour-based-violence",
        "published_days_ago": 400,
        "title": "Child J: honour-based violence and forced marriage",
        "reviews": ["lcspr-child-j"],
        "themes": ["Information sharing", "Voice of the child"],
        "summary": "What the review of Child J teaches about listening to young people at risk of "
        "forced marriage.",
        "background": "A 16-year-old told her school she was frightened of being taken abroad.",
        "why_it_matters": "Forced marriage is a form of abuse; the risk rises quickly before travel.",
        "information": "- Three agencies each held part of the picture\n- No strategy discussion was held",
        "learning": "Information held by different agencies was not brought together in time.",
        "questions": "1. Would your team recognise the signs?\n2. Who would you tell, and how fast?",
        "what_to_do": "Record the child's own words. Share the same day with your designated lead.",
        "further_information": "See the partnership's procedures on honour-based abuse.",
    },
    {
        "slug": "family-s-disguised-compliance",
        "published_days_ago": 700,
        "title": "Family S: disguised compliance",
        "reviews": ["scr-family-s"],
        "themes": ["Disguised compliance and resistant families", "Neglect"],
        "summary": "Spotting when apparent co-operation hides a lack of change.",
        "background": "Three young children lived with chronic neglect for several years.",
        "why_it_matters": "Disguised compliance delays protection: plans look busy while nothing changes.",
        "information": "Parents attended meetings but the home conditions did not improve.",
        "learning": "Judge progress by the child's lived experience, not the parents' engagement.",
        "questions": "What evidence of change would you expect to see in this family's home?",
        "what_to_do": "Use the neglect toolkit. Escalate when a plan drifts for more than two reviews.",
        "further_information": "Escalation policy; neglect strategy.",
    },
    {
        "slug": "safer-sleeping",
        "published_days_ago": 250,
        "title": "Safer sleeping: the SUDI review",
        "reviews": ["national-review-sudi"],
        "themes": ["Safer sleeping and SUDI"],
        "summary": "Key messages from the national review of sudden unexpected death in infancy.",
        "background": "The national Panel reviewed infant deaths in families known to services.",
        "why_it_matters": "Most of these deaths happened when parents co-slept after alcohol or drugs.",
        "information": "Risk is highest when routines change: a holiday, a party, a house move.",
        "learning": "Advice given once at birth is not enough; plans must cover out-of-routine nights.",
        "questions": "When did you last ask where the baby sleeps tonight?",
        "what_to_do": "Give safer sleeping advice at every contact and look at the sleeping place.",
        "further_information": "Safer sleeping tools on the partnership website.",
    },
    {
        "slug": "exploitation-and-exclusion",
        "published_days_ago": 120,
        "title": "Exclusion, missing and exploitation",
        "reviews": ["learning-review-serious-youth-violence"],
        "themes": ["Child sexual and criminal exploitation", "Missing children"],
        "visibility": "practitioners",
        "summary": "Connecting exclusion and missing episodes as early signs of exploitation.",
        "background": "A 16-year-old was excluded, went missing three times, then was stabbed.",
        "why_it_matters": "Each agency saw one sign; none saw the pattern.",
        "information": "Return home interviews were not shared with the social worker.",
        "learning": "Exclusion is a safeguarding moment, not only an education one.",
        "questions": "Who in your agency hears about missing episodes, and who do they tell?",
        "what_to_do": "Share return home interviews within 72 hours.",
        "further_information": "Exploitation pathway.",
    },
    {
        "slug": "fathers-and-hidden-men",
        "published_days_ago": 45,
        "title": "Fathers and hidden men",
        "reviews": ["rapid-review-child-a"],
        "themes": ["Involvement of fathers"],
        "visibility": "partnership",
        "summary": "Learning for the partnership from a rapid review about a baby's injury.",
        "background": "A baby was injured; the father was not known to health services.",
        "why_it_matters": "Men in the household shape the child's safety.",
        "information": "No agency had recorded the father's details.",
        "learning": "Ask about every adult in the household, at every contact.",
        "questions": "Do your records show who lives with the child?",
        "what_to_do": "Record fathers and partners; invite them to appointments.",
        "further_information": "",
    },
]


def briefings(today, reviews, themes):
    """Each briefing went out on its own day, some time after its review."""
    index = BriefingIndexPage.objects.child_of(HomePage.objects.get()).get()
    for spec in BRIEFINGS:
        spec = dict(spec)
        review_slugs = spec.pop("reviews")
        theme_names = spec.pop("themes")
        published = timezone.make_aware(
            datetime.datetime.combine(_d(today, spec.pop("published_days_ago")), datetime.time(10))
        )
        if BriefingPage.objects.filter(slug=spec["slug"]).exists():
            continue
        page = BriefingPage(**spec)
        page.reviews = [reviews[slug] for slug in review_slugs]
        page.themes = [themes[name] for name in theme_names]
        index.add_child(instance=page)
        page.save_revision().publish()
        BriefingPage.objects.filter(pk=page.pk).update(
            first_published_at=published, last_published_at=published
        )
