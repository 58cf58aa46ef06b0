"""Recording a certification: validated, one audit event."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crossroads.core import actions as core_actions
from crossroads.core.models import AuditEvent
from crossroads.training.actions import certification_record
from crossroads.training.models import CIT, Certification
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

ISSUED = date(2025, 3, 20)
EXPIRES = date(2028, 3, 20)


def test_a_certification_is_recorded_with_one_audit_event() -> None:
    agency = make_agency()
    coordinator = make_user(agency, "cit_coordinator")
    officer = make_user(agency, "officer")
    held = certification_record(
        by=coordinator, officer=officer, course=CIT, issued_on=ISSUED, expires_on=EXPIRES
    )
    assert (held.agency, held.officer, held.course) == (agency, officer, CIT)
    assert Certification.objects.cit_certified([officer.pk], date(2026, 1, 1)) == {officer.pk}
    assert Certification.objects.cit_certified([officer.pk], EXPIRES + timedelta(days=1)) == set()
    event = AuditEvent.objects.get(verb="certification.record")
    assert (event.actor, event.agency, event.object_id) == (coordinator, agency, str(held.pk))
    assert event.detail["expires_on"] == "2028-03-20"


def test_a_renewal_is_a_new_record_and_the_same_one_twice_is_refused() -> None:
    officer = make_user(make_agency(), "officer")
    certification_record(by=None, officer=officer, course=CIT, issued_on=ISSUED, expires_on=EXPIRES)
    certification_record(
        by=None,
        officer=officer,
        course=CIT,
        issued_on=date(2026, 3, 20),
        expires_on=date(2029, 3, 20),
    )
    with pytest.raises(ValidationError, match="already recorded"):
        certification_record(
            by=None, officer=officer, course=CIT, issued_on=ISSUED, expires_on=EXPIRES
        )
    assert Certification.objects.filter(officer=officer).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expires_on": ISSUED}, "expires_on"),
        ({"course": "CIT 40h"}, "course"),
        ({}, "issued_on"),  # in the future: set below, from today
    ],
)
def test_bad_dates_and_courses_are_refused(change: dict[str, object], field: str) -> None:
    officer = make_user(make_agency(), "officer")
    given: dict[str, object] = {"course": CIT, "issued_on": ISSUED, "expires_on": EXPIRES} | change
    if field == "issued_on":
        given["issued_on"] = timezone.localdate() + timedelta(days=2)
        given["expires_on"] = timezone.localdate() + timedelta(days=1000)
    with pytest.raises(ValidationError) as refused:
        certification_record(by=None, officer=officer, **given)  # type: ignore[arg-type]
    assert field in refused.value.message_dict
    assert not Certification.objects.exists()
    assert not AuditEvent.objects.filter(verb="certification.record").exists()


def test_only_an_officers_own_agency_records_it_and_not_for_a_closed_account() -> None:
    officer = make_user(make_agency(), "officer")
    stranger = make_user(make_agency(), "cit_coordinator")
    with pytest.raises(ValidationError, match="own agency"):
        certification_record(
            by=stranger, officer=officer, course=CIT, issued_on=ISSUED, expires_on=EXPIRES
        )
    core_actions.user_deactivate(user=officer, by=None)
    with pytest.raises(ValidationError, match="deactivated"):
        certification_record(
            by=None, officer=officer, course=CIT, issued_on=ISSUED, expires_on=EXPIRES
        )
    assert not Certification.objects.exists()
