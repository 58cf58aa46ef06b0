"""The referral actions: where a referral comes from, its draft, sending it, and each move with
who and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from crossroads.core.actions import StaleVersion
from crossroads.core.models import Agency, AuditEvent
from crossroads.people.actions import person_create
from crossroads.referrals import actions
from crossroads.referrals.models import Referral, ReferralEvent
from crossroads.settings import env_hours_each
from tests.factories import (
    make_agency,
    make_case,
    make_consent,
    make_program,
    make_service,
    make_user,
)
from tests.referrals.conftest import ALL_INFORMATION, County

pytestmark = pytest.mark.django_db


def _verbs(referral: Referral) -> list[str]:
    events = AuditEvent.objects.filter(object_id=str(referral.pk)).order_by("seq")
    return list(events.values_list("verb", flat=True))


def test_a_referral_from_an_encounter_is_a_draft_for_its_person(county: County) -> None:
    referral = county.start()
    assert (referral.source, referral.person, referral.status) == (
        "encounter",
        county.person,
        "draft",
    )
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.status, event.by) == ("draft", county.officer)
    assert _verbs(referral) == ["referral.start"]


def test_a_walk_in_names_a_person_of_the_agency_or_nobody(county: County) -> None:
    walk_in = county.start(encounter=None, person=county.person)
    assert (walk_in.source, walk_in.person) == ("walk_in", county.person)
    assert county.start(encounter=None).person is None
    stranger = person_create(
        by=make_user(make_agency(), "officer"), given_name="Alex", family_name="Roe"
    )
    with pytest.raises(ValidationError) as refused:
        county.start(encounter=None, person=stranger)
    assert "person" in refused.value.message_dict


def test_the_need_is_a_directory_category(county: County) -> None:
    with pytest.raises(ValidationError) as refused:
        county.start(need="anything  at all")
    assert "need" in refused.value.message_dict
    assert county.start(need="").need == ""


def test_a_given_person_must_be_the_encounters(county: County) -> None:
    other = person_create(by=county.officer, given_name="Alex", family_name="Roe")
    with pytest.raises(ValidationError) as refused:
        county.start(person=other)
    assert "person" in refused.value.message_dict


def test_a_referral_from_a_lead_case_is_for_monitoring(county: County) -> None:
    program = make_program(make_agency(type=Agency.Type.COMMUNITY_ORG), "lead")
    case = make_case(program)
    manager = make_user(program.agency, "case_manager")
    draft = actions.referral_start(
        by=manager,
        service=county.service,
        site=None,
        encounter=None,
        case=case,
        need="moud",
        at=timezone.now(),
    )
    assert (draft.source, draft.person_id) == ("case", case.person_id)
    sent = actions.referral_send(by=manager, referral=draft, expected_version=draft.version)
    assert sent.disclosure_purpose == "criminal_justice_monitoring"
    assert county.send().disclosure_purpose == "treatment"
    with pytest.raises(ValidationError) as refused:
        county.start(encounter=None, case=case)  # the police did not open this case
    assert "case" in refused.value.message_dict


def test_the_draft_is_edited_with_a_consent_for_the_provider(county: County) -> None:
    draft = county.start()
    consent = make_consent(
        county.officer,
        county.person,
        discloser=county.provider,
        recipients=[county.police],
        information=ALL_INFORMATION,
    )
    edited = actions.referral_update(
        by=county.officer,
        referral=draft,
        urgency="now",
        handoff="phone",
        note="Ready to start today; call her cell.",
        consent=consent,
        expected_version=draft.version,
    )
    assert (edited.urgency, edited.handoff, edited.consent, edited.version) == (
        "now",
        "phone",
        consent,
        draft.version + 1,
    )
    update = AuditEvent.objects.get(verb="referral.update", object_id=str(draft.pk))
    assert update.detail == {
        "changed": ["handoff", "note", "urgency", "consent"],
        "consent": str(consent.pk),
    }
    with pytest.raises(StaleVersion):
        actions.referral_update(
            by=county.officer,
            referral=edited,
            urgency="today",
            handoff="warm",
            note="",
            consent=None,
            expected_version=draft.version,
        )


def test_a_consent_for_another_provider_or_person_is_refused(county: County) -> None:
    draft = county.start()
    elsewhere = make_agency(type=Agency.Type.BH_PROVIDER, part2_program=True)
    other_provider = make_consent(
        county.officer, county.person, discloser=elsewhere, recipients=[county.police]
    )
    other = person_create(by=county.officer, given_name="Alex", family_name="Roe")
    other_person = make_consent(
        county.officer, other, discloser=county.provider, recipients=[county.police]
    )
    for consent in (other_provider, other_person):
        with pytest.raises(ValidationError) as refused:
            actions.referral_update(
                by=county.officer,
                referral=draft,
                urgency="today",
                handoff="warm",
                note="",
                consent=consent,
                expected_version=draft.version,
            )
        assert "consent" in refused.value.message_dict
    assert Referral.objects.get(pk=draft.pk).version == draft.version


def test_sending_addresses_the_listings_agency_with_its_deadline(county: County) -> None:
    draft = county.start(urgency="now")
    sent = actions.referral_send(by=county.officer, referral=draft, expected_version=1)
    assert (sent.status, sent.receiving_agency) == ("sent", county.provider)
    assert sent.sent_at is not None
    assert sent.acknowledge_by == sent.sent_at + timedelta(hours=1)
    assert _verbs(sent) == ["referral.start", "referral.sent"]
    routine = county.send(urgency="routine")
    assert routine.acknowledge_by == routine.sent_at + timedelta(hours=48)  # type: ignore[operator]


def test_a_listing_no_agency_keeps_cannot_be_sent_to(county: County) -> None:
    draft = county.start(service=make_service("Unlisted Clinic"))
    with pytest.raises(ValidationError) as refused:
        actions.referral_send(by=county.officer, referral=draft, expected_version=1)
    assert refused.value.message_dict["service"] == [actions.NOT_IN_CROSSROADS]
    assert Referral.objects.get(pk=draft.pk).status == "draft"


def test_a_draft_without_a_person_cannot_be_sent(county: County) -> None:
    draft = county.start(encounter=None)
    with pytest.raises(ValidationError) as refused:
        actions.referral_send(by=county.officer, referral=draft, expected_version=1)
    assert "person" in refused.value.message_dict


def test_the_provider_moves_it_along_the_loop_with_who_and_when(county: County) -> None:
    referral = county.send()
    referral = county.move(referral, "accepted")
    assert referral.acknowledged_at is not None
    appointment = timezone.now() + timedelta(days=1)
    referral = county.move(referral, "scheduled", scheduled_for=appointment, note="Dr Lee")
    referral = county.move(referral, "first_service")
    referral = county.move(referral, "completed")
    assert referral.scheduled_for == appointment
    assert referral.first_service_at is not None
    steps = list(referral.events.values_list("status", "by", "note"))
    assert steps == [
        ("draft", county.officer.pk, ""),
        ("sent", county.officer.pk, ""),
        ("accepted", county.intake.pk, ""),
        ("scheduled", county.intake.pk, "Dr Lee"),
        ("first_service", county.intake.pk, ""),
        ("completed", county.intake.pk, ""),
    ]
    assert _verbs(referral)[-4:] == [
        "referral.accepted",
        "referral.scheduled",
        "referral.first_service",
        "referral.completed",
    ]


def test_a_step_recorded_after_the_fact_keeps_its_time_and_order(county: County) -> None:
    started = timezone.now() - timedelta(hours=3)
    draft = county.start(at=started)
    sent = actions.referral_send(
        by=county.officer, referral=draft, expected_version=1, at=started + timedelta(hours=1)
    )
    assert sent.sent_at == started + timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        county.move(sent, "accepted", at=started)
    assert "at" in refused.value.message_dict
    accepted = county.move(sent, "accepted", at=started + timedelta(hours=2))
    assert accepted.acknowledged_at == started + timedelta(hours=2)


def test_declining_needs_a_reason_and_scheduling_a_time(county: County) -> None:
    referral = county.send()
    with pytest.raises(ValidationError) as no_reason:
        county.move(referral, "declined")
    assert "reason" in no_reason.value.message_dict
    accepted = county.move(referral, "accepted")
    with pytest.raises(ValidationError) as no_time:
        county.move(accepted, "scheduled")
    assert "scheduled_for" in no_time.value.message_dict
    declined = county.move(county.send(), "declined", reason="No opening this month")
    assert declined.decline_reason == "No opening this month"


def test_the_sender_cannot_make_the_providers_moves(county: County) -> None:
    referral = county.send()
    with pytest.raises(ValidationError) as refused:
        actions.referral_move(
            by=county.officer, referral=referral, to="accepted", expected_version=referral.version
        )
    assert refused.value.message_dict["status"] == [
        "Only the receiver can make a sent referral accepted."
    ]


def test_acknowledgement_hours_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "CROSSROADS_REFERRAL_ACKNOWLEDGE_HOURS"
    default = {"now": 1, "today": 4, "routine": 48}
    monkeypatch.setenv(name, "now=2, routine=72")
    assert env_hours_each(name, default) == {"now": 2, "today": 4, "routine": 72}
    for malformed in ("now=soon", "never=1", "now", "today=0"):
        monkeypatch.setenv(name, malformed)
        with pytest.raises(ImproperlyConfigured, match=name):
            env_hours_each(name, default)
