"""Who keeps a listing, and when its listings were last verified, carried over in bulk."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crossroads.core.models import AuditEvent
from crossroads.directory import actions
from crossroads.directory.models import Organization, SearchEntry, Service, VerificationTask
from tests.factories import make_agency, make_service, make_user

pytestmark = pytest.mark.django_db


def test_an_organization_is_handed_to_the_agency_that_keeps_it_and_released() -> None:
    service = make_service()
    organization = Organization.objects.get(pk=service.organization_id)
    agency = make_agency(type="crisis_facility")
    actions.organization_assign_agency(by=None, organization=organization, agency=agency)
    assert Organization.objects.get(pk=organization.pk).agency == agency
    actions.organization_assign_agency(by=None, organization=organization, agency=None)
    assert Organization.objects.get(pk=organization.pk).agency is None
    events = AuditEvent.objects.filter(verb="directory.organization_assign_agency")
    assert [e.detail["agency"] for e in events.order_by("seq")] == [str(agency.pk), None]


def test_verification_days_are_carried_over_and_the_sweep_acts_on_them() -> None:
    today = timezone.localdate()
    fresh, stale = make_service("Fresh line"), make_service("Stale line")
    organization_id = fresh.organization_id
    carried = {
        ("service", fresh.pk): today - timedelta(days=3),
        ("service", stale.pk): today - timedelta(days=400),
        ("organization", organization_id): today - timedelta(days=10),
    }
    assert actions.verifications_import(by=None, verified_on=carried) == 3
    assert Service.objects.get(pk=fresh.pk).last_verified_on == today - timedelta(days=3)
    assert SearchEntry.objects.get(service_id=stale.pk).verified_on == today - timedelta(days=400)
    (event,) = AuditEvent.objects.filter(verb="directory.verifications_import")
    assert event.detail == {"organization": 1, "service": 2, "location": 0}
    actions.verification_tasks_open(today=today)
    overdue = set(
        VerificationTask.objects.filter(status="open").values_list("record_table", "record_id")
    )
    assert ("service", stale.pk) in overdue
    assert ("service", fresh.pk) not in overdue
    assert ("organization", organization_id) not in overdue


def test_nothing_is_carried_over_from_a_list_with_a_problem() -> None:
    service = make_service()
    today = timezone.localdate()
    wrong = {
        ("service", service.pk): date(2026, 1, 5),
        ("service", uuid.uuid4()): date(2026, 1, 5),
        ("phone", uuid.uuid4()): date(2026, 1, 5),
        ("organization", service.organization_id): today + timedelta(days=30),
    }
    with pytest.raises(ValidationError) as refused:
        actions.verifications_import(by=None, verified_on=wrong)
    reasons = " ".join(refused.value.message_dict["verified_on"])
    assert "not in the directory" in reasons
    assert "only organizations, services and locations" in reasons
    assert "in the future" in reasons
    assert Service.objects.get(pk=service.pk).last_verified_on is None
    assert not AuditEvent.objects.filter(verb="directory.verifications_import").exists()


def test_only_the_directory_maintainer_carries_verifications_over() -> None:
    service = make_service()
    intake = make_user(make_agency(type="crisis_facility"), "provider_intake")
    with pytest.raises(PermissionDenied):
        actions.verifications_import(
            by=intake, verified_on={("service", service.pk): timezone.localdate()}
        )
