"""Every outward channel, for everyone, in a hub of two partnerships that share the police.

The children's partnership and the safeguarding adults board each hold one of every kind of
restricted thing, each with its own marker word: a partnership-only review and its
recommendation, a 7-minute briefing, the police's action on the recommendation and its progress
note, the police's Section 11 return with its gap action and the challenge panel's question on
it, a case in the case log with an information request to the police, and a draft review nobody
opens on the site. Each role is held by someone in one partnership; two people hold roles in
both. Each person asks every page, export, feed, API, suggestion and email the hub has; none may
carry a marker of something they may not open, and no count may include it."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from learning import permissions, section11
from learning.models import Assurance, Partnership
from search.models import LearningAlert, SearchDocument

from ..conftest import client_for
from ..factories import (
    AgencyActionFactory,
    AgencyFactory,
    BriefingPageFactory,
    CaseFactory,
    EvidenceFileFactory,
    InformationRequestFactory,
    LearningAlertFactory,
    LearningEventFactory,
    PartnershipFactory,
    PartnershipMembershipFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    RecurrenceLinkFactory,
    ReviewPageFactory,
    StandardEvidenceFileFactory,
    ThemeFactory,
    briefing_index_of,
    member_of,
    review_index_of,
)
from .conftest import body_of

pytestmark = pytest.mark.django_db

# Each partnership's markers, by the kind of thing that carries them.
KINDS = (
    "review",  # a partnership-only review (title and findings)
    "recommendation",  # its recommendation
    "briefing",  # a partnership-only 7-minute briefing
    "action",  # the police's action on the recommendation
    "note",  # the police's progress note on it
    "return",  # the police's Section 11 narrative
    "gap",  # the action on the Section 11 gap
    "challenge",  # the challenge panel's question on the return
    "case",  # the case in the case log
    "request",  # the information request to the police on the case
    "draft",  # a draft review
    "practitioners",  # a review for practitioners (signed in)
)
MARKERS = {
    "childrens": dict(
        zip(
            KINDS,
            (
                "Zebrafinch",
                "Marigold",
                "Tangerine",
                "Quokka",
                "Halibut",
                "Tamarind",
                "Cobalt",
                "Juniper",
                "Pumice",
                "Lichen",
                "Obsidian",
                "Pelican",
            ),
            strict=True,
        )
    ),
    "adults": dict(
        zip(
            KINDS,
            (
                "Albatross",
                "Verbena",
                "Apricot",
                "Narwhal",
                "Sturgeon",
                "Cardamom",
                "Indigo",
                "Sorrel",
                "Basalt",
                "Moss",
                "Tourmaline",
                "Heron",
            ),
            strict=True,
        )
    ),
}
# A theme only each partnership's restricted review and recommendation carry: its name is the
# hub's vocabulary, but no count or facet may tell a person it is in use there.
THEMES = {"childrens": "Criminal exploitation", "adults": "Self-neglect"}
EVERY_MARKER = {word for markers in MARKERS.values() for word in markers.values()}

# What each role opens of its own partnership's restricted things.
PARTNERSHIP_ONLY = {"review", "recommendation", "briefing"}
POLICE_WORK = PARTNERSHIP_ONLY | {"action", "note", "return", "gap", "challenge", "request"}
TRACKER_WIDE = POLICE_WORK | {"case"}


def _opens(**held):
    """The markers a person opens: {partnership: kinds of its restricted things}."""
    return {MARKERS[partnership][kind] for partnership, kinds in held.items() for kind in kinds}


# Practitioners' material opens to anyone signed in (off a regional deployment).
SIGNED_IN = {markers["practitioners"] for markers in MARKERS.values()}

# Nobody opens a draft outside the editor.
ROLES = {
    "visitor": set(),
    "childrens-practitioner": set(),
    "adults-practitioner": set(),
    "childrens-police-lead": _opens(childrens=POLICE_WORK),
    "adults-police-lead": _opens(adults=POLICE_WORK),
    "childrens-business-unit": _opens(childrens=TRACKER_WIDE),
    "adults-business-unit": _opens(adults=TRACKER_WIDE),
    "childrens-scrutineer": _opens(childrens=TRACKER_WIDE),
    "adults-scrutineer": _opens(adults=TRACKER_WIDE),
    # The police's lead for children, who is also an adults board practitioner.
    "lead-here-practitioner-there": _opens(childrens=POLICE_WORK),
    # The adults board's business unit officer, who leads for health in the children's
    # partnership (health has no action, return or request there).
    "unit-here-health-lead-there": _opens(adults=TRACKER_WIDE, childrens=PARTNERSHIP_ONLY),
}
ROLES = {role: opens | SIGNED_IN if role != "visitor" else opens for role, opens in ROLES.items()}
# The partnerships each person belongs to, in any role.
MEMBER_OF = {
    "visitor": set(),
    **{
        f"{key}-{role}": {key}
        for key in MARKERS
        for role in ("practitioner", "police-lead", "business-unit", "scrutineer")
    },
    "lead-here-practitioner-there": {"childrens", "adults"},
    "unit-here-health-lead-there": {"childrens", "adults"},
}


@pytest.fixture
def world(committed):
    with committed():  # search indexes, and notifications leave, as a commit would make them
        return _world()


def _world():
    childrens = Partnership.objects.default()
    adults = PartnershipFactory(
        name="Kirklees Safeguarding Adults Board", framework=Partnership.Framework.ADULTS
    )
    partnerships = {"childrens": childrens, "adults": adults}
    police = AgencyFactory(name="West Yorkshire Police", short_name="Police", sector="police")
    health = AgencyFactory(name="CHFT", short_name="CHFT", sector="health")
    people = {"visitor": None}
    for key, partnership in partnerships.items():
        people[f"{key}-practitioner"] = member_of(
            partnership, permissions.PRACTITIONERS, f"{key}-practitioner"
        )
        people[f"{key}-police-lead"] = member_of(
            partnership, permissions.AGENCY_LEADS, f"{key}-police-lead", [police]
        )
        people[f"{key}-business-unit"] = member_of(
            partnership, permissions.BUSINESS_UNIT, f"{key}-business-unit"
        )
        people[f"{key}-scrutineer"] = member_of(
            partnership, permissions.SCRUTINEERS, f"{key}-scrutineer"
        )
    mixed = member_of(childrens, permissions.AGENCY_LEADS, "lead-here-practitioner-there", [police])
    PartnershipMembershipFactory(user=mixed, partnership=adults, role=permissions.PRACTITIONERS)
    people["lead-here-practitioner-there"] = mixed
    officer = member_of(adults, permissions.BUSINESS_UNIT, "unit-here-health-lead-there")
    PartnershipMembershipFactory(user=officer, partnership=childrens, role=permissions.AGENCY_LEADS)
    from learning.models import AgencyMembership

    AgencyMembership.objects.get_or_create(user=officer, agency=health)
    people["unit-here-health-lead-there"] = officer

    public = ReviewPageFactory(
        title="Public review: Child Alpha", summary="Learning about neglect in the home."
    )
    public_recommendation = RecommendationFactory(
        review=public, text="Share referral information with the school."
    )
    overdue = timezone.localdate() - datetime.timedelta(days=10)
    things = {}
    for key, partnership in partnerships.items():
        words = MARKERS[key]
        review = ReviewPageFactory(
            title=f"Review of {words['review']}",
            kind="sar" if key == "adults" else "rapid_review",
            visibility="partnership",
            findings=f"{words['review']} was not seen alone; referral information was lost.",
            parent=review_index_of(partnership),
        )
        ReviewPageFactory(
            title=f"Practice review: {words['practitioners']}",
            visibility="practitioners",
            findings=f"{words['practitioners']} was not seen alone; referral information was lost.",
            parent=review_index_of(partnership),
        )
        ReviewPageFactory(
            title=f"Draft review: {words['draft']}",
            visibility="partnership",
            live=False,
            parent=review_index_of(partnership),
        )
        briefing = BriefingPageFactory(
            title=f"Briefing: {words['briefing']}",
            visibility="partnership",
            parent=briefing_index_of(partnership),
        )
        recommendation = RecommendationFactory(
            review=review, text=f"Share referral information on {words['recommendation']}."
        )
        # A theme only this partnership's restricted review and recommendation carry.
        theme = ThemeFactory(name=THEMES[key], slug=slugify(THEMES[key]))
        review.themes = [theme]
        review.save()
        recommendation.themes.set([theme])
        recommendation.save()
        action = AgencyActionFactory(
            agency=police,
            recommendation=recommendation,
            description=f"Retrain the {words['action']} team.",
            original_due_date=overdue,
            current_due_date=overdue,
        )
        update = ProgressUpdateFactory(
            action=action, note=f"Briefed by {words['note']}.", due_date=overdue
        )
        evidence = EvidenceFileFactory(update=update)
        cycle = section11.open_cycle(
            "Section 11 audit 2026",
            datetime.date(2026, 4, 1),
            datetime.date(2027, 3, 31),
            partnership=partnership,
        )
        police_return = section11.start_return(police, cycle)
        answer = police_return.answers.first()
        return_evidence = StandardEvidenceFileFactory(answer=answer)
        section11.save_answers(
            police_return,
            {
                answer.pk: {
                    "rating": "partly_met",
                    "narrative": f"Signed off by {words['return']}.",
                    "evidence": "",
                }
            },
            police_return.version,
        )
        gap = AgencyActionFactory(
            agency=police,
            recommendation=None,
            standard_answer=answer,
            description=f"Close the {words['gap']} gap.",
            original_due_date=overdue,
            current_due_date=overdue,
        )
        section11.add_challenge_note(
            police_return, people[f"{key}-scrutineer"], f"What does {words['challenge']} show?"
        )
        Assurance.objects.create(
            action=action,
            decision=Assurance.Decision.CHALLENGED,
            by=people[f"{key}-scrutineer"],
            note=f"Show us the {words['action']} training records.",
        )
        case = CaseFactory(
            reference=f"SI-{key}",
            child_pseudonym=f"Person {words['case']}",
            partnership=partnership,
            notified_on=datetime.date(2026, 6, 5),
            referred_on=datetime.date(2026, 6, 3),
        )
        InformationRequestFactory(
            case=case,
            agency=police,
            asked=f"A chronology of contact about {words['request']}.",
            requested_on=datetime.date(2026, 6, 6),
        )
        returned = InformationRequestFactory(
            case=CaseFactory(
                reference=f"SI-{key}-returned",
                child_pseudonym=f"Person {words['case']} the second",
                partnership=partnership,
                notified_on=datetime.date(2026, 6, 5),
                referred_on=datetime.date(2026, 6, 3),
            ),
            agency=police,
            asked=f"A summary of the police's contact about {words['request']}.",
            requested_on=datetime.date(2026, 6, 6),
            returned_on=datetime.date(2026, 6, 10),
            returned_file=ContentFile(b"%PDF-1.4 chronology", name="chronology.pdf"),
        )
        event = LearningEventFactory(
            partnership=partnership, title=f"Learning from {words['review']}", review=review
        )
        event.recommendations.set([recommendation])
        things[key] = {
            "evidence": evidence,
            "return_evidence": return_evidence,
            "returned": returned,
            "event": event,
            "briefing": briefing,
            "review": review,
            "recommendation": recommendation,
            "action": action,
            "gap": gap,
            "cycle": cycle,
            "case": case,
        }
    # Said before: the adults board's recommendation repeats the children's, and both the public.
    RecurrenceLinkFactory(
        earlier=things["childrens"]["recommendation"], later=things["adults"]["recommendation"]
    )
    RecurrenceLinkFactory(
        earlier=public_recommendation, later=things["childrens"]["recommendation"]
    )
    return {
        "people": people,
        "partnerships": partnerships,
        "things": things,
        "police": police,
        "public": public,
    }


SITE = [
    "/",
    "/reviews/",
    "/briefings/",
    "/themes/",
    "/search/?q=referral",
    "/search/?q=referral&kind=recommendation",
    "/search/?q=review",
    "/api/learning/search/?q=referral",
    "/api/learning/search/?q=review",
    "/api/learning/similar/?text=Share+referral+information+on+the+person",
    "/feeds/latest/",
    "/feeds/latest/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "/no-such-page/",
    "/api/v2/pages/?search=referral",
    "/api/v2/pages/?type=reviews.ReviewPage&fields=*",
    "/api/v2/pages/?type=reviews.BriefingPage&fields=*",
    "/alerts/",
    "/account/",
]
TRACKER = [
    "/tracker/",
    "/tracker/actions/",
    "/tracker/my-work/",
    "/tracker/business-unit/",
    "/tracker/assurance/",
    "/tracker/list/",
    "/tracker/dashboard/",
    "/tracker/export.csv",
    "/tracker/export.xlsx",
    "/tracker/changes/",
    "/tracker/changes.csv",
    "/tracker/recurrence/",
    "/tracker/recurrence/export.xlsx",
    "/tracker/briefings/coverage/",
    "/tracker/recommendations/",
    "/tracker/events/",
    "/tracker/events/new/",
    "/tracker/section11/",
    "/tracker/agencies/",
    "/tracker/agencies/police/",
    "/tracker/people/",
    "/tracker/cases/",
    "/tracker/cases/export.csv",
    "/tracker/cases/export.xlsx",
    "/tracker/information-requests/",
    "/tracker/yearly-report/",
    "/tracker/yearly-report/?partnership=kirklees-safeguarding-adults-board",
    "/tracker/yearly-report/records/",
    "/tracker/yearly-report/report.csv",
    "/tracker/yearly-report/report.xlsx",
    "/api/learning/actions/",
]


def urls_of(world):
    urls = [*SITE, *TRACKER, world["public"].url]
    for things in world["things"].values():
        cycle, police = things["cycle"], world["police"]
        urls += [
            things["review"].url,
            things["briefing"].url,
            things["briefing"].url + "pdf/",
            things["event"].get_absolute_url(),
            things["action"].get_absolute_url(),
            things["gap"].get_absolute_url(),
            reverse("learning:section11_cycle", args=[cycle.pk]),
            reverse("learning:section11_standards", args=[cycle.pk]),
            reverse("learning:section11_return", args=[cycle.pk, police.slug]),
            reverse("learning:section11_heatmap", args=[cycle.pk]),
            reverse("case_detail", args=[things["case"].pk]),
            reverse("api_recommendation_similar", args=[things["recommendation"].pk]),
        ]
    for person in world["people"].values():
        if person is not None:
            urls.append(reverse("learning:person", args=[person.pk]))
    urls += [f"/themes/{slugify(name)}/" for name in THEMES.values()]
    for partnership in world["partnerships"].values():
        # Each partnership's front page and listings, with their filters.
        urls += [partnership.section.url, review_index_of(partnership).url + "?kind=sar"]
        urls.append(briefing_index_of(partnership).url)
    return urls


def leaks(body, role):
    return sorted(word for word in EVERY_MARKER - ROLES[role] if word in body)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_export_feed_or_api_shows_anyone_a_marker_they_may_not_open(role, world):
    client = client_for(world["people"][role])
    found, answered = {}, 0
    for url in urls_of(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if 300 <= response.status_code < 400:
            continue  # sent to sign in; a refusal's or a not-found page's words are checked too
        seen = leaks(body_of(response), role)
        if seen:
            found[url] = seen
        answered += 1
    assert found == {}, f"{role} sees what they may not open: {found}"
    assert answered >= 20  # most channels answered, so the sweep tested something


@pytest.mark.parametrize("role", ROLES)
def test_every_search_count_is_the_number_of_results_listed(role, world):
    client = client_for(world["people"][role])
    for words in ("referral", "review", "share"):
        answer = client.get("/api/learning/search/", {"q": words}).json()
        assert answer["count"] == len(answer["results"]), words  # all fit on one page
        for facet, values in answer["facets"].items():
            for value in values:
                assert value["count"] <= answer["count"], (words, facet, value)
        themes = {option["label"] for option in answer["facets"].get("theme", [])}
        for key, theme in THEMES.items():
            if MARKERS[key]["review"] not in ROLES[role]:
                assert theme not in themes, (words, theme)
        assert leaks(json.dumps(answer), role) == []


# The actions each tracker role sees: the police's action and Section 11 gap action of each
# partnership where they lead for the police, run or scrutinise the tracker.
ACTIONS_SEEN = {
    "childrens-police-lead": 2,
    "adults-police-lead": 2,
    "childrens-business-unit": 2,
    "adults-business-unit": 2,
    "childrens-scrutineer": 2,
    "adults-scrutineer": 2,
    "lead-here-practitioner-there": 2,
    "unit-here-health-lead-there": 2,
}


@pytest.mark.parametrize("role", ACTIONS_SEEN)
def test_every_tracker_count_is_the_number_of_actions_the_person_may_open(role, world):
    import csv

    client = client_for(world["people"][role])
    expected = ACTIONS_SEEN[role]
    listed = client.get("/api/learning/actions/").json()
    assert listed["count"] == len(listed["results"]) == expected
    rows = list(csv.reader(io.StringIO(body_of(client.get("/tracker/export.csv")))))
    assert len(rows) - 1 == expected  # the header, then one row per action
    dashboard = client.get("/tracker/dashboard/")
    if dashboard.status_code == 200:
        assert dashboard.context["total"] == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_person_finds_what_they_may_open(role, world):
    # The other half: the filters are not simply hiding everything.
    client = client_for(world["people"][role])
    for key, markers in MARKERS.items():
        review_word = markers["review"]
        if review_word in ROLES[role]:
            found = client.get("/api/learning/search/", {"q": review_word}).json()
            assert review_word in json.dumps(found)
        if markers["action"] in ROLES[role]:
            action = world["things"][key]["action"]
            assert markers["action"] in body_of(client.get(action.get_absolute_url()))
        if markers["case"] in ROLES[role]:
            case = world["things"][key]["case"]
            assert markers["case"] in body_of(client.get(reverse("case_detail", args=[case.pk])))


@pytest.mark.parametrize("role", ROLES)
def test_each_restricted_thing_opens_to_those_who_may_open_it_alone(role, world):
    client = client_for(world["people"][role])
    for key, things in world["things"].items():
        markers = MARKERS[key]
        police = world["police"]
        for url, word in (
            (things["review"].url, markers["review"]),
            (things["briefing"].url, markers["briefing"]),
            (things["briefing"].url + "pdf/", markers["briefing"]),
            (things["action"].get_absolute_url(), markers["action"]),
            (things["gap"].get_absolute_url(), markers["gap"]),
            (reverse("case_detail", args=[things["case"].pk]), markers["case"]),
            (
                reverse("learning:section11_return", args=[things["cycle"].pk, police.slug]),
                markers["return"],
            ),
            (reverse("learning:evidence_download", args=[things["evidence"].pk]), markers["note"]),
            (
                reverse(
                    "learning:section11_evidence_download", args=[things["return_evidence"].pk]
                ),
                markers["return"],
            ),
            (
                reverse("information_request_file", args=[things["returned"].pk]),
                markers["request"],
            ),
        ):
            opened = client.get(url).status_code == 200
            assert opened == (word in ROLES[role]), (url, word)


def _emails_to(person):
    return "\n".join(
        email.subject + "\n" + email.body for email in mail.outbox if person.email in email.to
    )


def test_no_reminder_digest_alert_or_notification_tells_anyone_what_they_may_not_open(world):
    from learning.cascades import send_cascade_reminders
    from learning.reminders import (
        send_due_soon_reminders,
        send_overdue_reminders,
        send_weekly_digest,
    )
    from learning.tasks import send_owed_notifications
    from reviews.models import BriefingPage
    from reviews.tasks import send_information_request_reminders
    from search.alerts import send_learning_alerts

    people = {role: user for role, user in world["people"].items() if user is not None}
    for user in people.values():
        for words in ("referral", "review", "briefing"):
            LearningAlertFactory(user=user, query=words)
    LearningAlert.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))
    SearchDocument.objects.update(first_indexed_at=timezone.now())
    BriefingPage.objects.update(first_published_at=timezone.now() - datetime.timedelta(days=35))
    sent_on_commit = list(mail.outbox)
    mail.outbox = []
    send_due_soon_reminders()
    send_overdue_reminders()
    send_weekly_digest()
    send_cascade_reminders()
    send_information_request_reminders()
    send_learning_alerts()
    send_owed_notifications()
    mail.outbox = sent_on_commit + mail.outbox
    assert len(mail.outbox) >= 10  # the channels spoke, so the check tested something
    found = {role: leaks(_emails_to(user), role) for role, user in people.items()}
    assert {role: words for role, words in found.items() if words} == {}


# --- The leaks this sweep found, each as its story ------------------------------------------


def test_adults_board_police_lead_never_sees_a_childrens_information_request(world):
    client = client_for(world["people"]["adults-police-lead"])
    for url in ("/tracker/information-requests/", "/tracker/my-work/"):
        body = body_of(client.get(url))
        assert MARKERS["childrens"]["request"] not in body, url
        assert MARKERS["adults"]["request"] in body, url


def test_adults_board_business_unit_never_sees_a_childrens_information_request(world):
    body = body_of(
        client_for(world["people"]["adults-business-unit"]).get("/tracker/information-requests/")
    )
    assert MARKERS["childrens"]["request"] not in body
    assert MARKERS["adults"]["request"] in body


def test_childrens_police_lead_is_never_reminded_of_an_adults_board_information_request(world):
    from reviews.tasks import send_information_request_reminders

    mail.outbox = []
    send_information_request_reminders()
    for key, other in (("childrens", "adults"), ("adults", "childrens")):
        told = _emails_to(world["people"][f"{key}-police-lead"])
        assert MARKERS[key]["request"] in told
        assert MARKERS[other]["request"] not in told


def test_a_business_unit_officer_cannot_return_another_boards_chronology(world):
    from reviews.models import InformationRequest

    childrens_request = InformationRequest.objects.get(case=world["things"]["childrens"]["case"])
    officer = world["people"]["adults-business-unit"]
    assert not permissions.can_return_information_request(officer, childrens_request)
    assert permissions.can_return_information_request(
        world["people"]["childrens-business-unit"], childrens_request
    )


def test_adults_board_business_unit_never_sees_a_childrens_restricted_recommendation_in_its_reach(
    world,
):
    client = client_for(world["people"]["adults-business-unit"])
    body = body_of(client.get("/tracker/recommendations/"))
    assert MARKERS["childrens"]["recommendation"] not in body
    assert MARKERS["childrens"]["review"] not in body  # nor its review among the filter's choices
    assert MARKERS["adults"]["recommendation"] in body


def test_recording_an_event_offers_no_other_boards_restricted_review_nor_any_draft(world):
    body = body_of(client_for(world["people"]["adults-business-unit"]).get("/tracker/events/new/"))
    for word in ("review", "recommendation", "briefing", "draft"):
        assert MARKERS["childrens"][word] not in body, word
    assert MARKERS["adults"]["draft"] not in body
    assert MARKERS["adults"]["review"] in body


# The editor: the business unit officers of each partnership (and the officer who is also a lead
# in the other) write their own partnership's pages and keep its case log; drafts are theirs.
EDITORS = {
    "childrens-business-unit": ROLES["childrens-business-unit"] | {MARKERS["childrens"]["draft"]},
    "adults-business-unit": ROLES["adults-business-unit"] | {MARKERS["adults"]["draft"]},
    "unit-here-health-lead-there": ROLES["unit-here-health-lead-there"]
    | {MARKERS["adults"]["draft"]},
}


def editor_urls(world):
    from wagtail.models import Page

    urls = ["/admin/", "/admin/reports/open-reviews/", "/admin/snippets/reviews/case/"]
    # Words every marked title holds, never a marker itself: a search box shows what was typed.
    for words in ("review", "draft", "briefing"):
        urls += [f"/admin/pages/search/?q={words}", f"/admin/choose-page/search/?q={words}"]
    urls.append("/admin/snippets/reviews/case/?q=person")
    for partnership in world["partnerships"].values():
        for index in Page.objects.child_of(partnership.section or Page.objects.get(depth=2)):
            urls.append(f"/admin/pages/{index.pk}/")
    return urls


@pytest.mark.xfail(
    strict=True,
    reason="Open leak, left for a decision: the editor's page permissions are the business "
    "unit group's on the home page (home/setup.py), so an officer of one partnership lists, "
    "searches and chooses every partnership's pages and drafts in /admin/.",
)
@pytest.mark.parametrize("role", EDITORS)
def test_the_editor_shows_no_officer_another_partnerships_restricted_pages_or_drafts(role, world):
    client = client_for(world["people"][role])
    found = {}
    for url in editor_urls(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code >= 300:
            continue
        body = body_of(response)
        seen = sorted(word for word in EVERY_MARKER - EDITORS[role] if word in body)
        if seen:
            found[url] = seen
    assert found == {}, f"{role} sees another partnership's pages in the editor: {found}"


def test_adults_board_business_unit_never_sees_a_childrens_learning_event(world):
    client = client_for(world["people"]["adults-business-unit"])
    event = world["things"]["childrens"]["event"]
    assert MARKERS["childrens"]["review"] not in body_of(client.get("/tracker/events/"))
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(reverse("learning:event_edit", args=[event.pk])).status_code == 404
    own = world["things"]["adults"]["event"]
    assert MARKERS["adults"]["review"] in body_of(client.get("/tracker/events/"))
    assert client.get(own.get_absolute_url()).status_code == 200


def test_an_event_the_adults_board_records_is_its_own_and_never_the_childrens(world):
    from learning.models import LearningEvent

    review = world["things"]["adults"]["review"]
    answer = client_for(world["people"]["adults-business-unit"]).post(
        "/tracker/events/new/",
        {
            "title": "Seminar on self-neglect and hoarding",
            "kind": "seminar",
            "held_on": "2026-11-20",
            "review": review.pk,
        },
    )
    assert answer.status_code == 302
    event = LearningEvent.objects.get(title="Seminar on self-neglect and hoarding")
    assert event.partnership == world["partnerships"]["adults"]
    childrens = client_for(world["people"]["childrens-business-unit"])
    assert "self-neglect and hoarding" not in body_of(childrens.get("/tracker/events/"))
    assert "self-neglect and hoarding" in body_of(
        client_for(world["people"]["adults-scrutineer"]).get("/tracker/events/")
    )


def test_events_recorded_before_they_had_a_partnership_become_their_reviews_partnerships(world):
    """home/migrations/0005: events the tracker's form saved without a partnership."""
    import importlib

    from django.apps import apps

    from learning.models import LearningEvent

    migration = importlib.import_module(
        "home.migrations.0005_learning_events_name_their_partnership"
    )
    about_a_theme = LearningEventFactory(title="Neglect seminar", review=None)
    LearningEvent.objects.update(partnership=None)
    migration.events_into_their_partnerships(apps, None)
    for key, partnership in world["partnerships"].items():
        world["things"][key]["event"].refresh_from_db()
        assert world["things"][key]["event"].partnership == partnership
    about_a_theme.refresh_from_db()
    assert about_a_theme.partnership == Partnership.objects.default()


@pytest.mark.parametrize("role", ROLES)
def test_each_listings_count_is_the_number_of_pages_the_person_may_open_there(role, world):
    client = client_for(world["people"][role])
    for key, partnership in world["partnerships"].items():
        markers = MARKERS[key]
        public_reviews = 1 if key == "childrens" else 0  # the public review is the children's
        for index, word, public in (
            (
                review_index_of(partnership),
                markers["review"],
                public_reviews + (markers["practitioners"] in ROLES[role]),
            ),
            (briefing_index_of(partnership), markers["briefing"], 0),
        ):
            response = client.get(index.url)
            assert response.status_code == 200, index.url
            expected = public + (word in ROLES[role])
            assert response.context["paginator"].count == expected, (index.url, word)


@pytest.mark.parametrize(
    "role",
    [
        "visitor",
        "adults-practitioner",
        "childrens-police-lead",
        "adults-business-unit",
        "lead-here-practitioner-there",
    ],
)
def test_on_a_regional_deployment_no_channel_shows_another_partnerships_practitioner_material(
    role, world, settings
):
    """Neither partnership shares regionally: each one's practitioners' material reaches its own
    people alone, through every channel."""
    settings.REGIONAL_DEPLOYMENT = True
    others = {MARKERS[key]["practitioners"] for key in set(MARKERS) - MEMBER_OF[role]}
    client = client_for(world["people"][role])
    found = {}
    for url in urls_of(world):
        response = client.get(url)
        assert response.status_code < 500, url
        if 300 <= response.status_code < 400:
            continue
        seen = sorted(word for word in others if word in body_of(response))
        if seen:
            found[url] = seen
    assert found == {}, f"{role} sees another partnership's practitioner material: {found}"
    answer = client.get("/api/learning/search/", {"q": "referral"}).json()
    assert answer["count"] == len(answer["results"])
    own = {MARKERS[key]["practitioners"] for key in MEMBER_OF[role]}
    assert all(word in json.dumps(answer) for word in own)
