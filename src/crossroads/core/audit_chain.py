"""The audit trail's hash chain, over plain data.

Each row's hash covers its own fields and the previous row's hash, so editing a row breaks its
own hash and removing one breaks its successor's link. The chain head (last hash and length)
catches rows removed from the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def link_hash(fields: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps({**fields, "prev_hash": prev_hash}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    seq: int
    fields: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "chain end"
        return f"{where}: {self.reason}"


def find_breaks(
    rows: Iterable[ChainRow], *, head_hash: str, head_length: int
) -> Iterator[ChainBreak]:
    """Yield every place where the stored rows disagree with the chain."""
    expected_prev, previous_seq, count = GENESIS, None, 0
    for row in rows:
        count += 1
        if row.prev_hash != expected_prev:
            after = f"after #{previous_seq}" if previous_seq is not None else "at the start"
            yield ChainBreak(
                row.seq, f"does not follow the row before it; a row {after} was removed or altered"
            )
        if link_hash(row.fields, row.prev_hash) != row.hash:
            yield ChainBreak(row.seq, "its contents were altered after it was written")
        expected_prev, previous_seq = row.hash, row.seq
    if expected_prev != head_hash:
        yield ChainBreak(
            None,
            f"the newest row ({expected_prev[:12]}) is not the chain head "
            f"({head_hash[:12]}); rows were removed from the end",
        )
    elif count != head_length:
        yield ChainBreak(None, f"{count} rows stored but the chain head counts {head_length}")
