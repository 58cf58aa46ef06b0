"""A person's timeline holds only what the viewer may see; a provider's word about the person
reaches police only through the consent door, with the §2.32 notice (issue 5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from crossroads.consent.actions import consent_revoke
from crossroads.consent.models import Consent, DisclosureRecord
from crossroads.consent.policy import NO_CONSENT
from crossroads.core.models import Agency, DataCategory, User
from crossroads.encounters.actions import encounter_submit
from crossroads.people.actions import flag_set, person_create
from crossroads.people.models import Person
from crossroads.programs.actions import case_open, program_create
from crossroads.referrals.actions import referral_move, referral_send, referral_start
from tests.factories import (
    make_agency,
    make_consent,
    make_partnership,
    make_service,
    make_user,
    signed_in_client,
)


@dataclass
class Story:
    police: Agency
    officer: User
    person: Person
    harbor: Agency
    intake: User
    clinic: Agency
    case_manager: User


@pytest.fixture
def story() -> Story:
    """An officer meets a person, refers them to a Part 2 program that engages them, and refers
    them to a clinic's CIT follow-up program."""
    police = make_agency()
    officer = make_user(police, "officer")
    person = person_create(by=officer, given_name="Ada", family_name="Moss")
    now = timezone.now()
    encounter = encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=now,
        disposition="referred_no_transport",
        person=person,
    )
    harbor = make_agency(type="sud_treatment", part2_program=True)
    intake = make_user(harbor, "provider_intake")
    referral = referral_start(
        by=officer,
        service=make_service(agency=harbor),
        site=None,
        encounter=encounter,
        need="withdrawal-management",
        at=now,
    )
    referral_send(by=officer, referral=referral, expected_version=1)
    referral_move(by=intake, referral=referral, to="accepted", expected_version=2)
    referral_move(by=intake, referral=referral, to="first_service", expected_version=3)
    clinic = make_agency(type="bh_provider")
    case_manager = make_user(clinic, "case_manager")
    make_partnership(police, clinic, DataCategory.REFERRALS)
    program = program_create(
        by=None, agency=clinic, type="cit_follow_up", name="CIT follow-up", slug="cit-fu"
    )
    case_open(by=officer, program=program, person=person, entry_path="officer_referral", at=now)
    return Story(police, officer, person, harbor, intake, clinic, case_manager)


def _timeline(user: User, person: Person) -> list[dict[str, Any]]:
    response = signed_in_client(user).get(f"/api/v1/people/{person.pk}/timeline")
    assert response.status_code == 200
    # A snapshot: what the caller reads, without ids, times and links.
    return [
        {"kind": e["kind"], "title": e["title"], "detail": e["detail"], "notice": bool(e["notice"])}
        for e in response.json()["entries"]
    ]


def _consent(story: Story, discloser: Agency, information: list[str]) -> Consent:
    return make_consent(
        story.officer,
        story.person,
        discloser=discloser,
        recipients=[story.police],
        information=information,
    )


@pytest.mark.django_db
def test_police_see_their_own_acts_and_no_consent_on_file_for_the_providers_word(
    story: Story,
) -> None:
    entries = _timeline(story.officer, story.person)
    kinds = [e["kind"] for e in entries]
    assert sorted(kinds) == ["encounter", "program", "referral"]
    referral = next(e for e in entries if e["kind"] == "referral")
    program = next(e for e in entries if e["kind"] == "program")
    assert referral["detail"] == NO_CONSENT and not referral["notice"]
    assert program == {
        "kind": "program",
        "title": "Referred to CIT follow-up",
        "detail": NO_CONSENT,
        "notice": False,
    }
    refused = DisclosureRecord.objects.filter(recipient_user=story.officer, allowed=False)
    assert refused.count() == 2  # both decisions are on record, for the audit


@pytest.mark.django_db
def test_a_consent_naming_the_police_shows_engagement_with_the_notice_until_revoked(
    story: Story,
) -> None:
    consent = _consent(story, story.harbor, ["engagement"])
    referral = next(e for e in _timeline(story.officer, story.person) if e["kind"] == "referral")
    assert referral["detail"] == "Engaged in treatment" and referral["notice"]
    assert DisclosureRecord.objects.filter(consent=consent, allowed=True).count() == 1
    consent_revoke(by=story.officer, consent=consent, note="asked to stop", expected_version=1)
    referral = next(e for e in _timeline(story.officer, story.person) if e["kind"] == "referral")
    assert referral["detail"] == NO_CONSENT and not referral["notice"]


@pytest.mark.django_db
def test_program_participation_needs_its_own_consent(story: Story) -> None:
    _consent(story, story.harbor, ["engagement"])  # names the treatment program, not the clinic
    program = next(e for e in _timeline(story.officer, story.person) if e["kind"] == "program")
    assert program["detail"] == NO_CONSENT
    _consent(story, story.clinic, ["program_participation"])
    program = next(e for e in _timeline(story.officer, story.person) if e["kind"] == "program")
    assert program["detail"] == "Following up" and program["notice"]


@pytest.mark.django_db
def test_the_provider_reads_its_referral_whole_and_nothing_of_the_police_encounter(
    story: Story,
) -> None:
    entries = _timeline(story.intake, story.person)
    assert entries == [
        {
            "kind": "referral",
            "title": entries[0]["title"],
            "detail": "Engaged (first service)",
            "notice": False,
        }
    ]


@pytest.mark.django_db
def test_the_programs_agency_reads_every_event_of_its_case(story: Story) -> None:
    assert _timeline(story.case_manager, story.person) == [
        {
            "kind": "program",
            "title": "CIT follow-up: opened",
            "detail": "Referred by an officer",
            "notice": False,
        }
    ]


@pytest.mark.django_db
def test_an_agency_that_does_not_know_the_person_gets_404(story: Story) -> None:
    stranger = make_user(make_agency(type="bh_provider"), "case_manager")
    response = signed_in_client(stranger).get(f"/api/v1/people/{story.person.pk}/timeline")
    assert response.status_code == 404
    page = signed_in_client(stranger).get(f"/people/{story.person.pk}/")
    assert page.status_code == 404


@pytest.mark.django_db
def test_the_page_shows_flags_the_viewer_needs_and_the_notice_beside_a_disclosed_item(
    story: Story,
) -> None:
    flag_set(by=story.officer, person=story.person, kind="developmental_disability", days=30)
    _consent(story, story.harbor, ["engagement"])
    page = signed_in_client(story.officer).get(f"/people/{story.person.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-flag="developmental_disability"' in html
    assert "Engaged in treatment" in html
    assert "42 CFR part 2" in html
    provider_page = signed_in_client(story.intake).get(f"/people/{story.person.pk}/").content
    assert b"data-flag" not in provider_page  # another agency's flag is never shown


@pytest.mark.django_db
def test_a_flag_set_on_the_page_with_a_bad_length_is_refused_naming_the_field(
    story: Story,
) -> None:
    client = signed_in_client(story.officer)
    url = f"/people/{story.person.pk}/flags/"
    refused = client.post(url, {"kind": "suicide_risk", "days": "400"})
    assert refused.status_code == 422
    assert "days: A recent suicide risk flag lasts 1 to 90 days." in refused.content.decode()
    assert not story.person.flags.exists()
    assert client.post(url, {"kind": "suicide_risk", "days": "7"}).status_code == 302
    assert story.person.flags.count() == 1
