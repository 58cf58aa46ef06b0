"""The demo county's patrol rosters: two precincts per police agency, three eight-hour shifts,
and two squads per precinct and shift working 4 on, 4 off, so every shift of every day is worked
by one squad. Squads are of even size, but CIT officers lean to the day and evening watches (the
volunteers are often the senior officers who hold them), so nights are thin: most shifts are
covered, some are not, and lapsing certifications open more gaps in the months ahead, as a
coordinator sees them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from crossroads.core.models import Agency, User
from crossroads.training import actions
from crossroads.training.models import RosterAssignment, Squad

PRECINCTS = {
    "rpd": [("north", "North Precinct"), ("south", "South Precinct")],
    "acso": [("east", "East District"), ("west", "West District")],
}
SHIFTS = [("day", "Day", time(7)), ("evening", "Evening", time(15)), ("night", "Night", time(23))]
ROTATION = "11110000"  # 4 on, 4 off; the second squad of a shift starts 4 days later
SQUADS_PER_SHIFT = ("A", "B")


@dataclass
class Rosters:
    squads: list[Squad] = field(default_factory=list)
    assignments: list[RosterAssignment] = field(default_factory=list)


CIT_ON_DAYS = 0.95  # of the CIT officers, those on a day or evening watch


def load(
    agencies: dict[str, Agency],
    officers: Mapping[str, Sequence[User]],
    *,
    certified: Collection[User],
    seed: int,
    starts_on: date,
) -> Rosters:
    """Each police agency's precincts, shifts and squads, and its officers in them from
    `starts_on` until further notice (`certified`: the officers CIT-certified today)."""
    rosters = Rosters()
    for key, precincts in PRECINCTS.items():
        squads = _squads(agencies[key], precincts, starts_on)
        rosters.squads += squads
        rng = random.Random(f"{seed}/{key}/roster")  # nosec B311  (synthetic data)
        for officer, squad in _placed(officers[key], squads, certified, rng).items():
            rosters.assignments.append(
                actions.assignment_record(
                    by=None, officer=officer, squad=squad, starts_on=starts_on
                )
            )
    return rosters


def _placed(
    officers: Sequence[User], squads: list[Squad], certified: Collection[User], rng: random.Random
) -> dict[User, Squad]:
    """Each officer's squad: CIT officers first, most of them on day and evening watches, each
    into the squad of its pool with the fewest so far; then everyone else into the smallest
    squad, so squads stay even."""
    cit = [officer for officer in officers if officer in certified]
    rest = [officer for officer in officers if officer not in certified]
    rng.shuffle(cit)
    rng.shuffle(rest)
    days = [squad for squad in squads if squad.shift.code != "night"]
    placed: dict[User, Squad] = {}
    for officer in cit:
        pool = days if rng.random() < CIT_ON_DAYS else squads
        held = Counter(placed.values())
        placed[officer] = min(pool, key=lambda squad: (held[squad], rng.random()))
    for officer in rest:
        sizes = Counter(placed.values())
        placed[officer] = min(squads, key=lambda squad: sizes[squad])
    return placed


def _squads(agency: Agency, precincts: list[tuple[str, str]], starts_on: date) -> list[Squad]:
    shifts = [
        actions.shift_create(by=None, agency=agency, code=code, name=name, starts_at=at, hours=8)
        for code, name, at in SHIFTS
    ]
    squads = []
    for code, name in precincts:
        precinct = actions.precinct_create(by=None, agency=agency, code=code, name=name)
        for shift in shifts:
            for offset, letter in enumerate(SQUADS_PER_SHIFT):
                squads.append(
                    actions.squad_create(
                        by=None,
                        agency=agency,
                        name=f"{name} {shift.name} {letter}",
                        precinct=precinct,
                        shift=shift,
                        pattern=ROTATION,
                        pattern_start=starts_on + timedelta(days=4 * offset),
                    )
                )
    return squads
