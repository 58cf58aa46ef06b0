"""Screening: how fast `scoring.score` scores a screen, per instrument, in pure Python.

For each instrument, 100,000 random valid screens (answers drawn from the answer values,
skip logic applied) are scored with `score()`; the baseline is `sum()` over the same answer
lists (blank items as 0), the least any scoring could cost. Each is measured REPS times,
alternating which goes first, and the median reported. No database, no Django.
Exits 1 if any instrument scores fewer than 100,000 screens a second.
Run: `make bench` or `.venv/bin/python bench/bench_scoring.py`.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from crossroads.screening.catalog import Instrument, catalog
from crossroads.screening.scoring import score

N = 100_000
REPS = 3
TARGET = 100_000  # screens per second, per instrument (issue 3)


def random_screens(instrument: Instrument, rng: random.Random) -> list[list[int | None]]:
    plan = instrument.plan
    values = [sorted(table) for table in plan.tables]
    screens: list[list[int | None]] = []
    for _ in range(N):
        answers: list[int | None] = [rng.choice(v) for v in values]
        for index, condition in enumerate(plan.asked_when):
            if condition is not None and not condition.holds(answers):
                answers[index] = None
        screens.append(answers)
    return screens


def main() -> None:
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    rng = random.Random(2026)
    slow: list[str] = []
    for code, instrument in sorted(catalog().items()):
        screens = random_screens(instrument, rng)
        plain = [[a or 0 for a in answers] for answers in screens]
        sex = "female" if instrument.needs_sex else None

        def run_score(
            screens: list[list[int | None]] = screens,
            sex: str | None = sex,
            instrument: Instrument = instrument,
        ) -> None:
            for answers in screens:
                score(instrument, answers, sex=sex)

        def run_sum(plain: list[list[int]] = plain) -> None:
            for answers in plain:
                sum(answers)

        run_score()  # warm
        score_rates: list[float] = []
        sum_rates: list[float] = []
        for rep in range(REPS):
            order = [(score_rates, run_score), (sum_rates, run_sum)]
            for rates, fn in order if rep % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                fn()
                rates.append(N / (time.perf_counter() - start))
        rate, baseline = statistics.median(score_rates), statistics.median(sum_rates)
        print(
            f"{code}: {rate:,.0f} screens/s   baseline sum() of the same answers: "
            f"{baseline:,.0f}/s   ratio {rate / baseline:.2f}"
        )
        if rate < TARGET:
            slow.append(f"{code} {rate:,.0f}/s")
    if slow:
        print(f"FAILED: below {TARGET:,} screens/s: {', '.join(slow)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
