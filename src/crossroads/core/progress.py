"""A one-line progress bar for long CLI verbs (imports), drawn on stderr.

Small on purpose: a bar, a count, a rate and the time left, redrawn at most five times a second,
so it costs nothing measurable inside a loop of a million rows. Verbs draw it only on a terminal
(or when asked with --progress), never into a log or a pipe.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Protocol

REDRAW_SECONDS = 0.2


class Stream(Protocol):
    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class LineStream(Protocol):
    """A stream that ends each write with a newline unless told otherwise (Django's
    OutputWrapper, as a management command's stderr is)."""

    def write(self, msg: str, /, *, ending: str) -> object: ...

    def flush(self) -> object: ...


class Unended:
    """A command's stderr for the bar, which draws over its own line: no newline after each
    write."""

    def __init__(self, out: LineStream) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()


class ProgressBar:
    def __init__(self, total: int, *, stream: Stream, unit: str = "rows", width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.unit = unit
        self.width = width
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self.drawn_at >= REDRAW_SECONDS:
            self.drawn_at = now
            self._draw(now)

    def finish(self) -> None:
        self.done = self.total
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        done = min(self.done, self.total)
        share = done / self.total
        filled = int(share * self.width)
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        if done >= self.total:
            timing = f"took {_clock(elapsed)}"
        else:
            timing = f"{_clock((self.total - done) / rate) if rate else '?'} left"
        self.stream.write(
            f"\r{share:4.0%} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done:,}/{self.total:,} {self.unit}  {rate:,.0f}/s  {timing} "
        )
        self.stream.flush()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """The --progress / --no-progress switch every long verb offers."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: only on a terminal, and not with --json)",
    )


def wants_progress(options: dict[str, Any], stream: Any) -> bool:
    """Asked for, or else drawn on a terminal unless the output is JSON for a program."""
    asked: bool | None = options["progress"]
    if asked is None:
        return bool(stream.isatty()) and not options["json"]
    return asked
