"""A county in miniature for the referral loop: a police officer who met a person, and a Part 2
treatment program whose intake staff answer the referrals sent to its listing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from crossroads.core.models import Agency, User
from crossroads.directory.models import Service
from crossroads.encounters.actions import encounter_submit
from crossroads.encounters.models import Encounter
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from crossroads.referrals import actions
from crossroads.referrals.models import Referral
from tests.factories import make_agency, make_service, make_user

# Everything a provider may say back about a referral, as a consent lists it.
ALL_INFORMATION = ["referral_status", "appointments", "engagement", "completion"]
# The provider's moves that bring a sent referral to each status (what they ask for included).
ROUTES: dict[str, list[str]] = {
    "sent": [],
    "received": ["received"],
    "accepted": ["accepted"],
    "declined": ["declined"],
    "scheduled": ["accepted", "scheduled"],
    "no_show": ["accepted", "no_show"],
    "first_service": ["accepted", "first_service"],
    "completed": ["accepted", "first_service", "completed"],
    "disengaged": ["accepted", "first_service", "disengaged"],
}
ASKED: dict[str, dict[str, Any]] = {
    "declined": {"reason": "No opening this month"},
    "scheduled": {"scheduled_for": datetime(2026, 3, 4, 14, 0, tzinfo=UTC)},
}


@dataclass
class County:
    police: Agency
    provider: Agency
    officer: User
    intake: User
    service: Service
    person: Person
    encounter: Encounter

    def start(self, **fields: Any) -> Referral:
        """A draft from the officer's encounter with the person."""
        defaults: dict[str, Any] = {
            "service": self.service,
            "site": None,
            "encounter": self.encounter,
            "need": "moud",
            "at": timezone.now(),
        }
        return actions.referral_start(by=self.officer, **{**defaults, **fields})

    def send(self, **fields: Any) -> Referral:
        draft = self.start(**fields)
        return actions.referral_send(
            by=self.officer, referral=draft, expected_version=draft.version
        )

    def move(self, referral: Referral, to: str, **fields: Any) -> Referral:
        return actions.referral_move(
            by=self.intake, referral=referral, to=to, expected_version=referral.version, **fields
        )

    def referral_in(self, status: str, **fields: Any) -> Referral:
        """A referral brought to `status` by the moves of its loop. Expiry is the system's move,
        which nothing makes yet: that one is set directly on a sent referral."""
        if status == "draft":
            return self.start(**fields)
        referral = self.send(**fields)
        if status == "expired":
            Referral.objects.filter(pk=referral.pk).update(status=status)
            return Referral.objects.get(pk=referral.pk)
        for to in ROUTES[status]:
            referral = self.move(referral, to, **ASKED.get(to, {}))
        return referral


@pytest.fixture
def county(db: None) -> County:
    police = make_agency(type=Agency.Type.POLICE, name="Harbor City Police")
    provider = make_agency(
        type=Agency.Type.SUD_TREATMENT, name="Harbor Recovery Center", part2_program=True
    )
    officer = make_user(police, "officer")
    person = person_create(by=officer, given_name="Sam", family_name="Doe")
    encounter = encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=timezone.now(),
        disposition="referred_no_transport",
        person=person,
    )
    return County(
        police=police,
        provider=provider,
        officer=officer,
        intake=make_user(provider, "provider_intake"),
        service=make_service("Harbor Same-Day MOUD", agency=provider),
        person=person,
        encounter=encounter,
    )
