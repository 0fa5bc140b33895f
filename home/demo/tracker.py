"""What the demo's agencies are doing: actions in every status, briefing cascades, a Section 11
cycle."""

import datetime
import io

from django.db.models import Count
from django.utils import timezone

from learning import section11, services
from learning.audit import acting_as
from learning.models import (
    Agency,
    AgencyAction,
    AgencyMembership,
    AuditCycle,
    BriefingCascade,
    Partnership,
    ProgressUpdate,
    Recommendation,
    Section11Return,
)
from reviews.yearly_report import Period

# What happens to the demo's actions, in turn: (days from today the action was first due, script).
# Each step is (kind, status, RAG, note[, evidence file name]); "extension" moves the due date by
# the given days. A note that says something is attached comes with the file.
ACTION_STORIES = [
    (30, []),
    (
        -20,
        [("update", "in_progress", "amber", "Draft procedure written; **sign-off delayed**.")],
    ),
    (
        -10,
        [
            ("update", "in_progress", "amber", "Training venue fell through."),
            ("extension", 60, "", "New training dates agreed with the college."),
            ("update", "in_progress", "green", "Dates booked for all four localities."),
        ],
    ),
    (
        -5,
        [
            ("update", "in_progress", "green", "Briefing sessions running."),
            (
                "update",
                "complete",
                "green",
                "All teams trained; attendance register attached.",
                "attendance-register.pdf",
            ),
        ],
    ),
    (
        -40,
        [
            ("update", "complete", "green", "Audit of 20 referrals shows risk now recorded."),
            ("assure", "", "", "Re-audit evidence seen at the Practice Review and Audit subgroup."),
        ],
    ),
    (
        15,
        [("close", "closed", "", "Superseded by the partnership's new neglect strategy.")],
    ),
    (
        -60,
        [("update", "in_progress", "red", "Lead officer left; no progress this quarter.")],
    ),
    (
        45,
        [
            ("update", "complete", "green", "Policy updated."),
            ("challenge", "", "", "Show how practice changed, not only the policy."),
        ],
    ),
]


# Who leads an agency's action, by the agency's sector.
LEAD_OFFICERS = {
    "police": "Detective inspector, safeguarding unit",
    "health": "Named nurse for safeguarding children",
    "local_authority": "Service manager, children's social care",
    "education": "Designated safeguarding lead",
    "statutory_partner": "Partnership business manager",
    "voluntary": "Safeguarding lead",
    "other": "Safeguarding lead",
}


def _description(action):
    """An action says what it answers: its own recommendation, in the agency's name."""
    recommendation = action.recommendation
    return (
        f"{action.agency.short_name} response to recommendation {recommendation.number}: "
        f"{recommendation.text}"
    )


def _attachment(name):
    """A small PDF to stand for evidence a note says is attached."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": name.rsplit(".", 1)[0].replace("-", " ").capitalize()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def seed(today, users):
    """Actions, updates, assurance and Section 11 for the demo."""
    seed_actions(today, users)
    _seed_cascades(today, users)
    _seed_section11(today, users)


def _seed_cascades(today, users):
    """Two agencies confirm they cascaded the first 7-minute briefing."""
    briefings = BriefingCascade._meta.get_field("briefing").related_model
    briefing = briefings.objects.live().order_by("pk").first()
    if briefing is None or BriefingCascade.objects.filter(briefing=briefing).exists():
        return
    for membership, teams, staff in zip(
        AgencyMembership.objects.select_related("agency", "user").order_by("pk")[:2],
        (6, 3),
        (84, 41),
        strict=False,
    ):
        services.confirm_cascade(
            briefing,
            membership.agency,
            membership.user,
            cascaded_on=today - datetime.timedelta(days=teams * 4),
            teams_reached=teams,
            staff_reached=staff,
        )


def _lead_for(action, users):
    membership = (
        AgencyMembership.objects.filter(agency=action.agency).select_related("user").first()
    )
    return membership.user if membership else users["business-unit"]


def seed_actions(today, users, partnership=None, stories=ACTION_STORIES):
    """Actions for every published review of the partnership (the first unless named), then
    stories that leave actions in every status, some overdue, some slipped, with RAG ratings,
    told by the partnership's own business unit and scrutineer (`users`). Actions already told a
    story are left alone. `stories` are told in turn, from the first action on."""
    from wagtail.models import Page

    partnership = partnership or Partnership.objects.default()
    recommendations = Recommendation.objects.filter(review__partnership=partnership)
    review_ids = recommendations.values_list("review_id", flat=True).distinct()
    for review in Page.objects.live().filter(pk__in=review_ids):
        services.create_actions_for_review(review, default_days=90, today=today)

    with_entries = AgencyAction.objects.filter(recommendation__in=recommendations).annotate(
        entries=Count("updates")
    )
    if with_entries.filter(entries__gt=1).exists():
        return  # the stories were told on an earlier run
    untouched = (
        with_entries.filter(entries__lte=1)
        .select_related("agency", "recommendation")
        .order_by("pk")
    )
    agreed_before = min(Period.last_financial_year(today).end, today)
    for index, action in enumerate(untouched):
        first_due, steps = stories[index % len(stories)]
        description = _description(action)
        lead_officer = LEAD_OFFICERS.get(action.agency.sector, LEAD_OFFICERS["other"])
        due = today + datetime.timedelta(days=first_due)
        # The demo's actions were agreed months ago, before the year the yearly report opens on
        # ended, so that year's report counts them; their due dates stay relative to today.
        agreed_on = agreed_before - datetime.timedelta(days=max(90 - first_due, 30))
        agreed = timezone.make_aware(datetime.datetime.combine(agreed_on, datetime.time(10)))
        AgencyAction.objects.filter(pk=action.pk).update(
            description=description,
            lead_officer=lead_officer,
            original_due_date=due,
            current_due_date=due,
            created_at=agreed,
        )
        ProgressUpdate.objects.filter(action=action, kind=ProgressUpdate.Kind.CREATED).update(
            due_date=due, created_at=agreed
        )
        action.refresh_from_db()
        _tell(action, steps, users)


def _tell(action, steps, users):
    lead = _lead_for(action, users)
    for kind, status, rag, note, *files in steps:
        if kind == "update":
            with acting_as(lead):
                services.post_update(
                    action,
                    lead,
                    version=action.version,
                    status=status,
                    rag=rag,
                    note=note,
                    evidence=[_attachment(name) for name in files],
                )
        elif kind == "close":
            by = users["business-unit"]
            with acting_as(by):
                services.post_update(action, by, version=action.version, status=status, note=note)
        elif kind == "extension":
            request = services.request_extension(
                action,
                lead,
                new_due_date=action.current_due_date + datetime.timedelta(days=status),
                reason=note,
            )
            services.decide_extension(request, users["business-unit"], accept=True, note="Agreed.")
        elif kind == "assure":
            services.assure_action(action, users["scrutineer"], note=note)
        elif kind == "challenge":
            services.challenge_action(action, users["scrutineer"], note=note)
        action.refresh_from_db()


# Section 11 demo answers: (standard number, rating, narrative, evidence) that differ from "met".
SECTION11_GAPS = [
    (
        "3",
        "partly_met",
        "Children's views are sought in assessments but not yet in service design.",
        "Audit of 30 assessments, March; youth forum minutes.",
    ),
    (
        "9",
        "not_met",
        "Safeguarding supervision is not yet offered to call handlers.",
        "Supervision policy (draft); training matrix shows 62% compliance.",
    ),
]


def _seed_section11(today, users):
    """A closed earlier cycle and an open one with the ten standards: a submitted return with gaps
    (now actions), a carried-forward draft, a challenge note, and more briefing cascades."""
    _seed_more_cascades(today)
    if AuditCycle.objects.exists():
        return
    agencies = {agency.short_name: agency for agency in Agency.objects.all()}
    police, chft, locala = (agencies.get(name) for name in ("Police", "CHFT", "Locala"))
    if not (police and chft and locala):
        return
    day = datetime.timedelta(days=1)
    # The earlier cycle ran in the year the yearly report opens on, so that report counts its
    # returns whenever the demo is loaded.
    opens = Period.last_financial_year(today).start + 30 * day
    earlier = section11.open_cycle(f"Section 11 audit {opens.year}", opens, opens + 180 * day)
    for agency in (police, chft):
        old = section11.start_return(agency, earlier)
        old.answers.update(
            rating="met",
            narrative="Arrangements in place and reviewed annually.",
            evidence="Safeguarding policy; annual report to the board.",
        )
        with acting_as(users["business-unit"]):
            section11.submit_return(
                old, users["business-unit"], old.version, today=earlier.closes_on
            )
        submitted_on = datetime.datetime.combine(earlier.closes_on, datetime.time(10))
        Section11Return.objects.filter(pk=old.pk).update(
            submitted_at=timezone.make_aware(submitted_on)
        )
    AuditCycle.objects.filter(pk=earlier.pk).update(is_open=False)

    cycle = section11.open_cycle(
        f"Section 11 audit {today.year}", today - 60 * day, today + 120 * day
    )
    police_lead = users.get("police-lead") or users["business-unit"]
    health_lead = users.get("health-lead") or users["business-unit"]
    with acting_as(police_lead):
        submitted = section11.start_return(police, cycle)
        answers = {
            answer.standard.number: answer
            for answer in submitted.answers.select_related("standard")
        }
        section11.save_answers(
            submitted,
            {
                answers[number].pk: {"rating": rating, "narrative": narrative, "evidence": evidence}
                for number, rating, narrative, evidence in SECTION11_GAPS
            },
            submitted.version,
        )
        section11.submit_return(submitted, police_lead, submitted.version, today=today)
    with acting_as(health_lead):
        draft = section11.start_return(chft, cycle)
        first = draft.answers.select_related("standard").first()
        section11.save_answers(
            draft,
            {
                first.pk: {
                    "rating": "met",
                    "narrative": "The chief nurse is the executive lead; reports go to the board.",
                    "evidence": "Board minutes; safeguarding annual report.",
                }
            },
            draft.version,
        )
        section11.start_return(locala, cycle)
    scrutineer = users["scrutineer"]
    section11.add_challenge_note(
        submitted,
        scrutineer,
        "How will call handlers be supervised before the policy is signed off?",
        standard=cycle.standards.get(number="9"),
    )


def _seed_more_cascades(today):
    """Cascades for the second and third briefings too, so the agency pages show several."""
    briefing_model = BriefingCascade._meta.get_field("briefing").related_model
    briefings = list(briefing_model.objects.live().order_by("pk")[1:3])
    memberships = list(AgencyMembership.objects.select_related("agency", "user").order_by("pk")[:3])
    for number, briefing in enumerate(briefings, start=1):
        if BriefingCascade.objects.filter(briefing=briefing).exists():
            continue
        for membership in memberships[: number + 1]:
            services.confirm_cascade(
                briefing,
                membership.agency,
                membership.user,
                cascaded_on=today - datetime.timedelta(days=7 * number),
                teams_reached=2 + number,
                staff_reached=15 * (number + 1),
            )
