"""Audit trail: what the hash chain costs on append, and what hashing costs on verify.

(a) `audit.record` (one event per transaction, head row locked and updated, SHA-256 link)
    against the same insert of an AuditEvent-shaped row in its own transaction with no chain.
(b) `audit.verify` over the whole chain against plain iteration of the same rows in the same
    order with the same chunk size (the query and model building verify does anyway).

Each pair is measured REPS times, interleaved and alternating which goes first; the median
and every run are printed. Run: `make bench` or `.venv/bin/python bench/bench_audit.py`.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

N_APPEND = 2000  # events per append run
REPS = 3
# Events in the chain that verify walks. Building it costs 1.5-4 ms per record() on a busy
# 2-core machine even inside one transaction, so 10,000 keeps the script near half a minute.
CHAIN_LENGTH = 10_000


def main() -> None:
    _setup.django_for_bench(fast_passwords=True)

    from django.db import connection, models, transaction
    from django.utils import timezone

    from crossroads.core import actions, audit, context
    from crossroads.core.audit_chain import ChainRow, find_breaks
    from crossroads.core.models import Agency, AuditChainHead, AuditEvent, User

    started = time.perf_counter()

    agency = _setup.bench_agency()
    user = actions.user_create(
        by=None,
        agency=agency,
        username="bench.officer",
        email="bench@example.org",
        first_name="Bench",
        last_name="Officer",
        password=_setup.BENCH_PASSWORD,
        roles=["officer"],
    )

    class PlainEvent(models.Model):
        """AuditEvent's columns and indexes, without the chain: the append baseline."""

        seq = models.BigAutoField(primary_key=True)
        at = models.DateTimeField(db_index=True)
        actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
        actor_name = models.CharField(max_length=150)
        agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
        verb = models.CharField(max_length=60, db_index=True)
        object_type = models.CharField(max_length=60, blank=True)
        object_id = models.CharField(max_length=64, blank=True)
        outcome = models.CharField(max_length=10, default="success")
        source_ip = models.GenericIPAddressField(null=True)
        detail = models.JSONField(default=dict)
        prev_hash = models.CharField(max_length=64)
        hash = models.CharField(max_length=64, unique=True)

        class Meta:
            app_label = "bench"
            db_table = "bench_plain_event"
            indexes = [models.Index(fields=["agency", "at"], name="bench_plain_agency_at")]

        def __str__(self) -> str:
            return f"#{self.seq} {self.verb}"

    with connection.schema_editor() as editor:
        editor.create_model(PlainEvent)

    plain_serial = iter(range(1, 10**9))

    def append_chained(n: int) -> None:
        for i in range(n):
            audit.record(by=user, verb="bench.append", obj=user, detail={"i": i})

    def append_plain(n: int) -> None:
        for i in range(n):
            # The same fields record() fills in, the same kind of transaction, no chain.
            row = PlainEvent(
                at=timezone.now(),
                actor=user,
                actor_name=user.username,
                agency=user.agency,
                verb="bench.append",
                object_type=user._meta.label_lower,
                object_id=str(user.pk),
                outcome="success",
                source_ip=context.source_ip.get(),
                detail={"i": i},
            )
            serial = next(plain_serial)
            row.prev_hash, row.hash = f"{serial - 1:064x}", f"{serial:064x}"
            with transaction.atomic():
                row.save()

    # Warm both paths (query compilation caches, SQLite page cache) before timing.
    append_chained(50)
    append_plain(50)

    chained_rates, plain_rates = [], []
    for rep in range(REPS):
        order = [("chained", append_chained), ("plain", append_plain)]
        for name, fn in order if rep % 2 == 0 else order[::-1]:
            rate = N_APPEND / _setup.timed(lambda fn=fn: fn(N_APPEND))
            (chained_rates if name == "chained" else plain_rates).append(rate)
    append_ratio = _setup.median(chained_rates) / _setup.median(plain_rates)
    print(
        f"audit.record: {_setup.spread(chained_rates)} events/s   "
        f"baseline plain insert (same row, own transaction, no chain): "
        f"{_setup.spread(plain_rates)} rows/s   ratio {append_ratio:.2f}"
        f"   [N={N_APPEND}, {REPS} runs]"
    )

    # Grow the chain for verify. Inside one outer transaction each record() is a savepoint, so
    # the chain is built by the real code path without paying one commit per event.
    missing = CHAIN_LENGTH - AuditEvent.objects.count()
    if missing > 0:
        with transaction.atomic():
            fill_seconds = _setup.timed(lambda: append_chained(missing))
        print(
            f"  (chain filled to {CHAIN_LENGTH} events: {missing} more record() calls inside one "
            f"transaction at {missing / fill_seconds:.0f} events/s, i.e. without per-event commit)"
        )

    def verify() -> None:
        length, breaks = audit.verify()
        if breaks or length != CHAIN_LENGTH:
            _setup.fail(f"verify found {len(breaks)} breaks over {length} events")

    def iterate_rows() -> None:
        count = sum(1 for _ in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000))
        if count != CHAIN_LENGTH:
            _setup.fail(f"iterated {count} rows, expected {CHAIN_LENGTH}")

    verify()  # warm
    iterate_rows()
    verify_rates, iterate_rates = [], []
    for rep in range(REPS):
        order = [("verify", verify), ("iterate", iterate_rows)]
        for name, fn in order if rep % 2 == 0 else order[::-1]:
            rate = CHAIN_LENGTH / _setup.timed(fn)
            (verify_rates if name == "verify" else iterate_rates).append(rate)
    verify_ratio = _setup.median(verify_rates) / _setup.median(iterate_rates)
    print(
        f"audit.verify: {_setup.spread(verify_rates)} rows/s   "
        f"baseline plain SELECT iteration (same rows, order, chunk size): "
        f"{_setup.spread(iterate_rates)} rows/s   ratio {verify_ratio:.2f}"
        f"   [{CHAIN_LENGTH} events, {REPS} runs]"
    )

    # Where verify's extra time goes: the hashing alone, over rows already in memory.
    rows = [
        ChainRow(e.seq, audit.chained_fields(e), e.prev_hash, e.hash)
        for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)
    ]
    head = AuditChainHead.objects.get(pk=1)
    hash_seconds = _setup.timed(
        lambda: list(find_breaks(rows, head_hash=head.last_hash, head_length=head.length))
    )
    print(
        f"  (of which find_breaks alone, rows already in memory: "
        f"{CHAIN_LENGTH / hash_seconds:.0f} rows/s)"
    )
    print(f"bench_audit done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
