"""The demo county's casework: referrals in every state, consents that hold, lapsed and were
revoked, and cases in every program with the timings the programs report (issue 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crossroads.consent.models import Consent
from crossroads.consent.policy import NO_CONSENT
from crossroads.demo.county import County, build_county
from crossroads.programs.models import Case, CaseEvent
from crossroads.programs.types import program_types
from crossroads.referrals.models import Referral
from crossroads.referrals.queries import provider_status_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> County:
    return build_county(calls_per_day=0, history_days=0)


def test_referrals_in_every_state_of_the_loop(county: County) -> None:
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(Referral.Status.values)
    unanswered = Referral.objects.filter(status="sent", acknowledge_by__lt=timezone.now())
    assert unanswered.exists()  # their senders have a task waiting


def test_consents_that_hold_that_lapsed_and_that_were_revoked(county: County) -> None:
    now = timezone.now()
    consents = Consent.objects.all()
    assert consents.filter(revoked_at__isnull=True, expires_at__gt=now).count() >= 10
    assert consents.filter(expires_at__lte=now).exists()
    assert consents.filter(revoked_at__isnull=False).exists()


def test_the_officer_sees_engagement_only_where_a_consent_names_the_police(county: County) -> None:
    officer = next(user for user in county.sign_ins if user.username == "officer")
    engaged = Referral.objects.filter(agency=officer.agency, status="first_service")
    shown = {provider_status_for(officer, referral, "page").label for referral in engaged}
    assert shown == {"Engaged in treatment", NO_CONSENT}


def test_cases_in_every_program_with_believable_timings(county: County) -> None:
    assert set(Case.objects.values_list("program__type", flat=True)) == set(program_types())
    angel = Case.objects.filter(program__type="angel")
    eligible = angel.exclude(status="ineligible")
    placed = eligible.filter(placed_at__isnull=False)
    assert placed.count() >= 0.8 * eligible.count()  # Gloucester placed 94.5% directly
    assert all(c.placed_at - c.opened_at < timedelta(hours=8) for c in placed)  # type: ignore[operator]
    lead = Case.objects.filter(program__type="lead")
    in_time = [
        case
        for case in lead
        if case.events.filter(
            kind=CaseEvent.Kind.STATUS, value="enrolled", at__lte=case.intake_deadline_at
        ).exists()
    ]
    assert len(in_time) >= 0.75 * lead.count()
    assert lead.filter(charge_status=Case.Charge.FILED).count() == 1
    assert lead.filter(charge_status=Case.Charge.NOT_FILED).count() == len(in_time)
