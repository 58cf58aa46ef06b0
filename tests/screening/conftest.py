from __future__ import annotations

import pytest

from crossroads.screening.catalog import Instrument, catalog


@pytest.fixture(scope="session")
def instruments() -> dict[str, Instrument]:
    return dict(catalog())


def fill(count: int, total: int, top: int) -> list[int | None]:
    """`count` answers of 0..top adding up to `total`, filled from the first item."""
    answers: list[int | None] = []
    for _ in range(count):
        step = min(top, total)
        answers.append(step)
        total -= step
    assert total == 0, "total out of range"
    return answers
