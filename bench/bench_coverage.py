"""CIT coverage: 1,000 officers x 365 days of shifts, ours against a naive per-shift query loop.

(a) ours: `training.queries.coverage_report` for a year: five queries load the roster (patrol
    officers, squads, assignments, CIT certifications, the target), then the pure counting of
    training/coverage.py finds every (day, precinct, shift) and who is on duty, certified or
    not. The agency: 1,000 patrol officers in 8 precincts x 3 shifts x 2 squads working 4 on,
    4 off; a tenth change squad mid-year; about a quarter hold CIT certifications issued over
    the past three years, so some lapse during the year. Printed beside it: the pure counting
    alone, and ranking whom to train next.
    Baseline: the naive loop, one ORM query per (day, precinct, shift) asking whether a
    certified patrol officer is on duty. Both must find the same uncovered shifts.
(b) the pages for a demo-sized agency (220 officers, 2 precincts x 3 shifts x 2 squads, 12%
    certified so there are gaps to show, the default 90 days): GET /training/coverage/ and
    /training/coverage/train-next/ through django.test.Client signed in with both factors (all
    middleware, the queries, the template), against GET /healthz through the same client.

Run: `make bench` or `.venv/bin/python bench/bench_coverage.py [--database postgres]`.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # after the path insert; configures Django before any model import

OFFICERS = 1_000
PRECINCTS = 8
DAYS = 365
DEMO_OFFICERS = 220
REPS = 5
PAGE_GETS = 20
ROTATIONS = ("11110000", "00001111")  # squad A and squad B of each precinct's shift
CERTIFIED_SHARE = 0.25  # about the target: gaps are few, where a squad has no one certified
DEMO_CERTIFIED_SHARE = 0.12  # a department short of its target: the pages have gaps to show
SEED = 6


def main() -> None:
    args = _setup.arguments(__doc__)
    _setup.django_for_bench(fast_passwords=True, database=args.database)

    from django.utils import timezone

    from crossroads.training import coverage, queries

    started = time.perf_counter()
    today = timezone.localdate()  # the roster starts well before and runs past the year
    big = _agency("Bench Police", "BP", OFFICERS, PRECINCTS, today, CERTIFIED_SHARE)
    today = queries.agency_today(big)
    period = coverage.Period(today, today + timedelta(days=DAYS - 1))

    def ours() -> coverage.Report:
        return queries.coverage_report(big, period, today)

    report = ours()  # warm
    roster = report.roster
    ours_runs = [_setup.timed(ours) for _ in range(REPS)]
    pure_runs = [_setup.timed(lambda: coverage.report_of(roster, today)) for _ in range(REPS)]
    rank_runs = [
        _setup.timed(lambda: coverage.whom_to_train(roster, report.coverage)) for _ in range(REPS)
    ]
    naive_gaps: list[tuple[date, str, str]] = []
    naive_seconds = _setup.timed(lambda: naive_gaps.extend(_naive_loop(big, period)))
    ours_gaps = [(s.day, s.precinct, s.shift) for s in report.coverage.uncovered()]
    if ours_gaps != naive_gaps:
        _setup.fail(f"ours found {len(ours_gaps)} uncovered shifts, the loop {len(naive_gaps)}")
    best = _setup.median(ours_runs)
    if best >= 1.0:
        _setup.fail(f"coverage took {best:.2f} s for {OFFICERS} officers x {DAYS} days (limit 1 s)")
    shifts = report.coverage.shifts
    print(
        f"coverage, {OFFICERS} officers x {DAYS} days ({shifts} shifts, {len(ours_gaps)} "
        f"uncovered, {report.share.certified} certified today): ours "
        f"{_setup.spread([s * 1000 for s in ours_runs])} ms   baseline naive per-shift query "
        f"loop ({shifts} queries): {naive_seconds * 1000:.0f} ms   ratio "
        f"{naive_seconds / best:.0f}x faster   [{REPS} runs of ours, 1 of the loop]"
    )
    pure = _setup.spread([s * 1000 for s in pure_runs], "{:.1f}")
    ranked = len(coverage.whom_to_train(roster, report.coverage))
    rank = _setup.spread([s * 1000 for s in rank_runs], "{:.1f}")
    print(
        f"  (of which the pure counting alone: {pure} ms; whom to train next, {ranked} "
        f"officers ranked: {rank} ms)"
    )
    _pages(today)
    print(f"bench_coverage done in {time.perf_counter() - started:.0f} s")


def _agency(
    name: str, short_name: str, officers: int, precincts: int, today: date, certified: float
) -> Any:
    """An agency with its roster and certifications, every record made through the actions, in
    one transaction (one commit for the set-up)."""
    from django.db import transaction

    from crossroads.core import actions
    from crossroads.core.models import Agency
    from crossroads.training import actions as training

    rng = random.Random(SEED)
    start = today - timedelta(days=400)
    with transaction.atomic():
        agency = actions.agency_create(
            by=None, name=name, short_name=short_name, type=Agency.Type.POLICE, jurisdiction="Bench"
        )
        shifts = [
            training.shift_create(
                by=None, agency=agency, code=code, name=code.title(), starts_at=at, hours=8
            )
            for code, at in (("day", clock(7)), ("evening", clock(15)), ("night", clock(23)))
        ]
        squads = [
            training.squad_create(
                by=None,
                agency=agency,
                name=f"P{p} {shift.name} {'AB'[r]}",
                precinct=precinct,
                shift=shift,
                pattern=ROTATIONS[r],
                pattern_start=start,
            )
            for p in range(precincts)
            for precinct in [
                training.precinct_create(by=None, agency=agency, code=f"p{p}", name=f"Precinct {p}")
            ]
            for shift in shifts
            for r in range(len(ROTATIONS))
        ]
        for n in range(officers):
            _officer(agency, n, rng.choice(squads), rng, squads, start, today, certified)
    return agency


def _officer(
    agency: Any,
    n: int,
    squad: Any,
    rng: random.Random,
    squads: list[Any],
    start: date,
    today: date,
    certified: float,
) -> None:
    from crossroads.core import actions
    from crossroads.training import actions as training

    officer = actions.user_create(
        by=None,
        agency=agency,
        username=f"{agency.short_name.lower()}.officer{n:04d}",
        email=f"{agency.short_name.lower()}.officer{n:04d}@example.org",
        first_name="Officer",
        last_name=f"{n:04d}",
        password=_setup.BENCH_PASSWORD,
        roles=["officer"],
    )
    if rng.random() < 0.1:  # moves to another squad mid-year
        moves_on = today + timedelta(days=rng.randrange(30, 300))
        training.assignment_record(
            by=None, officer=officer, squad=squad, starts_on=start, ends_on=moves_on
        )
        training.assignment_record(
            by=None,
            officer=officer,
            squad=rng.choice(squads),
            starts_on=moves_on + timedelta(days=1),
        )
    else:
        training.assignment_record(by=None, officer=officer, squad=squad, starts_on=start)
    if rng.random() < certified:
        issued = today - timedelta(days=rng.randrange(0, 3 * 365))
        training.certification_record(
            by=None,
            officer=officer,
            course="cit",
            issued_on=issued,
            expires_on=issued + timedelta(days=3 * 365),
        )


def _naive_loop(agency: Any, period: Any) -> list[tuple[date, str, str]]:
    """The baseline: for each day, precinct and shift some squad works, one query asking
    whether a patrol officer of a working squad holds a CIT certification valid that day."""
    from django.db.models import Q

    from crossroads.training.curricula import CIT
    from crossroads.training.models import RosterAssignment, Squad

    squads = list(
        Squad.objects.filter(agency=agency)
        .select_related("precinct", "shift")
        .order_by("precinct__name", "shift__starts_at", "shift__name", "name")
    )
    cells: dict[tuple[str, str], list[Any]] = {}
    for squad in squads:
        cells.setdefault((squad.precinct.name, squad.shift.name), []).append(squad)
    gaps = []
    for n in range(period.days):
        day = period.first + timedelta(days=n)
        for (precinct, shift), cell in cells.items():
            working = [squad for squad in cell if squad.works_on(day)]
            if not working:
                continue
            covered = RosterAssignment.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=day),
                squad__in=working,
                starts_on__lte=day,
                officer__is_active=True,
                officer__role_grants__role="officer",
                officer__certifications__course=CIT,
                officer__certifications__issued_on__lte=day,
                officer__certifications__expires_on__gte=day,
            ).exists()
            if not covered:
                gaps.append((day, precinct, shift))
    return gaps


def _pages(today: date) -> None:
    """The two pages for a demo-sized agency, against /healthz through the same client."""
    from django.test import Client
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from crossroads.core import actions

    demo = _agency("Demo-sized Police", "DP", DEMO_OFFICERS, 2, today, DEMO_CERTIFIED_SHARE)
    coordinator = actions.user_create(
        by=None,
        agency=demo,
        username="dp.coordinator",
        email="dp.coordinator@example.org",
        first_name="CIT",
        last_name="Coordinator",
        password=_setup.BENCH_PASSWORD,
        roles=["cit_coordinator"],
    )
    device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
    client = Client()
    client.force_login(coordinator)
    session = client.session
    now = timezone.now().timestamp()
    session.update({"otp_device_id": device.persistent_id, "signed_in_at": now, "last_seen": now})
    session.save()

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            _setup.fail(f"GET {url} answered {response.status_code}")

    from crossroads.training import queries
    from crossroads.training.coverage import Period

    first = queries.agency_today(demo)
    report = queries.coverage_report(demo, Period(first, first + timedelta(days=89)), first)
    gaps = len(report.coverage.uncovered())
    urls = {"coverage": "/training/coverage/", "train next": "/training/coverage/train-next/"}
    timings: dict[str, list[float]] = {name: [] for name in [*urls, "healthz"]}
    for url in [*urls.values(), "/healthz"]:
        get(url)  # warm
    for rep in range(PAGE_GETS):
        order = [*urls.items(), ("healthz", "/healthz")]
        for name, url in order[rep % 3 :] + order[: rep % 3]:
            timings[name].append(_setup.timed(lambda url=url: get(url)) * 1000)
    healthz = _setup.median(timings["healthz"])
    for name in urls:
        page = _setup.median(timings[name])
        print(
            f"{name} page, {DEMO_OFFICERS} officers x 90 days (2 precincts x 3 shifts, {gaps} "
            f"uncovered of {report.coverage.shifts}): median "
            f"{page:.0f} ms, p90 {_setup.percentile(timings[name], 90):.0f} ms   baseline GET "
            f"/healthz: {healthz:.1f} ms   ratio {page / healthz:.0f}   [{PAGE_GETS} requests]"
        )


if __name__ == "__main__":
    main()
