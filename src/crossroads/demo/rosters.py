"""The demo county's patrol rosters: two precincts per police agency, three eight-hour shifts,
and two squads per precinct and shift working 4 on, 4 off, so every shift of every day is worked
by one squad. Officers are spread over the squads at random (seeded), so a squad's CIT officers
are as many as chance gives it: most shifts are covered, some are not, and lapsing
certifications open gaps in the months ahead, as a coordinator sees them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
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


def load(
    agencies: dict[str, Agency],
    officers: Mapping[str, Sequence[User]],
    *,
    seed: int,
    starts_on: date,
) -> Rosters:
    """Each police agency's precincts, shifts and squads, and its officers in them from
    `starts_on` until further notice."""
    rosters = Rosters()
    for key, precincts in PRECINCTS.items():
        agency = agencies[key]
        squads = _squads(agency, precincts, starts_on)
        rosters.squads += squads
        patrol = list(officers[key])
        random.Random(f"{seed}/{key}/roster").shuffle(patrol)  # nosec B311  (synthetic data)
        for n, officer in enumerate(patrol):
            rosters.assignments.append(
                actions.assignment_record(
                    by=None, officer=officer, squad=squads[n % len(squads)], starts_on=starts_on
                )
            )
    return rosters


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
