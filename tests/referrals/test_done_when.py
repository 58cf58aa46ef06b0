"""Issue 5's Done-when: a referral from an encounter reaches the provider's inbox, is accepted
and engaged, and the police officer sees "Engaged in treatment" only while a valid consent
names them, with the §2.32 notice and an accounting entry; revoking the consent hides it at
once. Then the per-role snapshots of the API's answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crossroads.consent.actions import consent_revoke, redisclosure_notice
from crossroads.consent.models import Consent, DisclosureRecord
from crossroads.referrals.models import Referral
from tests.factories import make_consent, signed_in_client
from tests.referrals.conftest import ALL_INFORMATION, County

pytestmark = pytest.mark.django_db
ENGAGED = "Engaged in treatment"
NO_CONSENT = "No consent on file"


def _consent(county: County, **terms: Any) -> Consent:
    """The person's consent that the treatment program may tell the police how it went."""
    named: dict[str, Any] = {"recipients": [county.police]}
    return make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        information=ALL_INFORMATION,
        **(terms or named),
    )


def _page(client: Client, referral: Referral) -> str:
    return client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()


def _through_the_loop(county: County, consent: Consent | None) -> Referral:
    """The officer refers from the encounter and sends; the provider accepts and engages."""
    officer, intake = signed_in_client(county.officer), signed_in_client(county.intake)
    started = officer.post(
        reverse("referrals:referral_start"),
        {"service": str(county.service.pk), "encounter": str(county.encounter.pk), "need": "moud"},
    )
    referral = Referral.objects.get()
    assert started["Location"] == reverse("referrals:referral_detail", args=[referral.pk])
    edit = {"urgency": "today", "handoff": "warm", "note": "", "version": "1"}
    edit["consent"] = str(consent.pk) if consent else ""
    officer.post(reverse("referrals:referral_update", args=[referral.pk]), edit)
    officer.post(reverse("referrals:referral_send", args=[referral.pk]), {"version": "2"})

    inbox = intake.get(reverse("referrals:inbox")).content.decode()
    assert "Sam Doe" in inbox.split('id="progress-heading"')[0]  # new, waiting
    move = reverse("referrals:referral_move", args=[referral.pk])
    assert intake.post(move, {"to": "accepted", "version": "3"}).status_code == 302
    assert intake.post(move, {"to": "first_service", "version": "4"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.consent) == ("first_service", consent)
    return referral


def test_the_officer_sees_engagement_only_while_the_consent_names_them(county: County) -> None:
    consent = _consent(county)
    referral = _through_the_loop(county, consent)
    officer = signed_in_client(county.officer)

    page = _page(officer, referral)
    assert ENGAGED in page and redisclosure_notice() in page
    allowed = DisclosureRecord.objects.get()
    assert (allowed.allowed, allowed.path, allowed.consent, allowed.recipient) == (
        True,
        "page",
        consent,
        county.police,
    )
    assert (allowed.information, allowed.purpose) == (["engagement"], "treatment")

    consent_revoke(by=county.officer, consent=consent, note="", expected_version=consent.version)
    page = _page(officer, referral)
    assert NO_CONSENT in page
    for hidden in (ENGAGED, redisclosure_notice(), "Accepted", "first service"):
        assert hidden not in page
    refused = DisclosureRecord.objects.exclude(pk=allowed.pk).get()
    assert (refused.allowed, refused.reason) == (False, "consent revoked")
    provider_page = _page(signed_in_client(county.intake), referral)
    assert "Engaged (first service)" in provider_page  # the provider sees its own record


def test_a_consent_naming_the_police_as_a_class_counts(county: County) -> None:
    referral = _through_the_loop(county, _consent(county, recipient_classes=["police"]))
    assert ENGAGED in _page(signed_in_client(county.officer), referral)


def test_without_a_consent_the_officer_sees_only_that_none_is_on_file(county: County) -> None:
    referral = _through_the_loop(county, None)
    page = _page(signed_in_client(county.officer), referral)
    assert NO_CONSENT in page and ENGAGED not in page
    assert DisclosureRecord.objects.get().allowed is False


# --- Per-role snapshots of GET /api/v1/referrals/{id} -------------------------------------------

ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _normalised(value: Any) -> Any:
    """Ids and times replaced by what they are, so a snapshot compares everything else."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, str) and ID.match(value):
        return "<id>"
    if isinstance(value, str) and TIME.match(value):
        return "<time>"
    return value


def _answer(client: Client, referral: Referral) -> dict[str, Any]:
    response = client.get(reverse("api-v1:referral_get", args=[referral.pk]))
    assert response.status_code == 200
    answer: dict[str, Any] = _normalised(response.json())
    return answer


WHAT_THE_SENDER_WROTE = {
    "id": "<id>",
    "source": "encounter",
    "agency": "<id>",
    "agency_name": "Harbor City Police",
    "person": {"id": "<id>", "given_name": "Sam", "family_name": "Doe", "date_of_birth": None},
    "service": "<id>",
    "service_name": "Harbor Same-Day MOUD",
    "site": None,
    "need": "moud",
    "urgency": "today",
    "handoff": "warm",
    "note": "",
    "consent": "<id>",
    "created_by": "<id>",
    "created_at": "<time>",
    "sent_at": "<time>",
    "acknowledge_by": "<time>",
    "receiving_agency": "<id>",
}
SENDER_ONLY = {"view": "sender", "encounter": "<id>", "case": None, "version": None}


def test_police_never_see_what_they_must_not(county: County) -> None:
    consent = _consent(county)
    referral = _through_the_loop(county, consent)
    officer = signed_in_client(county.officer)

    assert _answer(officer, referral) == {
        **WHAT_THE_SENDER_WROTE,
        **SENDER_ONLY,
        "provider_status": {
            "status": "first_service",
            "label": ENGAGED,
            "at": "<time>",
            "notice": redisclosure_notice(),
        },
    }

    assert _answer(signed_in_client(county.intake), referral) == {
        **WHAT_THE_SENDER_WROTE,
        "view": "receiver",
        "status": "first_service",
        "version": 5,
        "disclosure_purpose": "treatment",
        "acknowledged_at": "<time>",
        "scheduled_for": None,
        "first_service_at": "<time>",
        "decline_reason": "",
        "moves": ["first_service", "completed", "disengaged"],
        "events": [
            {"status": status, "at": "<time>", "by": "<id>", "note": ""}
            for status in ("draft", "sent", "accepted", "first_service")
        ],
    }

    consent_revoke(by=county.officer, consent=consent, note="", expected_version=consent.version)
    response = officer.get(reverse("api-v1:referral_get", args=[referral.pk]))
    assert _normalised(response.json()) == {
        **WHAT_THE_SENDER_WROTE,
        **SENDER_ONLY,
        "provider_status": {"status": None, "label": NO_CONSENT, "at": None, "notice": ""},
    }
    for hidden in ("first_service", "accepted", "engaged", "Engaged", "42 CFR"):
        assert hidden not in response.content.decode()
    assert [r.path for r in DisclosureRecord.objects.order_by("at")] == ["api", "api"]
