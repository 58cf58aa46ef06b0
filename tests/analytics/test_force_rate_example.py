from __future__ import annotations

from datetime import date
from pathlib import Path

from crossroads.analytics.metrics import Filters, run
from tests.analytics.builder import write_snapshot


def test_force_rate_counts_force_above_verbal_per_hundred(tmp_path: Path) -> None:
    # 4 encounters in March: none, verbal, empty hand, firearm -> 2 of 4 above verbal = 50 per 100.
    # One in April (empty hand) is outside the range asked for.
    forces = ["none", "verbal", "empty_hand", "firearm"]
    encounters = [
        {"encounter_id": f"e{i}", "local_date": "2026-03-0" + str(i + 1), "highest_force": force}
        for i, force in enumerate(forces)
    ]
    encounters.append({"encounter_id": "e9", "local_date": "2026-04-02", "highest_force": "empty_hand"})
    root = write_snapshot(tmp_path, encounters=encounters)

    rows = run("force_rate", Filters(date(2026, 3, 1), date(2026, 3, 31)), root)

    assert [(r["numerator"], r["denominator"], r["value"]) for r in rows] == [(2, 4, 50.0)]
