"""Bringing the old case log in: every row checked first, all rows apply or none, each problem
by row, column and reason; re-importing a reference updates its case."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from reviews.case_import import MAX_CASE_LOG_BYTES, CaseLogError, Problem, import_case_log
from reviews.models import Case

from .conftest import client_for

HEADINGS = (
    "Reference,Referred on,Referral reason,Notified on,Rapid review meeting on,"
    "Rapid review sent on,Decision,Decision on,Published on,Cost"
)


def csv_bytes(*rows, headings=HEADINGS):
    return ("\n".join([headings, *rows]) + "\n").encode()


GOOD = csv_bytes(
    'RR-2020-01,02/03/2020,Neglect,05/03/2020,16/03/2020,24/03/2020,LCSPR,24/03/2020,,"£9,500"',
    "RR-2020-02,2020-03-09,physical abuse,,,,,,,",
)


def test_a_clean_log_creates_every_case_with_its_clocks(db):
    result = import_case_log("log.csv", GOOD)
    assert result.ok and len(result.created) == 2
    case = Case.objects.get(reference="RR-2020-01")
    assert case.referral_reason.name == "Neglect"
    assert case.notified_on == datetime.date(2020, 3, 5)
    assert case.decision == "lcspr" and case.cost == Decimal("9500.00")
    assert case.notification_due == datetime.date(2020, 3, 9)
    assert case.publication_due == datetime.date(2020, 9, 24)
    assert Case.objects.get(reference="RR-2020-02").referral_reason.name == "Physical abuse"


def test_one_bad_row_means_nothing_is_imported_and_each_problem_is_named(db):
    data = csv_bytes(
        "RR-1,02/03/2020,Neglect,05/03/2020,,,,,,",
        "RR-2,31/02/2020,Neglect,,,,,,,",
        "RR-3,02/03/2020,Burglary,,,,Full review,01/04/2020,,-5",
        "RR-1,02/03/2020,Neglect,01/03/2020,,,LCSPR,,,",
    )
    result = import_case_log("log.csv", data)
    assert not result.ok
    assert Case.objects.count() == 0
    problems = {(p.row, p.column) for p in result.problems}
    assert (3, "Referred on") in problems
    assert (4, "Referral reason") in problems
    assert (4, "Decision") in problems
    assert (4, "Cost") in problems
    assert (5, "Reference") in problems  # RR-1 twice
    assert (5, "Notified on") in problems  # notified before it was referred
    assert (5, "Decision on") in problems  # a decision without its date
    reasons = {(p.row, p.column): p.reason for p in result.problems}
    assert "is not a date" in reasons[(3, "Referred on")]
    assert (
        "use one of LCSPR, National review, Local learning review, No further review"
        in (reasons[(4, "Decision")])
    )
    assert str(Problem(4, "Cost", "A cost cannot be negative.")) == (
        "Row 4, Cost: A cost cannot be negative."
    )


def test_reimporting_the_same_references_updates_rather_than_duplicates(db):
    import_case_log("log.csv", csv_bytes("RR-1,02/03/2020,Neglect,,,,,,,"))
    result = import_case_log(
        "log.csv",
        csv_bytes("RR-1,02/03/2020,Neglect,04/03/2020,,,No further review,20/03/2020,,"),
    )
    assert result.ok and len(result.updated) == 1 and not result.created
    case = Case.objects.get()
    assert case.notified_on == datetime.date(2020, 3, 4)
    assert case.get_decision_display() == "No further review"


def test_other_columns_are_ignored_and_missing_headings_are_named(db):
    data = csv_bytes(
        "RR-1,Notes here,02/03/2020,Neglect", headings="Reference,Notes,Referred on,Referral reason"
    )
    assert import_case_log("log.csv", data).ok
    with pytest.raises(CaseLogError, match='missing "Referral reason"'):
        import_case_log("log.csv", csv_bytes("RR-1,02/03/2020", headings="Reference,Referred on"))


def test_an_excel_log_with_real_dates_is_read(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS.split(","))
    sheet.append(
        [
            "RR-9",
            datetime.datetime(2021, 5, 4),
            "Suicide",
            None,
            None,
            None,
            "Local learning review",
            datetime.datetime(2021, 5, 20),
            None,
            1200,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_case_log("log.xlsx", buffer.getvalue())
    assert result.ok
    case = Case.objects.get(reference="RR-9")
    assert case.decision == "learning_review" and case.cost == Decimal("1200.00")


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("log.pdf", b"%PDF-1.4", "must be a .csv or .xlsx file"),
        ("log.xlsx", b"not a workbook", "could not be read"),
        ("log.csv", b"", "the file is empty"),
        ("log.csv", b"Reference\x00\x00", "not a CSV text file"),
        ("log.csv", b"x" * (MAX_CASE_LOG_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_wrong_or_huge_files_are_refused_clearly(db, name, data, message):
    with pytest.raises(CaseLogError, match=message):
        import_case_log(name, data)
    assert Case.objects.count() == 0


def test_the_command_reports_problems_and_changes_nothing(db, tmp_path, capsys):
    bad = tmp_path / "log.csv"
    bad.write_bytes(csv_bytes("RR-1,02/03/2020,Burglary,,,,,,,"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_case_log", str(bad))
    assert "Row 2, Referral reason" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("RR-1,02/03/2020,Neglect,,,,,,,"))
    call_command("import_case_log", str(good))
    assert "Imported 1 new case(s) and updated 0 (0 unchanged)." in capsys.readouterr().out


def test_the_business_unit_imports_in_the_admin_and_sees_row_errors(db, business_unit):
    client = client_for(business_unit)
    bad = SimpleUploadedFile("log.csv", csv_bytes("RR-1,02/03/2020,Burglary,,,,,,,"))
    response = client.post("/admin/case-log/import/", {"file": bad})
    page = response.content.decode()
    assert "nothing was imported" in page and "Burglary" in page
    assert Case.objects.count() == 0
    good = SimpleUploadedFile("log.csv", csv_bytes("RR-1,02/03/2020,Neglect,,,,,,,"))
    response = client.post("/admin/case-log/import/", {"file": good}, follow=True)
    assert "Imported 1 new case(s)" in response.content.decode()


def test_an_agency_lead_cannot_import_a_case_log(db, police_lead):
    response = client_for(police_lead).get("/admin/case-log/import/")
    assert response.status_code in (302, 403)


def test_reimporting_an_unchanged_log_changes_nothing_and_dates_reach_the_review(db):
    from .factories import ReviewPageFactory

    import_case_log("log.csv", csv_bytes("RR-1,02/03/2020,Neglect,,,,,,,"))
    again = import_case_log("log.csv", csv_bytes("RR-1,02/03/2020,Neglect,,,,,,,"))
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 1)
    page = ReviewPageFactory(kind="lcspr")
    Case.objects.filter(reference="RR-1").update(review=page)
    import_case_log("log.csv", csv_bytes("RR-1,02/03/2020,Neglect,04/03/2020,,,,,,"))
    page.refresh_from_db()
    assert page.notification_date == datetime.date(2020, 3, 4)


def test_problems_name_the_row_the_spreadsheet_shows_even_after_blank_rows(db):
    data = csv_bytes(
        "RR-1,02/03/2020,Neglect,,,,,,,", ",,,,,,,,,", "RR-2,02/03/2020,Burglary,,,,,,,"
    )
    result = import_case_log("log.csv", data)
    assert [(p.row, p.column) for p in result.problems] == [(4, "Referral reason")]


def test_a_case_log_with_the_referred_on_column_twice_is_refused_naming_the_heading_and_nothing_is_imported(  # noqa: E501
    db, business_unit
):
    data = csv_bytes(
        "RR-2020-05,02/03/2020,Neglect,,,,,,,,03/03/2020",
        headings=HEADINGS + ",Referred on",
    )
    response = client_for(business_unit).post(
        "/admin/case-log/import/", {"file": SimpleUploadedFile("log.csv", data)}
    )

    page = response.content.decode()
    assert "the heading “Referred on” is in more than one column (B and K)" in page
    assert Case.objects.count() == 0


def test_a_case_log_with_a_misspelt_heading_is_refused_with_the_heading_it_looks_like_and_nothing_is_imported(  # noqa: E501
    db, business_unit
):
    # "Notifed on": without the check its column of dates would be left out without a word.
    data = csv_bytes(
        "RR-2020-06,02/03/2020,Neglect,05/03/2020,,,,,,",
        headings=HEADINGS.replace("Notified on", "Notifed on"),
    )
    response = client_for(business_unit).post(
        "/admin/case-log/import/", {"file": SimpleUploadedFile("log.csv", data)}
    )

    page = response.content.decode()
    assert "the heading “Notifed on” (column D) is not one the import reads" in page
    assert "did you mean “Notified on”?" in page
    assert Case.objects.count() == 0


def test_a_case_log_with_a_column_of_its_own_notes_is_imported_without_it(db):
    data = csv_bytes(
        "RR-2020-07,02/03/2020,Neglect,05/03/2020,,,,,,,Chased police twice",
        headings=HEADINGS + ",Notes",
    )

    result = import_case_log("log.csv", data)

    assert result.ok and [case.reference for case in result.created] == ["RR-2020-07"]


def test_each_case_the_import_makes_or_changes_says_so_in_its_history(db, business_unit):
    """History is kept whichever way a case changes: the editor's saves and the import both
    write to the case's history, the import naming its file, who ran it and what it changed."""
    client = client_for(business_unit)

    def imported(*rows):
        upload = SimpleUploadedFile("october-log.csv", csv_bytes(*rows))
        return client.post("/admin/case-log/import/", {"file": upload}, follow=True)

    def history(case):
        page = client.get(f"/admin/snippets/reviews/case/history/{case.pk}/")
        assert page.status_code == 200
        return page.content.decode()

    assert (
        "Imported 1 new case" in imported("RR-2021-04,02/03/2021,Neglect,,,,,,,").content.decode()
    )
    case = Case.objects.get(reference="RR-2021-04")
    first = history(case)
    assert "Recorded by the import of october-log.csv." in first
    assert business_unit.username in first or business_unit.get_full_name() in first

    imported("RR-2021-04,02/03/2021,Neglect,05/03/2021,,,,,,")
    later = history(case)
    assert "Changed by the import of october-log.csv: Notified on." in later
    # Imported again unchanged, it adds nothing to the history.
    imported("RR-2021-04,02/03/2021,Neglect,05/03/2021,,,,,,")
    assert history(case).count("by the import of october-log.csv") == 2
