"""CAD import: a million-row Seattle "Crisis Data" file through `crossroads import calls`.

A synthetic file in the layout of SPD's public export (25 columns, values from its vocabulary,
times spread over ten years in time order, Template IDs rising with them; `--shuffled` for
random order) is written to the bench's temporary directory,
then imported with the real command (`call_command("import", "calls", ..., "--mapping",
"seattle-crisis")`): mapping, checks, the one transaction, one audit event. Issue 3's target is
1,000,000 rows in under 2 minutes; the script exits 1 if the import takes longer.

Baselines measured in the same run on the same file:
(a) reading it with the csv module alone (the least any import must do);
(b) inserting its rows as they are, 25 text columns, into a plain table with no index, with
    cursor.executemany in chunks inside one transaction (the least the database must do).
Also reported: the parser alone (cad_import.CallReader, no database), which splits the import's
time into reading and writing (roughly: on PostgreSQL the two overlap), and importing the same
file again (every row already there: read, checked, skipped).

Run: `make bench`, or
`.venv/bin/python bench/bench_import_calls.py [--rows N] [--shuffled] [--database postgres]`.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

ROWS = 1_000_000
TARGET_SECONDS = 120.0  # issue 3: a million rows in under 2 minutes
CHUNK = 5_000

HEADER = [
    "Template ID",
    "Reported Date",
    "Reported Time",
    "Occurred Date / Time",
    "Call Type",
    "Initial Call Type",
    "Final Call Type",
    "Disposition",
    "Use of Force Indicator",
    "Subject Veteran Indicator",
    "CIT Officer Requested",
    "CIT Officer Dispatched",
    "CIT Officer Arrived",
    "Officer ID",
    "Officer Gender",
    "Officer Race",
    "Officer Year of Birth",
    "Officer Years of Experience",
    "CIT Certified Indicator",
    "Officer Bureau Desc",
    "Officer Precinct Desc",
    "Officer Squad Desc",
    "Precinct",
    "Sector",
    "Beat",
]
CALL_TYPES = ["911"] * 12 + ["ONVIEW"] * 4 + ["TELEPHONE OTHER, NOT 911"] * 3 + ["TEXT MESSAGE"]
INITIAL = [
    "PERSON IN BEHAVIORAL/EMOTIONAL CRISIS",
    "SUICIDE - IP/JO SUICIDAL PERSON AND ATTEMPTS",
    "DISTURBANCE, MISCELLANEOUS/OTHER",
    "WELFARE CHECK",
    "-",
]
FINAL = [
    "--CRISIS COMPLAINT - GENERAL",
    "--SUICIDE - SUICIDAL PERSON AND ATTEMPTS",
    "--DISTURBANCE - OTHER",
    "--WELFARE CHECK - PERSON",
]
DISPOSITIONS = [
    "No Action Possible or Necessary",
    "Resources Declined",
    "Emergent Detention ITA",
    "Voluntary Committal",
    "Resources Offered",
    "Chronic Complaint",
    "Mobile Crisis Team",
    "Crisis Clinic",
    "Subject Arrested",
    "Unable to Contact",
]
SECTORS = {"North": "BJLNU", "East": "CEG", "South": "ORS", "West": "DKMQ", "Southwest": "FW"}


def write_file(path: Path, rows: int, *, shuffled: bool = False, seed: int = 3) -> None:
    """A synthetic export in SPD's layout; every row valid for the seattle-crisis mapping.

    Rows come in the order of their reported time, Template IDs rising with it, as in the
    published export; `shuffled` puts the times in random order instead (the worst case for
    the time indexes).
    """
    rng = random.Random(seed)
    start = datetime(2015, 5, 1, tzinfo=UTC)
    span = int(timedelta(days=3650).total_seconds())
    seconds = [rng.randrange(span) for _ in range(rows)]
    if not shuffled:
        seconds.sort()
    officers = [
        (
            str(rng.randint(4000, 8999)),
            rng.choice("MF"),
            1960 + rng.randint(0, 38),
            rng.choice("YN"),
        )
        for _ in range(1200)
    ]
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            reported = start + timedelta(seconds=seconds[n])
            occurred = reported - timedelta(minutes=rng.randint(1, 120))
            precinct = rng.choice(list(SECTORS))
            sector = rng.choice(SECTORS[precinct])
            officer, gender, born, cit = rng.choice(officers)
            sent = "Y" if cit == "Y" and rng.random() < 0.6 else "N"
            writer.writerow(
                [
                    200_000 + n,
                    f"{reported:%Y-%m-%d}",
                    f"{reported:%H:%M:%S}",
                    f"{occurred:%m/%d/%Y %I:%M:%S %p}",
                    rng.choice(CALL_TYPES),
                    rng.choice(INITIAL),
                    rng.choice(FINAL),
                    rng.choice(DISPOSITIONS),
                    "Y" if rng.random() < 0.02 else "N",
                    rng.choice("NNNY-"),
                    rng.choice("YNN"),
                    sent,
                    sent,
                    officer,
                    gender,
                    "White",
                    born,
                    rng.randint(1, 25),
                    cit,
                    "PATROL OPERATIONS BUREAU",
                    f"{precinct.upper()} PCT",
                    f"{precinct.upper()} PCT 2ND W - {sector} - PLATOON 1",
                    precinct,
                    sector,
                    f"{sector}{rng.randint(1, 3)}",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows in the file ({ROWS:,})")
    parser.add_argument(
        "--shuffled", action="store_true", help="rows in random time order (default: by time)"
    )
    args = _setup.arguments(parser=parser)
    data_dir = _setup.django_for_bench(database=args.database)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from crossroads.core.csv_files import csv_rows
    from crossroads.core.models import AuditEvent
    from crossroads.encounters.cad_import import CallReader, shipped_mapping
    from crossroads.encounters.models import CallForService, CallUnit, Encounter

    started = time.perf_counter()
    rows = args.rows
    path = data_dir / "crisis-data.csv"
    seconds = _setup.timed(lambda: write_file(path, rows, shuffled=args.shuffled))
    print(
        f"file: {rows:,} rows in {'random' if args.shuffled else 'time'} order, "
        f"{path.stat().st_size / 1e6:.0f} MB, written in {seconds:.0f} s"
    )
    agency = _setup.bench_agency()

    def read_csv() -> None:
        with path.open(newline="") as stream:
            count = sum(1 for _ in csv.reader(stream)) - 1
        if count != rows:
            _setup.fail(f"csv read {count} rows")

    def parse_only() -> None:
        # As the command reads: with the cyclic garbage collector paused (importers.py).
        gc.disable()
        try:
            parse_file()
        finally:
            gc.enable()

    def parse_file() -> None:
        mapping = shipped_mapping("seattle-crisis")
        with path.open(encoding="utf-8-sig", newline="") as stream:
            header, records = csv_rows(stream)
            reader = CallReader(
                mapping, header, zone=mapping.zone_for(agency.time_zone), now=timezone.now()
            )
            bad = sum(1 for _, _, result in reader.read(records) if isinstance(result, list))
        if bad:
            _setup.fail(f"the parser refused {bad} rows of the synthetic file")

    def plain_insert() -> None:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        marks = ", ".join(["%s"] * len(HEADER))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_plain_rows ({columns})")
            with path.open(newline="") as stream:
                reader = csv.reader(stream)
                next(reader)
                while chunk := [row for _, row in zip(range(CHUNK), reader, strict=False)]:
                    cursor.executemany(f"INSERT INTO bench_plain_rows VALUES ({marks})", chunk)  # noqa: S608
            cursor.execute("DROP TABLE bench_plain_rows")

    def import_file() -> dict[str, object]:
        out = io.StringIO()
        call_command(
            "import",
            "calls",
            str(path),
            "--mapping",
            "seattle-crisis",
            "--agency",
            agency.short_name,
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
        result: dict[str, object] = json.loads(out.getvalue())
        return result

    csv_seconds = _setup.timed(read_csv)
    parse_seconds = _setup.timed(parse_only)
    plain_seconds = _setup.timed(plain_insert)
    summary: dict[str, object] = {}
    import_seconds = _setup.timed(lambda: summary.update(import_file()))
    if summary.get("written") != rows:
        _setup.fail(f"the import wrote {summary.get('written')} of {rows} rows: {summary}")
    stored = (
        CallForService.objects.count(),
        CallUnit.objects.count(),
        Encounter.objects.count(),
        AuditEvent.objects.filter(verb="calls.import").count(),
    )
    if stored != (rows, rows, rows, 1):
        _setup.fail(f"stored calls, units, encounters, audit events: {stored}")
    again: dict[str, object] = {}
    again_seconds = _setup.timed(lambda: again.update(import_file()))
    if (again.get("written"), again.get("skipped")) != (0, rows):
        _setup.fail(f"importing again wrote {again.get('written')} rows")

    def rate(s: float) -> str:
        return f"{rows / s:,.0f} rows/s"

    print(
        f"import calls ({args.database}): {import_seconds:.1f} s, {rate(import_seconds)} "
        f"(target: {rows:,} rows in {TARGET_SECONDS * rows / ROWS:.0f} s)"
    )
    print(
        f"  baseline (a) csv module, read only: {csv_seconds:.1f} s, {rate(csv_seconds)}   "
        f"ratio {import_seconds / csv_seconds:.1f}x"
    )
    print(
        f"  baseline (b) plain table, 25 text columns, executemany: {plain_seconds:.1f} s, "
        f"{rate(plain_seconds)}   ratio {import_seconds / plain_seconds:.1f}x"
    )
    print(
        f"  of the import: the parser alone {parse_seconds:.1f} s ({rate(parse_seconds)}), so "
        f"writing about {import_seconds - parse_seconds:.1f} s"
    )
    print(
        f"  importing the same file again: {again_seconds:.1f} s, {rate(again_seconds)}, 0 written"
    )
    print(f"bench_import_calls done in {time.perf_counter() - started:.0f} s")
    if import_seconds > TARGET_SECONDS * rows / ROWS:
        _setup.fail(f"the import took {import_seconds:.0f} s, over the target")


if __name__ == "__main__":
    main()
