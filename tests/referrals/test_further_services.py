"""Further services after the first: the provider records each one as another move to
`first_service` (HEDIS engagement counts them), on its page and through the API. The referral
stays engaged, its first service keeps its time, each service is audited, only the provider may
record one, and the sender learns nothing new from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crossroads.consent.models import DisclosureRecord
from crossroads.core.models import AuditEvent
from crossroads.referrals import actions
from crossroads.referrals.models import Referral
from tests.factories import make_consent, signed_in_client
from tests.referrals.conftest import ALL_INFORMATION, County

pytestmark = pytest.mark.django_db
ANOTHER = "Record another service attended"


def _engaged(county: County) -> Referral:
    """A referral whose first service was recorded, under a consent that lets the police see
    engagement."""
    consent = make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        information=ALL_INFORMATION,
        recipients=[county.police],
    )
    referral = county.start()
    referral = actions.referral_update(
        by=county.officer,
        referral=referral,
        urgency=referral.urgency,
        handoff=referral.handoff,
        note="",
        consent=consent,
        expected_version=referral.version,
    )
    referral = actions.referral_send(
        by=county.officer, referral=referral, expected_version=referral.version
    )
    referral = county.move(referral, "accepted")
    return county.move(referral, "first_service")


def _services(referral: Referral) -> int:
    return referral.events.filter(status="first_service").count()


def _audited(referral: Referral) -> list[dict[str, Any]]:
    """The audit trail's service entries for the referral, oldest first."""
    entries = AuditEvent.objects.filter(
        object_id=str(referral.pk), verb="referral.first_service"
    ).order_by("seq")
    return [entry.detail for entry in entries]


def _detail(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def test_the_provider_records_another_service_on_its_page(county: County) -> None:
    referral = _engaged(county)
    first = referral.first_service_at
    intake = signed_in_client(county.intake)
    page = intake.get(_detail(referral)).content.decode()
    assert ANOTHER in page and "Record completion" in page

    response = intake.post(
        reverse("referrals:referral_move", args=[referral.pk]),
        {"to": "first_service", "note": "Group session", "version": str(referral.version)},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Another service attended is recorded." in page
    assert "Another service attended" in page.split('id="history-heading"')[1]
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.first_service_at, _services(after)) == ("first_service", first, 2)
    assert after.version == referral.version + 1
    assert _audited(after) == [
        {"from": "accepted", "side": "receiver"},
        {"from": "first_service", "side": "receiver"},
    ]


def test_the_provider_records_services_through_the_api(county: County) -> None:
    referral = _engaged(county)
    first = referral.first_service_at
    intake = signed_in_client(county.intake)
    route = reverse("api-v1:referral_move", args=[referral.pk])
    before = intake.get(reverse("api-v1:referral_get", args=[referral.pk])).json()
    assert before["moves"] == ["first_service", "completed", "disengaged"]

    for version in (referral.version, referral.version + 1):
        moved = intake.post(
            route,
            {"to": "first_service", "expected_version": version},
            content_type="application/json",
        )
        assert moved.status_code == 200, moved.json()

    answer = moved.json()
    assert (answer["status"], answer["version"]) == ("first_service", referral.version + 2)
    assert answer["first_service_at"] == before["first_service_at"]
    assert [e["status"] for e in answer["events"]][-3:] == ["first_service"] * 3
    assert len(_audited(referral)) == 3
    assert Referral.objects.get(pk=referral.pk).first_service_at == first


def test_a_service_recorded_after_the_fact_keeps_the_first_and_its_order(county: County) -> None:
    referral = _engaged(county)
    first = referral.first_service_at
    assert first is not None
    later = county.move(referral, "first_service", at=first + timedelta(days=6))
    assert (later.first_service_at, _services(later)) == (first, 2)
    with pytest.raises(ValidationError) as refused:
        county.move(later, "first_service", at=first + timedelta(days=2))
    assert "at" in refused.value.message_dict  # before the service it would follow
    assert _services(Referral.objects.get(pk=referral.pk)) == 2


def test_the_sender_cannot_record_a_service(county: County) -> None:
    referral = _engaged(county)
    with pytest.raises(ValidationError) as refused:
        actions.referral_move(
            by=county.officer,
            referral=referral,
            to="first_service",
            expected_version=referral.version,
        )
    assert refused.value.message_dict["status"] == [
        "Only the receiver can make a first_service referral first_service."
    ]
    officer = signed_in_client(county.officer)  # the police hold no referrals.receive
    page = officer.post(
        reverse("referrals:referral_move", args=[referral.pk]),
        {"to": "first_service", "version": str(referral.version)},
    )
    api = officer.post(
        reverse("api-v1:referral_move", args=[referral.pk]),
        {"to": "first_service", "expected_version": referral.version},
        content_type="application/json",
    )
    assert (page.status_code, api.status_code) == (403, 403)
    after = Referral.objects.get(pk=referral.pk)
    assert (after.version, _services(after), len(_audited(after))) == (referral.version, 1, 1)
    assert ANOTHER not in officer.get(_detail(referral)).content.decode()


def _sender_sees(officer: Client, referral: Referral) -> tuple[Any, str]:
    answer = officer.get(reverse("api-v1:referral_get", args=[referral.pk])).json()
    page = officer.get(_detail(referral)).content.decode()
    shown = page.split("data-provider-status>")[1].split("</p>")[0]
    return answer, shown


def test_the_sender_learns_nothing_new_from_a_further_service(county: County) -> None:
    referral = _engaged(county)
    officer = signed_in_client(county.officer)
    before = _sender_sees(officer, referral)
    assert before[0]["provider_status"]["label"] == "Engaged in treatment"

    first = referral.first_service_at
    assert first is not None
    county.move(referral, "first_service", at=first + timedelta(days=3))

    assert _sender_sees(officer, referral) == before  # same status, same time, same fields
    decided = DisclosureRecord.objects.filter(allowed=True).order_by("at")
    assert {tuple(record.information) for record in decided} == {("engagement",)}
