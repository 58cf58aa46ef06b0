"""Where the current request came from, for audit rows written deep inside actions."""

from __future__ import annotations

from contextvars import ContextVar

source_ip: ContextVar[str | None] = ContextVar("source_ip", default=None)
