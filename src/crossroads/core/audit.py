"""Writing and verifying the audit trail. Every action calls `record` once."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from crossroads.core import context
from crossroads.core.audit_chain import GENESIS, ChainBreak, ChainRow, find_breaks, link_hash
from crossroads.core.models import Agency, AuditChainHead, AuditEvent, User


def system_actor_name() -> str:
    """Names the operating-system account behind a CLI or background write."""
    try:
        return f"system:{getpass.getuser()}"
    except (KeyError, OSError):
        return "system"


def record(
    *,
    by: User | None,
    verb: str,
    obj: models.Model | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
    agency: Agency | None = None,
) -> AuditEvent:
    """Append one event to the chain. `by=None` means the system (CLI, worker)."""
    event = AuditEvent(
        at=timezone.now(),
        actor=by,
        actor_name=actor_name or (by.username if by else system_actor_name()),
        agency=agency or (by.agency if by else None),
        verb=verb,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        outcome=outcome,
        source_ip=context.source_ip.get(),
        detail=detail or {},
    )
    with transaction.atomic():
        # The head row is the chain's lock: appends are serialised, so links never fork.
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # the first event ever: two first writers must not both create it
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(pk=1, last_hash=GENESIS)], ignore_conflicts=True
            )
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        event.prev_hash = head.last_hash
        event.hash = link_hash(chained_fields(event), event.prev_hash)
        event.save()
        AuditChainHead.objects.filter(pk=1).update(
            last_seq=event.seq, last_hash=event.hash, length=models.F("length") + 1
        )
    return event


def chained_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": str(event.actor_id) if event.actor_id else None,
        "actor_name": event.actor_name,
        "agency": str(event.agency_id) if event.agency_id else None,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "source_ip": event.source_ip,
        "detail": event.detail,
    }


def _stored_rows(up_to_seq: int) -> Iterator[ChainRow]:
    events = AuditEvent.objects.filter(seq__lte=up_to_seq).order_by("seq")
    for event in events.iterator(chunk_size=5000):
        yield ChainRow(event.seq, chained_fields(event), event.prev_hash, event.hash)


def _rows_past_the_head() -> list[ChainBreak]:
    """Rows the head never saw were not appended through the chain.

    The newest row is read before the head, so an append committing in between shows in the
    head too and is not mistaken for a forged row.
    """
    newest = AuditEvent.objects.aggregate(newest=models.Max("seq"))["newest"] or 0
    head = AuditChainHead.objects.filter(pk=1).first()
    if newest > (head.last_seq if head else 0):
        return [ChainBreak(newest, "written after the chain head without being chained")]
    return []


def verify() -> tuple[int, list[ChainBreak]]:
    """Walk the whole chain as the head saw it; return its length and every break found.

    Appends are serialised by the head row, so sequence numbers grow in commit order: the rows up
    to the head's last sequence are exactly its chain, and events appended while the walk runs
    are left for the next one instead of looking like rows removed from the end.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash, head_length, last_seq = (
        (head.last_hash, head.length, head.last_seq) if head else (GENESIS, 0, 0)
    )
    rows = _stored_rows(last_seq)
    breaks = list(find_breaks(rows, head_hash=head_hash, head_length=head_length))
    breaks.extend(_rows_past_the_head())
    return head_length, breaks
