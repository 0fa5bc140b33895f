"""The case log's statutory clocks across bank holidays, who sees what of it, information
requests and their reminders, and the review page whose dates come from the case."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviews.cases import information_requests_for
from reviews.models import Case, ReviewPage
from reviews.tasks import send_information_request_reminders

from .conftest import client_for
from .factories import (
    CaseFactory,
    InformationRequestFactory,
    PartnerSignOffFactory,
    ReviewPageFactory,
)


def d(text):
    return datetime.date.fromisoformat(text)


def states(case):
    return {step.name: step.state for step in case.timeline()}


# --- Statutory clocks --------------------------------------------------------------------------


def test_notification_clock_skips_good_friday_and_easter_monday(db):
    # Learned of on Thursday 18 April 2019: Good Friday and Easter Monday are not working days.
    case = CaseFactory(referred_on=d("2019-04-18"), notified_on=d("2019-04-29"))
    assert case.notification_due == d("2019-04-29")
    assert states(case)["Notification to the national Panel"] == "met"
    case.notified_on = d("2019-04-30")
    case.save()
    assert states(case)["Notification to the national Panel"] == "missed"


def test_rapid_review_clock_runs_over_christmas_and_new_year(db):
    case = CaseFactory(
        referred_on=d("2019-12-18"),
        notified_on=d("2019-12-20"),
        rapid_review_sent_on=d("2020-01-15"),
    )
    # 15 working days from Friday 20 December, without 25, 26 December and 1 January.
    assert case.rapid_review_due == d("2020-01-15")
    assert states(case)["Rapid review sent to the Panel"] == "met"
    case.rapid_review_sent_on = d("2020-01-16")
    case.save()
    assert states(case)["Rapid review sent to the Panel"] == "missed"


def test_open_clocks_are_due_then_due_soon_then_missed(db, monkeypatch):
    case = CaseFactory(referred_on=d("2026-05-01"))  # Friday before the early May bank holiday
    assert case.notification_due == d("2026-05-11")
    step = "Notification to the national Panel"
    monkeypatch.setattr(timezone, "localdate", lambda: d("2026-05-01"))
    assert states(case)[step] == "due"
    monkeypatch.setattr(timezone, "localdate", lambda: d("2026-05-05"))
    assert states(case)[step] == "due_soon"
    monkeypatch.setattr(timezone, "localdate", lambda: d("2026-05-12"))
    assert states(case)[step] == "missed"


def test_a_decision_not_to_notify_stops_the_clock_and_keeps_the_reason(db, business_unit):
    case = CaseFactory(referred_on=d("2020-01-06"), not_notified_reason="Threshold not met")
    notification, rapid_review = case.timeline()
    assert notification.state == "not_required"
    assert "decided not to notify" in notification.name
    assert notification.rule == "Threshold not met"
    # Without a notification no rapid review clock starts, now or later.
    assert rapid_review.state == "not_required"
    page = client_for(business_unit).get(case.get_absolute_url()).content.decode()
    assert page.count("Not required") == 2
    assert "Not yet applicable" not in page


def test_an_lcspr_runs_to_six_months_and_its_report_goes_seven_working_days_before(db):
    case = CaseFactory(
        referred_on=d("2019-08-01"),
        notified_on=d("2019-08-05"),
        decision="lcspr",
        decision_on=d("2019-08-31"),
        report_sent_on=d("2020-02-20"),
        published_on=d("2020-03-02"),
    )
    assert case.publication_due == d("2020-02-29")  # six months, in a leap year
    assert case.report_notice_due == d("2020-02-20")  # 7 working days before 2 March
    assert states(case)["LCSPR published"] == "missed"
    assert states(case)["Report sent to the Panel and the Secretary of State"] == "met"
    assert case.kept_online_until == d("2021-03-02")
    case.unpublished_on = d("2020-12-01")
    assert case.unpublished_too_early


def test_information_requests_are_due_ten_working_days_after_the_notification(db):
    request = InformationRequestFactory(case__notified_on=d("2019-12-20"))
    assert request.due_on == d("2020-01-08")


def test_the_case_page_shows_each_clock_and_warns_before_early_unpublishing(db, business_unit):
    case = CaseFactory(
        referred_on=d("2019-04-18"),
        notified_on=d("2019-04-30"),
        decision="lcspr",
        decision_on=d("2019-05-20"),
        published_on=d("2019-11-01"),
        unpublished_on=d("2020-06-01"),
    )
    PartnerSignOffFactory(case=case, signed_by="Chief Superintendent Jones")
    page = client_for(business_unit).get(case.get_absolute_url()).content.decode()
    assert "Missed" in page and "Met" in page
    assert "Chief Superintendent Jones" in page
    assert "must stay online for at least a year" in page


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/tracker/cases/",
        "/tracker/yearly-report/",
        "/tracker/yearly-report/records/?figure=referrals",
        "/tracker/yearly-report/report.json",
        "/tracker/yearly-report/report.docx",
        "/tracker/yearly-report/report.xlsx",
    ],
)
def test_practitioners_and_agency_leads_see_nothing_of_the_case_log(
    db, practitioner, police_lead, url
):
    CaseFactory()
    assert client_for(practitioner).get(url).status_code == 403
    assert client_for(police_lead).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_practitioners_get_no_case_or_information_request(db, practitioner):
    request = InformationRequestFactory()
    assert client_for(practitioner).get(request.case.get_absolute_url()).status_code == 403
    assert client_for(practitioner).get("/tracker/information-requests/").status_code == 403
    assert list(information_requests_for(practitioner)) == []


def test_the_scrutineer_and_business_manager_read_the_case_log(db, scrutineer, business_manager):
    case = CaseFactory(reference="SI-2020-07")
    for user in (scrutineer, business_manager):
        assert "SI-2020-07" in client_for(user).get("/tracker/cases/").content.decode()
        assert client_for(user).get(case.get_absolute_url()).status_code == 200


def test_an_agency_lead_sees_only_their_own_agencys_information_requests(
    db, police, health, police_lead
):
    case = CaseFactory(reference="SI-2021-02", notified_on=d("2021-03-01"))
    ours = InformationRequestFactory(case=case, agency=police, asked="Police chronology please")
    InformationRequestFactory(case=case, agency=health, asked="Health chronology please")
    assert list(information_requests_for(police_lead)) == [ours]
    page = client_for(police_lead).get("/tracker/information-requests/").content.decode()
    assert "Police chronology please" in page
    assert "Health chronology please" not in page


def test_an_agency_lead_returns_a_chronology_only_for_their_agency(
    db, police, health, police_lead, business_unit
):
    case = CaseFactory(notified_on=d("2021-03-01"))
    ours = InformationRequestFactory(case=case, agency=police)
    theirs = InformationRequestFactory(case=case, agency=health)
    client = client_for(police_lead)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    refused = client.post(
        f"/tracker/information-requests/{theirs.pk}/return/",
        {"file": SimpleUploadedFile("chronology.pdf", pdf)},
    )
    assert refused.status_code == 404
    client.post(
        f"/tracker/information-requests/{ours.pk}/return/",
        {"file": SimpleUploadedFile("chronology.pdf", pdf)},
    )
    ours.refresh_from_db()
    assert ours.returned_on == timezone.localdate()
    assert list(information_requests_for(police_lead)) == []
    download = client_for(business_unit).get(f"/tracker/information-requests/{ours.pk}/file/")
    assert download.status_code == 200
    assert client.get(f"/tracker/information-requests/{ours.pk}/file/").status_code == 200
    other_lead_download = client_for(None).get(f"/tracker/information-requests/{ours.pk}/file/")
    assert other_lead_download.status_code == 302


def test_a_chronology_that_is_not_a_document_is_refused(db, police, police_lead):
    request = InformationRequestFactory(agency=police)
    response = client_for(police_lead).post(
        f"/tracker/information-requests/{request.pk}/return/",
        {"file": SimpleUploadedFile("chronology.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert "not a PDF" in response.content.decode()
    request.refresh_from_db()
    assert request.returned_on is None


# --- Reminders ----------------------------------------------------------------------------------


def test_overdue_information_requests_are_chased_once_a_day_to_their_own_agency(
    db, police, health, police_lead, health_lead
):
    InformationRequestFactory(case__reference="SI-2026-01", agency=police, due_on=d("2026-03-02"))
    today = d("2026-03-04")
    assert send_information_request_reminders(today=today) == 1
    assert send_information_request_reminders(today=today) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["police-lead@example.org"]
    assert "SI-2026-01" in mail.outbox[0].body and "overdue" in mail.outbox[0].body
    assert send_information_request_reminders(today=d("2026-03-05")) == 1


# --- The review page -------------------------------------------------------------------------


def test_a_case_creates_its_draft_review_with_the_dates_entered_once(db, business_unit):
    from reviews.models import ReviewIndexPage

    from .factories import _index

    _index(ReviewIndexPage, "Reviews", "reviews")
    case = CaseFactory(
        reference="SI-2020-04",
        child_pseudonym="Child K",
        referred_on=d("2020-02-03"),
        notified_on=d("2020-02-05"),
        decision="lcspr",
        decision_on=d("2020-02-26"),
    )
    response = client_for(business_unit).post(f"/tracker/cases/{case.pk}/review/")
    assert response.status_code == 302
    case.refresh_from_db()
    page = case.review
    assert not page.live and page.visibility == "partnership"
    assert page.notification_date == d("2020-02-05")
    assert page.decision == ReviewPage.Decision.LCSPR
    # A date corrected on the case reaches the page and its draft.
    case.published_on = d("2020-08-20")
    case.save()
    page = ReviewPage.objects.get(pk=page.pk)
    assert page.publication_date == d("2020-08-20")
    assert page.get_latest_revision_as_object().publication_date == d("2020-08-20")


def test_a_linked_published_review_takes_the_case_dates(db):
    page = ReviewPageFactory(kind="lcspr")
    CaseFactory(review=page, referred_on=d("2021-06-01"), notified_on=d("2021-06-03"))
    page = ReviewPage.objects.get(pk=page.pk)
    assert page.aware_date == d("2021-06-01")
    assert page.notification_date == d("2021-06-03")
    assert Case.objects.get().review == page


def test_the_review_editor_shows_the_case_dates_but_does_not_take_edits(db, business_manager):
    page = ReviewPageFactory(kind="lcspr")
    CaseFactory(reference="SI-2021-09", review=page, notified_on=d("2021-06-03"))
    response = client_for(business_manager).get(f"/admin/pages/{page.pk}/edit/")
    html = response.content.decode()
    assert "From the case log (SI-2021-09): edit it there." in html
    assert 'name="notification_date"' in html
    field = html[
        html.index('name="notification_date"') - 300 : html.index('name="notification_date"') + 300
    ]
    assert "disabled" in field


def test_the_editor_refuses_a_notification_before_the_referral(db):
    from django.core.exceptions import ValidationError

    case = CaseFactory.build(
        referred_on=d("2021-06-10"), notified_on=d("2021-06-01"), referral_reason=None
    )
    with pytest.raises(ValidationError) as refused:
        case.clean()
    assert "is before the referral" in str(refused.value.message_dict["notified_on"])


@pytest.mark.parametrize("rows", [2, 12])
def test_the_case_log_and_requests_pages_run_a_fixed_number_of_queries(
    db, rows, business_unit, police, police_lead, django_assert_max_num_queries
):
    for n in range(rows):
        InformationRequestFactory(case__reference=f"SI-Q{n}", agency=police)
    office, lead = client_for(business_unit), client_for(police_lead)
    office.get("/tracker/cases/")  # the first request of a session sets up the site's settings
    lead.get("/tracker/information-requests/")
    with django_assert_max_num_queries(12):
        assert office.get("/tracker/cases/").status_code == 200
    with django_assert_max_num_queries(12):
        assert lead.get("/tracker/information-requests/").status_code == 200


def test_the_business_unit_keeps_the_case_log_in_the_editor(db, business_unit, police_lead):
    case = CaseFactory(reference="SI-2022-01")
    office = client_for(business_unit)
    assert office.get("/admin/snippets/reviews/case/add/").status_code == 200
    edit = office.get(f"/admin/snippets/reviews/case/edit/{case.pk}/")
    assert edit.status_code == 200 and "SI-2022-01" in edit.content.decode()
    assert client_for(police_lead).get("/admin/snippets/reviews/case/").status_code in (302, 403)


def _opened_case_form(client, case, **changes):
    """What the editor posts when the case is saved as opened in `client`, with `changes`."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    page = client.get(f"/admin/snippets/reviews/case/edit/{case.pk}/").content.decode()
    opened = re.search(r'name="edited_from" value="([^"]*)"', page)
    fields = {
        "reference": case.reference,
        "referred_on": case.referred_on.isoformat(),
        "referral_reason": case.referral_reason_id,
        "notified_on": "",
        "not_notified_reason": "",
        "sign_offs": inline_formset([]),
        "information_requests": inline_formset([]),
        "edited_from": opened.group(1) if opened else "",
    }
    return nested_form_data(fields | changes)


def test_a_case_officer_saving_a_case_someone_saved_since_they_opened_it_is_refused_and_the_first_save_stands(  # noqa: E501
    db, business_unit
):
    case = CaseFactory(reference="SI-2022-07", referred_on=d("2022-03-01"))
    address = f"/admin/snippets/reviews/case/edit/{case.pk}/"
    first, second = client_for(business_unit), client_for(business_unit)
    first_form = _opened_case_form(first, case, notified_on="2022-03-04")
    second_form = _opened_case_form(second, case, notified_on="2022-03-07")

    assert first.post(address, first_form).status_code == 302
    refused = second.post(address, second_form)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Someone else saved this case while you were editing it" in page
    assert "open the case again" in page
    case.refresh_from_db()
    assert case.notified_on == d("2022-03-04")
    # Opened again, the second officer sees the first's date and can save theirs over it.
    reopened = _opened_case_form(second, case, notified_on="2022-03-07")
    assert second.post(address, reopened).status_code == 302
    case.refresh_from_db()
    assert case.notified_on == d("2022-03-07")


def test_a_case_saved_from_a_form_that_does_not_say_when_it_was_opened_is_refused(
    db, business_unit
):
    case = CaseFactory(reference="SI-2022-08", referred_on=d("2022-03-01"))
    office = client_for(business_unit)
    form = _opened_case_form(office, case, notified_on="2022-03-04", edited_from="")

    refused = office.post(f"/admin/snippets/reviews/case/edit/{case.pk}/", form)

    assert refused.status_code == 200
    assert "nothing was saved" in refused.content.decode()
    case.refresh_from_db()
    assert case.notified_on is None


def test_a_case_recorded_in_the_editor_gets_its_clocks_and_request_due_dates(
    db, business_unit, police
):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from reviews.models import ReferralReason

    data = nested_form_data(
        {
            "reference": "SI-2019-12",
            "referred_on": "2019-12-18",
            "referral_reason": ReferralReason.objects.get(name="Neglect").pk,
            "notified_on": "2019-12-20",
            "not_notified_reason": "",
            "sign_offs": inline_formset([]),
            "information_requests": inline_formset(
                [
                    {
                        "agency": police.pk,
                        "asked": "Chronology of police contact",
                        "requested_on": "2019-12-20",
                        "due_on": "",
                    }
                ]
            ),
        }
    )
    response = client_for(business_unit).post("/admin/snippets/reviews/case/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(reference="SI-2019-12")
    assert case.rapid_review_due == d("2020-01-15")
    assert case.information_requests.get().due_on == d("2020-01-08")
