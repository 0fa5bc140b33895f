"""One case for one reference, whatever its letters' case, and one alert for ten identical
requests at once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.case_import import import_case_log
from reviews.models import Case
from tests.factories import CaseFactory
from tests.test_case_log_import import csv_bytes

pytestmark = pytest.mark.django_db


def test_a_reference_differing_only_in_case_updates_the_same_case():
    assert import_case_log("log.csv", csv_bytes("SI-2324-01,02/03/2020,Neglect,,,,,,,")).ok
    result = import_case_log("log.csv", csv_bytes("si-2324-01,02/03/2020,Neglect,05/03/2020,,,,,,"))
    assert result.ok and not result.created and len(result.updated) == 1
    case = Case.objects.get()
    assert case.reference == "SI-2324-01" and case.notified_on == datetime.date(2020, 3, 5)


def test_a_second_case_whose_reference_differs_only_in_case_is_refused():
    CaseFactory(reference="SI-2324-01")
    twin = CaseFactory.build(
        reference="si-2324-01", referral_reason=Case.objects.get().referral_reason
    )
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "There is already a case with this reference." in refused.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            reference="si-2324-01",
            referred_on=datetime.date(2020, 3, 2),
            referral_reason=Case.objects.get().referral_reason,
        )
    assert Case.objects.count() == 1
