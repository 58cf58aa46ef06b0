"""A revocation racing disclosures: one of them wins, never both (SECURITY.md 4).

Threads disclose under a consent while another revokes it, on a real database (SQLite or
PostgreSQL) with real transactions, many rounds over. No disclosure under the consent is allowed
at or after the moment of the revocation, and every decision that began after the revocation
committed refuses."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from crossroads.consent import actions
from crossroads.consent.models import DisclosureRecord
from crossroads.consent.policy import Purpose, Reason
from crossroads.core.models import Agency, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import make_agency, make_consent, make_user

ROUNDS = 12
DISCLOSERS = 3
DISCLOSURES_EACH = 4


def _in_thread(work: Callable[[], None], failures: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as failure:  # the test thread reports it
            failures.append(failure)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    return threading.Thread(target=run)


def _round(officer: User, program: Agency, person: Person) -> None:
    consent = make_consent(officer, person, discloser=program, recipients=[officer.agency])
    start = threading.Barrier(DISCLOSERS + 1)
    revoked = threading.Event()
    decisions: list[tuple[bool, actions.Disclosed]] = []  # (began after the revocation, answer)
    failures: list[BaseException] = []

    def disclose() -> None:
        start.wait()
        for _ in range(DISCLOSURES_EACH):
            after_revocation = revoked.is_set()
            answer = actions.disclosure_decide(
                by=officer,
                person=person,
                discloser=program,
                information=frozenset({"engagement"}),
                purpose=Purpose.TREATMENT,
                path="page",
            )
            decisions.append((after_revocation, answer))

    def revoke() -> None:
        start.wait()
        actions.consent_revoke(by=officer, consent=consent, note="", expected_version=1)
        revoked.set()

    threads = [_in_thread(disclose, failures) for _ in range(DISCLOSERS)]
    threads.append(_in_thread(revoke, failures))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert len(decisions) == DISCLOSERS * DISCLOSURES_EACH

    consent.refresh_from_db()
    assert consent.revoked_at is not None
    late = DisclosureRecord.objects.filter(
        consent=consent, allowed=True, at__gte=consent.revoked_at
    )
    assert not late.exists(), "a disclosure won after the revocation"
    for after_revocation, answer in decisions:
        if after_revocation:
            assert not answer.allowed and answer.decision.reason is Reason.REVOKED
        if answer.allowed:
            assert answer.record.at < consent.revoked_at


@pytest.mark.django_db(transaction=True)
def test_a_revocation_racing_disclosures_has_one_winner() -> None:
    officer = make_user(make_agency(type="police"), "officer")
    program = make_agency(type="sud_treatment", part2_program=True)
    for n in range(ROUNDS):
        person = person_create(by=officer, given_name="Sam", family_name=f"Doe {n}")
        _round(officer, program, person)
    assert DisclosureRecord.objects.filter(allowed=False, reason=Reason.REVOKED).exists()
