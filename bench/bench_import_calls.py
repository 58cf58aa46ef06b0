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

`--person-refs` adds a "Subject ID" column (a person number of the source system, drawn so that
some people come back often) and maps it to `person_ref` in a copy of the mapping: the import
then also creates a person for each number and links the encounters to it.

Run: `make bench`, or
`.venv/bin/python bench/bench_import_calls.py [--rows N] [--shuffled] [--person-refs]
[--database postgres]`.
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

import yaml

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
SUBJECT = "Subject ID"
SECTORS = {"North": "BJLNU", "East": "CEG", "South": "ORS", "West": "DKMQ", "Southwest": "FW"}


def write_file(
    path: Path, rows: int, *, shuffled: bool = False, person_refs: bool = False, seed: int = 3
) -> int:
    """A synthetic export in SPD's layout; every row valid for the seattle-crisis mapping.

    Rows come in the order of their reported time, Template IDs rising with it, as in the
    published export; `shuffled` puts the times in random order instead (the worst case for
    the time indexes). `person_refs` adds a Subject ID column, from a pool of a third as many
    people as rows, the low numbers far more often. Returns the number of distinct subjects.
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
    pool = max(1, rows // 3)
    subjects: set[int] = set()
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([*HEADER, SUBJECT] if person_refs else HEADER)
        for n in range(rows):
            reported = start + timedelta(seconds=seconds[n])
            occurred = reported - timedelta(minutes=rng.randint(1, 120))
            precinct = rng.choice(list(SECTORS))
            sector = rng.choice(SECTORS[precinct])
            officer, gender, born, cit = rng.choice(officers)
            sent = "Y" if cit == "Y" and rng.random() < 0.6 else "N"
            subject: list[object] = []
            if person_refs:
                number = int(pool * rng.random() ** 2)
                subjects.add(number)
                subject = [1_000_000 + number]
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
                    *subject,
                ]
            )
    return len(subjects)


def mapping_with_person_refs(directory: Path) -> Path:
    """A copy of the seattle-crisis mapping that also maps the Subject ID column."""
    from crossroads.encounters.cad_import import MAPPINGS_DIR

    data = yaml.safe_load((MAPPINGS_DIR / "seattle-crisis.yaml").read_text(encoding="utf-8"))
    data["name"] = "seattle-crisis-people"
    data["fields"]["person_ref"] = {"column": SUBJECT}
    path = directory / "seattle-crisis-people.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows in the file ({ROWS:,})")
    parser.add_argument(
        "--shuffled", action="store_true", help="rows in random time order (default: by time)"
    )
    parser.add_argument(
        "--person-refs",
        action="store_true",
        help="add a person number column, mapped to person_ref (default: none)",
    )
    args = _setup.arguments(parser=parser)
    data_dir = _setup.django_for_bench(database=args.database)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from crossroads.core.csv_files import csv_rows
    from crossroads.core.models import AuditEvent
    from crossroads.encounters.cad_import import CallReader, load_mapping, shipped_mapping
    from crossroads.encounters.models import CallForService, CallUnit, Encounter
    from crossroads.people.models import Person

    started = time.perf_counter()
    rows = args.rows
    path = data_dir / "crisis-data.csv"
    subjects: list[int] = []
    seconds = _setup.timed(
        lambda: subjects.append(
            write_file(path, rows, shuffled=args.shuffled, person_refs=args.person_refs)
        )
    )
    mapping_name = "seattle-crisis"
    if args.person_refs:
        mapping_name = str(mapping_with_person_refs(data_dir))
    print(
        f"file: {rows:,} rows in {'random' if args.shuffled else 'time'} order, "
        f"{path.stat().st_size / 1e6:.0f} MB, written in {seconds:.0f} s"
        + (f", {subjects[0]:,} distinct person numbers" if args.person_refs else "")
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
        mapping = (
            load_mapping(Path(mapping_name)) if args.person_refs else shipped_mapping(mapping_name)
        )
        with path.open(encoding="utf-8-sig", newline="") as stream:
            header, records = csv_rows(stream)
            reader = CallReader(
                mapping, header, zone=mapping.zone_for(agency.time_zone), now=timezone.now()
            )
            bad = sum(1 for _, _, result in reader.read(records) if isinstance(result, list))
        if bad:
            _setup.fail(f"the parser refused {bad} rows of the synthetic file")

    def plain_insert() -> None:
        width = len(HEADER) + (1 if args.person_refs else 0)
        columns = ", ".join(f"c{i} text" for i in range(width))
        marks = ", ".join(["%s"] * width)
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
            mapping_name,
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
    people = Person.objects.count()
    if people != (subjects[0] if args.person_refs else 0):
        _setup.fail(f"{people:,} people created for {subjects[0]:,} person numbers")
    again: dict[str, object] = {}
    again_seconds = _setup.timed(lambda: again.update(import_file()))
    if (again.get("written"), again.get("skipped"), again.get("people_created")) != (0, rows, 0):
        _setup.fail(f"importing again wrote {again.get('written')} rows: {again}")

    def rate(s: float) -> str:
        return f"{rows / s:,.0f} rows/s"

    with_people = f", {people:,} people created" if args.person_refs else ""
    print(
        f"import calls ({args.database}{with_people}): {import_seconds:.1f} s, "
        f"{rate(import_seconds)} "
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
