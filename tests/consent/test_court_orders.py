"""Court orders (§§2.64-2.65; SECURITY.md 6): the only way to use Part 2 information against the
person, and only once a second person of the recording agency has approved the order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crossroads.consent import actions
from crossroads.consent.models import CourtOrder
from crossroads.consent.policy import Purpose, Reason
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import PNG_BYTES, make_agency, make_court_order, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def police() -> Agency:
    return make_agency(type="police")


@pytest.fixture
def recorder(police: Agency) -> User:
    return make_user(police, "program_manager")


@pytest.fixture
def second(police: Agency) -> User:
    return make_user(police, "agency_admin")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True)


@pytest.fixture
def person(police: Agency) -> Person:
    return person_create(by=make_user(police, "officer"), given_name="Sam", family_name="Doe")


def investigation_order(recorder: User, person: Person, program: Agency) -> CourtOrder:
    return make_court_order(
        recorder,
        person,
        discloser=program,
        recipient=recorder.agency,
        section="2.65",
        purposes=[Purpose.INVESTIGATION],
    )


def investigating(by: User, person: Person, program: Agency) -> actions.Disclosed:
    return actions.disclosure_decide(
        by=by,
        person=person,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=Purpose.INVESTIGATION,
        path="api",
    )


def test_an_order_counts_only_once_a_second_person_approves_it(
    recorder: User, second: User, person: Person, program: Agency
) -> None:
    order = investigation_order(recorder, person, program)
    assert order.status == CourtOrder.Status.PENDING
    pending = investigating(recorder, person, program)
    assert not pending.allowed and pending.decision.reason is Reason.AGAINST_THE_PATIENT

    approved = actions.court_order_decide(by=second, order=order, approve=True, note="checked")
    assert (approved.status, approved.decided_by) == (CourtOrder.Status.APPROVED, second)
    allowed = investigating(recorder, person, program)
    assert allowed.allowed and allowed.decision.reason is Reason.COURT_ORDER
    assert allowed.record.court_order == order and allowed.notice
    assert list(
        AuditEvent.objects.filter(verb__startswith="court_order.").values_list("verb", "actor")
    ) == [("court_order.record", recorder.pk), ("court_order.decide", second.pk)]


def _decide_refusal(by: User, order: CourtOrder) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        actions.court_order_decide(by=by, order=order, approve=True, note="")
    order.refresh_from_db()
    assert order.status == CourtOrder.Status.PENDING
    return refused.value.message_dict["decided_by"]


def test_the_second_person_is_someone_else_of_the_agency_who_handles_orders(
    recorder: User, person: Person, program: Agency, police: Agency
) -> None:
    order = investigation_order(recorder, person, program)
    assert _decide_refusal(recorder, order) == ["A second person decides: you recorded this order."]
    elsewhere = make_user(make_agency(type="police"), "program_manager")
    assert _decide_refusal(elsewhere, order) == [
        "Only staff of the agency that recorded the order decide it."
    ]
    officer = make_user(police, "officer")
    assert _decide_refusal(officer, order) == ["Your roles do not include deciding court orders."]
    assert not investigating(recorder, person, program).allowed


def test_a_rejected_order_authorises_nothing_and_is_decided_once(
    recorder: User, second: User, person: Person, program: Agency
) -> None:
    order = investigation_order(recorder, person, program)
    actions.court_order_decide(by=second, order=order, approve=False, note="wrong docket")
    assert not investigating(recorder, person, program).allowed
    third = make_user(recorder.agency, "program_manager")
    with pytest.raises(ValidationError, match="already rejected"):
        actions.court_order_decide(by=third, order=order, approve=True, note="")


def test_an_approved_order_covers_only_its_recipient_window_and_purposes(
    recorder: User, second: User, person: Person, program: Agency
) -> None:
    now = timezone.now()
    order = make_court_order(
        recorder,
        person,
        discloser=program,
        recipient=recorder.agency,
        section="2.65",
        purposes=[Purpose.INVESTIGATION],
        valid_from=now - timedelta(days=2),
        valid_until=now + timedelta(days=1),
    )
    actions.court_order_decide(by=second, order=order, approve=True, note="")
    other_police = make_user(make_agency(type="police"), "officer")
    assert not investigating(other_police, person, program).allowed
    prosecuting = actions.disclosure_decide(
        by=recorder,
        person=person,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=Purpose.PROSECUTION,
        path="api",
    )
    assert not prosecuting.allowed
    later = actions.disclosure_decide(
        by=recorder,
        person=person,
        discloser=program,
        information=frozenset({"engagement"}),
        purpose=Purpose.INVESTIGATION,
        path="api",
        at=now + timedelta(days=1),
    )
    assert not later.allowed


def _record_refusal(recorder: User, person: Person, program: Agency, **changes: Any) -> Any:
    with pytest.raises(ValidationError) as refused:
        make_court_order(recorder, person, discloser=program, recipient=recorder.agency, **changes)
    assert not CourtOrder.objects.exists()
    return refused.value.message_dict


def test_a_court_order_is_recorded_only_when_complete_and_consistent(
    recorder: User, person: Person, program: Agency
) -> None:
    now = timezone.now()
    problems = _record_refusal(
        recorder,
        person,
        program,
        court=" ",
        docket_number="",
        section="2.64",
        purposes=[Purpose.PROSECUTION],
        information=[],
        valid_from=now,
        valid_until=now - timedelta(days=1),
        document=b"GIF89a",
    )
    assert problems == {
        "court": ["Name the court."],
        "docket_number": ["Give the docket number."],
        "section": ["Only a §2.65 order allows investigating or prosecuting the person."],
        "information": ["Choose what information the order allows."],
        "valid_until": ["The order must end after it begins."],
        "document": ["Upload a PDF, PNG or JPEG file."],
    }
    assert set(_record_refusal(recorder, person, make_agency(type="court"))) == {"discloser"}
    assert set(_record_refusal(recorder, person, program, section="2.99")) == {"section"}


def test_an_order_is_recorded_by_the_discloser_or_the_recipient_with_its_document(
    recorder: User, person: Person, program: Agency
) -> None:
    order = make_court_order(
        recorder, person, discloser=program, recipient=recorder.agency, document=PNG_BYTES
    )
    assert order.document_type == "image/png"
    unrelated = make_agency(type="court")
    with pytest.raises(ValidationError) as refused:
        make_court_order(recorder, person, discloser=program, recipient=unrelated)
    assert set(refused.value.message_dict) == {"recipient"}
    with pytest.raises(PermissionDenied):
        make_court_order(
            make_user(recorder.agency, "officer"),
            person,
            discloser=program,
            recipient=recorder.agency,
        )
