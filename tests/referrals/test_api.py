"""The referral loop through the JSON API: start, edit, send, the inbox, moves, conflicts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from crossroads.referrals.models import Referral
from tests.factories import make_consent, signed_in_client
from tests.referrals.conftest import County

pytestmark = pytest.mark.django_db


def _post(client: Client, route: str, body: dict[str, Any], *args: object) -> Any:
    return client.post(reverse(route, args=args), body, content_type="application/json")


def test_the_loop_through_the_api(county: County) -> None:
    officer, intake = signed_in_client(county.officer), signed_in_client(county.intake)
    started = _post(
        officer,
        "api-v1:referral_list",
        {"service": str(county.service.pk), "encounter": str(county.encounter.pk), "need": "moud"},
    )
    assert started.status_code == 201
    draft = started.json()
    assert (draft["view"], draft["version"], draft["provider_status"]["status"]) == (
        "sender",
        1,
        "draft",
    )
    consent = make_consent(
        county.officer, county.person, discloser=county.provider, recipients=[county.police]
    )
    edited = officer.patch(
        reverse("api-v1:referral_get", args=[draft["id"]]),
        {"urgency": "now", "consent": str(consent.pk), "expected_version": 1},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert (edited.json()["urgency"], edited.json()["consent"]) == ("now", str(consent.pk))
    sent = _post(officer, "api-v1:referral_send", {"expected_version": 2}, draft["id"])
    assert sent.status_code == 200
    assert sent.json()["version"] is None  # once sent, the version would count the answers

    inbox = intake.get(reverse("api-v1:referral_list"), {"box": "inbox"}).json()
    assert [(r["id"], r["view"], r["status"]) for r in inbox] == [(draft["id"], "receiver", "sent")]
    assert inbox[0]["moves"] == ["received", "accepted", "declined"]
    accepted = _post(
        intake, "api-v1:referral_move", {"to": "accepted", "expected_version": 3}, draft["id"]
    )
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["version"]) == ("accepted", 4)
    stale = _post(
        intake, "api-v1:referral_move", {"to": "no_show", "expected_version": 3}, draft["id"]
    )
    assert stale.status_code == 409
    assert Referral.objects.get(pk=draft["id"]).status == "accepted"


def test_the_sent_box_is_the_senders_view(
    county: County, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    county.start()
    county.send()
    client = signed_in_client(county.officer)
    with django_assert_max_num_queries(25):
        answer = client.get(reverse("api-v1:referral_list")).json()
    assert [r["provider_status"]["label"] for r in answer] == [
        "Sent: waiting for the provider",
        "Draft: not sent yet",
    ]
    assert all("status" not in r and "events" not in r for r in answer)
    assert client.get(reverse("api-v1:referral_list"), {"box": "inbox"}).status_code == 403


def test_the_inbox_costs_the_same_for_more_referrals(
    county: County, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(5):
        county.move(county.send(), "accepted")
        county.send()
    client = signed_in_client(county.intake)
    client.get(reverse("api-v1:referral_list"), {"box": "inbox"})
    with django_assert_max_num_queries(17):
        answer = client.get(reverse("api-v1:referral_list"), {"box": "inbox"}).json()
    assert [r["status"] for r in answer] == ["sent"] * 5 + ["accepted"] * 5
    assert [len(r["events"]) for r in answer] == [2] * 5 + [3] * 5


def test_a_draft_edit_is_refused_field_by_field(county: County) -> None:
    client = signed_in_client(county.officer)
    draft, sent = county.start(), county.send()
    url = reverse("api-v1:referral_get", args=[draft.pk])
    unknown = client.patch(
        url, {"status": "accepted", "expected_version": 1}, content_type="application/json"
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "status"
    # A consent the provider recorded naming only itself: not the officer's to attach, and the
    # refusal says nothing of it.
    hidden = make_consent(county.intake, county.person, recipients=[county.provider])
    refused = client.patch(
        url, {"consent": str(hidden.pk), "expected_version": 1}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "consent", "message": "Not a consent of this person you may attach here."}
    ]
    too_late = client.patch(
        reverse("api-v1:referral_get", args=[sent.pk]),
        {"note": "more", "expected_version": sent.version},
        content_type="application/json",
    )
    assert too_late.status_code == 422
    assert too_late.json()["errors"][0]["field"] == "status"
