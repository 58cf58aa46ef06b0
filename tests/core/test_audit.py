"""SECURITY.md 18: the audit trail is append-only and hash-chained; editing or removing is found."""

from __future__ import annotations

import json
import threading
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from crossroads.core import audit
from crossroads.core.audit_chain import GENESIS, ChainRow, find_breaks, link_hash
from crossroads.core.models import AuditEvent
from tests.factories import PASSWORD, make_agency, make_user


def _raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    agency = make_agency()
    for n in range(4):
        make_user(agency, "officer", username=f"chain{n}")
    return list(AuditEvent.objects.order_by("seq"))


def test_every_write_appends_one_linked_event(chain: list[AuditEvent]) -> None:
    assert [e.verb for e in chain] == ["agency.create"] + ["user.create"] * 4
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(chain))
    assert audit.verify() == (5, [])


def test_an_edited_row_is_named(chain: list[AuditEvent]) -> None:
    target = chain[2]
    _raw("UPDATE core_auditevent SET actor_name = %s WHERE seq = %s", "mallory", target.seq)
    _length, breaks = audit.verify()
    assert [b.seq for b in breaks] == [target.seq]
    assert "altered" in str(breaks[0])


def test_a_removed_row_is_found_at_its_successor(chain: list[AuditEvent]) -> None:
    removed, successor = chain[1], chain[2]
    _raw("DELETE FROM core_auditevent WHERE seq = %s", removed.seq)
    _length, breaks = audit.verify()
    assert [b.seq for b in breaks] == [successor.seq, None]
    assert f"after #{chain[0].seq}" in str(breaks[0])
    assert "4 rows stored but the chain head counts 5" in str(breaks[1])


def test_removing_the_newest_rows_is_found_by_the_head(chain: list[AuditEvent]) -> None:
    _raw("DELETE FROM core_auditevent WHERE seq = %s", chain[-1].seq)
    _length, breaks = audit.verify()
    assert [b.seq for b in breaks] == [None]
    assert "removed from the end" in str(breaks[0])


def test_audit_verify_command_exits_1_and_names_the_row(
    chain: list[AuditEvent], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "verify", "--json")
    assert json.loads(capsys.readouterr().out)["intact"] is True
    _raw("UPDATE core_auditevent SET verb = %s WHERE seq = %s", "user.read", chain[3].seq)
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    assert failure.value.returncode == 1
    assert f"event #{chain[3].seq}" in capsys.readouterr().err


def test_the_orm_refuses_to_change_or_delete_events(chain: list[AuditEvent]) -> None:
    event = chain[0]
    event.verb = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(seq=event.seq).update(verb="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_no_secret_or_health_data_in_event_text(db: None) -> None:
    agency = make_agency()
    make_user(agency, "officer", username="quiet")
    from django.test import Client

    Client().post(
        "/accounts/sign-in/",
        {"username": "quiet", "password": "my-secret-guess-123", "acknowledge": "on"},
    )
    stored = json.dumps([[e.actor_name, e.verb, e.detail] for e in AuditEvent.objects.all()])
    assert PASSWORD not in stored
    assert "my-secret-guess-123" not in stored


def test_pure_chain_finds_every_single_edit() -> None:
    """For a chain of ten rows, changing any one field of any row is detected at that row."""
    rows, prev = [], GENESIS
    for n in range(10):
        fields = {"verb": f"v{n}", "actor_name": "a", "detail": {"n": n}}
        digest = link_hash(fields, prev)
        rows.append(ChainRow(n + 1, fields, prev, digest))
        prev = digest
    assert list(find_breaks(rows, head_hash=prev, head_length=10)) == []
    for index in range(10):
        edited = list(rows)
        edited[index] = ChainRow(
            index + 1, {**rows[index].fields, "verb": "x"}, rows[index].prev_hash, rows[index].hash
        )
        breaks = list(find_breaks(edited, head_hash=prev, head_length=10))
        assert [b.seq for b in breaks] == [index + 1]


def test_a_row_slipped_in_after_the_head_is_found(chain: list[AuditEvent]) -> None:
    last = chain[-1]
    _raw(
        "INSERT INTO core_auditevent (at, actor_name, verb, object_type, object_id, outcome, "
        "detail, prev_hash, hash) VALUES (%s, 'mallory', 'user.read', '', '', 'success', '{}', "
        "%s, %s)",
        last.at,
        last.hash,
        "f" * 64,
    )
    _length, breaks = audit.verify()
    assert len(breaks) == 1
    assert "without being chained" in str(breaks[0])


@pytest.mark.django_db(transaction=True)
def test_verifying_while_others_append_reports_no_false_break() -> None:
    agency = make_agency()
    done = threading.Event()

    def append_many() -> None:
        try:
            for n in range(150):
                audit.record(by=None, verb="test.append", agency=agency, detail={"n": n})
        finally:
            done.set()
            connection.close()

    writer = threading.Thread(target=append_many)
    writer.start()
    results = []
    while not done.is_set():
        results.append(audit.verify()[1])
    writer.join()
    results.append(audit.verify()[1])
    assert all(breaks == [] for breaks in results), [b for b in results if b][:1]
    assert len(results) > 1


@pytest.mark.parametrize(
    ("remote", "stored"),
    [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", None),
        ("198.51.100.4", "198.51.100.4"),
    ],
)
def test_any_spelling_of_an_address_keeps_the_chain_whole(
    db: None, remote: str, stored: str | None
) -> None:
    from django.test import Client

    Client(REMOTE_ADDR=remote).post(
        "/accounts/sign-in/", {"username": "nobody", "password": "x" * 12, "acknowledge": "on"}
    )
    event = AuditEvent.objects.get(verb="auth.password.failure")
    assert event.source_ip == stored
    assert audit.verify()[1] == []


def test_behind_a_proxy_the_address_it_added_is_recorded(db: None, settings: object) -> None:
    from django.test import Client

    settings.TRUST_X_FORWARDED_FOR = True  # type: ignore[attr-defined]
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50").post(
        "/accounts/sign-in/", {"username": "nobody", "password": "x" * 12, "acknowledge": "on"}
    )
    assert AuditEvent.objects.get(verb="auth.password.failure").source_ip == "203.0.113.50"
