"""The demo partnership's case log: three financial years of referrals through every path
(not notified, a local review, rapid reviews on time and late, LCSPRs published in time, late
and still unpublished past six months), plus one open rapid review waiting on agencies'
chronologies. Idempotent: cases are found again by their reference."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from learning.models import Agency
from reviews.deadlines import add_months, add_working_days, subtract_working_days
from reviews.models import Case, Decision, InformationRequest, PartnerSignOff, ReferralReason
from reviews.models.cases import seed_referral_reasons
from reviews.yearly_report import financial_year_start

# What happened to each referral: each path sets the dates a partnership would record.
NOT_NOTIFIED = "not_notified"
LOCAL_REVIEW = "local_review"
RAPID_REVIEW = "rapid_review"  # notified in time, rapid review in time, no further review
LATE_RAPID_REVIEW = "late_rapid_review"
LATE_NOTIFICATION = "late_notification"
LEARNING_AFTER_RAPID_REVIEW = "learning_after_rapid_review"
NATIONAL = "national"
LCSPR_ON_TIME = "lcspr_on_time"
LCSPR_LATE = "lcspr_late"
LCSPR_OVERDUE = "lcspr_overdue"  # past its six months and not yet published

# Per financial year (oldest first): (days into the year, referral reason, path).
YEARS = [
    [
        (12, "Neglect", NOT_NOTIFIED),
        (40, "Physical abuse", RAPID_REVIEW),
        (75, "Neglect", LCSPR_ON_TIME),
        (110, "Sexual abuse", LATE_NOTIFICATION),
        (150, "Suicide", LOCAL_REVIEW),
        (200, "Other", NOT_NOTIFIED),
        (240, "Physical abuse", NATIONAL),
        (300, "Serious youth violence", RAPID_REVIEW),
    ],
    [
        (8, "Physical abuse", NOT_NOTIFIED),
        (35, "Neglect", LCSPR_LATE),
        (70, "Murder or attempted murder", LCSPR_ON_TIME),
        (95, "Other", NOT_NOTIFIED),
        (130, "Serious youth violence", LATE_RAPID_REVIEW),
        (170, "Suicide", LOCAL_REVIEW),
        (210, "Sexual abuse", LEARNING_AFTER_RAPID_REVIEW),
        (260, "Neglect", NOT_NOTIFIED),
        (310, "Physical abuse", RAPID_REVIEW),
    ],
    [
        (5, "Neglect", LCSPR_OVERDUE),
        (20, "Physical abuse", LCSPR_ON_TIME),
        (45, "Other", NOT_NOTIFIED),
        (80, "Fabricated or induced illness", RAPID_REVIEW),
        (120, "Serious youth violence", LATE_RAPID_REVIEW),
        (160, "Honour-based violence / forced marriage", LOCAL_REVIEW),
        (190, "Neglect", NOT_NOTIFIED),
        (230, "Suicide", LOCAL_REVIEW),
        (270, "Trafficking", RAPID_REVIEW),
        (320, "Other", NOT_NOTIFIED),
    ],
]
PSEUDONYMS = "ABCDEFGHJKLMNPRSTVWY"
REFERRING_AGENCIES = ["Police", "Children's Services", "CHFT", "Locala", "MYHT"]
LEAD_REVIEWERS = ["Independent reviewer (Jane Hale)", "Independent reviewer (Sam Okafor)"]


def _working_day_on_or_after(day):
    return add_working_days(day - datetime.timedelta(days=1), 1)


def _dates(path, referred_on, position):
    """The dates a case on `path` would carry, counted in working days from the referral."""
    dates = {}
    if path in (NOT_NOTIFIED, LOCAL_REVIEW):
        dates["not_notified_reason"] = (
            "Below the threshold for notification: harm not serious, or abuse or neglect not "
            "suspected. Discussed at the Practice Review and Audit subgroup."
        )
        if path == LOCAL_REVIEW:
            dates["decision"] = Decision.LEARNING
            dates["decision_on"] = add_working_days(referred_on, 12)
        return dates
    notify_after = 8 if path == LATE_NOTIFICATION else 2 + position % 3
    notified_on = add_working_days(referred_on, notify_after)
    sent_after = 19 if path == LATE_RAPID_REVIEW else 13
    sent_on = add_working_days(notified_on, sent_after)
    dates.update(
        notified_on=notified_on,
        rapid_review_meeting_on=add_working_days(notified_on, sent_after - 3),
        rapid_review_sent_on=sent_on,
        panel_response_on=add_working_days(sent_on, 10),
        panel_agreed=True,
        decision_on=sent_on,
    )
    dates["decision"] = {
        NATIONAL: Decision.NATIONAL,
        LEARNING_AFTER_RAPID_REVIEW: Decision.LEARNING,
        LCSPR_ON_TIME: Decision.LCSPR,
        LCSPR_LATE: Decision.LCSPR,
        LCSPR_OVERDUE: Decision.LCSPR,
    }.get(path, Decision.NONE)
    if dates["decision"] == Decision.LCSPR:
        dates["lead_reviewer"] = LEAD_REVIEWERS[position % 2]
        dates["terms_of_reference"] = (
            "How agencies shared information about risk, and how the voice of the child was heard."
        )
        dates["first_draft_on"] = add_months(sent_on, 3)
        if path != LCSPR_OVERDUE:
            months = 5 if path == LCSPR_ON_TIME else 8
            published_on = _working_day_on_or_after(add_months(sent_on, months))
            dates.update(
                final_draft_on=subtract_working_days(published_on, 20),
                report_sent_on=subtract_working_days(published_on, 10),
                published_on=published_on,
                cost=Decimal(6500 + 750 * (position % 5)),
            )
    return dates


def _agency(short_name):
    return Agency.objects.filter(short_name=short_name).first()


def _case(reference, **fields):
    case = Case.objects.filter(reference=reference).first() or Case(reference=reference)
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    return case


def _sign_offs(case):
    if not case.rapid_review_sent_on:
        return
    signed_on = subtract_working_days(case.rapid_review_sent_on, 1)
    for partner, name in [
        (PartnerSignOff.Partner.LOCAL_AUTHORITY, "Director of Children's Services"),
        (PartnerSignOff.Partner.ICB, "Chief Nurse, integrated care board"),
        (PartnerSignOff.Partner.POLICE, "Detective Chief Superintendent"),
    ]:
        PartnerSignOff.objects.get_or_create(
            case=case, partner=partner, defaults={"signed_by": name, "signed_on": signed_on}
        )


def _information_requests(case, agency_names, today=None):
    for position, short_name in enumerate(agency_names):
        agency = _agency(short_name)
        if agency is None:
            continue
        request, created = InformationRequest.objects.get_or_create(
            case=case,
            agency=agency,
            defaults={"requested_on": add_working_days(case.notified_on, 1)},
        )
        if created and today is None:
            # A closed case: every chronology came back in time.
            request.returned_on = subtract_working_days(request.due_on, 1 + position)
            request.save(update_fields=["returned_on"])


@transaction.atomic
def build_case_log(today=None):
    """The case log for the last three financial years and an open rapid review today."""
    today = today or timezone.localdate()
    seed_referral_reasons()
    reasons = {reason.name: reason for reason in ReferralReason.objects.all()}
    first_year = financial_year_start(today).year - len(YEARS)
    cases = []
    number = 0
    for offset, specs in enumerate(YEARS):
        year = first_year + offset
        start = datetime.date(year, 4, 1)
        for position, (days, reason, path) in enumerate(specs, start=1):
            number += 1
            referred_on = _working_day_on_or_after(start + datetime.timedelta(days=days))
            case = _case(
                f"SI-{year % 100:02d}{(year + 1) % 100:02d}-{position:02d}",
                child_pseudonym=f"Child {PSEUDONYMS[number % len(PSEUDONYMS)]}",
                age_band=["under_1", "1_4", "5_9", "10_15", "16_17"][number % 5],
                referred_on=referred_on,
                incident_on=referred_on - datetime.timedelta(days=1),
                referring_agency=_agency(REFERRING_AGENCIES[number % len(REFERRING_AGENCIES)]),
                referral_reason=reasons[reason],
                **_dates(path, referred_on, number),
            )
            _sign_offs(case)
            if case.notified_on:
                _information_requests(case, ["Police", "CHFT", "Children's Services"])
            cases.append(case)
    # Open today: notified, its rapid review still gathering chronologies; the police's is late.
    referred_on = subtract_working_days(today, 9)
    this_year = financial_year_start(today).year
    open_case = _case(
        f"SI-{this_year % 100:02d}{(this_year + 1) % 100:02d}-OPEN",
        child_pseudonym="Child Q",
        age_band="under_1",
        referred_on=referred_on,
        referring_agency=_agency("CHFT"),
        referral_reason=reasons["Physical abuse"],
        notified_on=add_working_days(referred_on, 2),
    )
    _information_requests(open_case, ["CHFT", "Locala", "Children's Services"], today=today)
    police = _agency("Police")
    if police is not None:
        InformationRequest.objects.get_or_create(
            case=open_case,
            agency=police,
            defaults={
                "requested_on": add_working_days(open_case.notified_on, 1),
                "due_on": subtract_working_days(today, 1),
                "asked": "Police national computer checks, domestic abuse call-outs and a "
                "chronology of contact with the household.",
            },
        )
    cases.append(open_case)
    return cases
