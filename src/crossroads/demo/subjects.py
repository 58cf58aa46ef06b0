"""Who the demo's behavioural-health encounters are with: the people police meet again and again.

A records system's export names the subject of an encounter by its own person number (a master
name index), which the import turns into one person record per number. Police crisis contacts
concentrate on a few people: a small group of frequent utilisers accounts for a large share of
the contacts, most people are met once, and some come back weeks or months later. Some of the
frequent utilisers are arrested again and again; others are met for their mental health and
rarely arrested. The shares below are demo assumptions of that shape, not published figures.

Drawn from a stream of its own, after the encounter itself, so the calls and encounters are the
same with or without the people. Pure: no Django here.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

FREQUENT_PEOPLE = 0.05  # of the people met, frequent utilisers ...
FREQUENT_ENCOUNTERS = 0.25  # ... who are the person met in this share of the encounters,
FREQUENT_ARRESTS = 0.45  # and in this share of those with an arrest basis (27% in all)
RETURNS = 0.12  # encounters with someone met before who is not a frequent utiliser
SOON = 0.3  # of those returns, within days (mean SOON_DAYS); the others months later
SOON_DAYS = 9
LATER_DAYS = (30, 540)
ARREST_PRONE = 0.3  # of the frequent utilisers: arrested, cited or diverted far more often
ARREST_PRONE_WEIGHT = 6.0
OTHER_KIND_WEIGHT = 0.25  # a frequent utiliser mostly presents the same way each time
ARREST_BASIS = frozenset({"arrest_booked", "citation", "pre_booking_diversion"})
SUBSTANCE = frozenset({"alcohol", "drugs", "overdose", "withdrawal"})


@dataclass(frozen=True, slots=True)
class _Frequent:
    ref: str
    weight: float
    arrest_prone: bool
    substance: bool


class Subjects:
    """Draws the person reference of each encounter of one agency, in time order."""

    def __init__(self, prefix: str, rng: random.Random, *, expected_encounters: float) -> None:
        self.prefix, self.rng = prefix, rng
        self.number = 0
        # The people met once or a few times number about (1 - frequent - returns) of the
        # encounters; the frequent utilisers are FREQUENT_PEOPLE of all the people.
        occasional = (1 - FREQUENT_ENCOUNTERS - RETURNS) * expected_encounters
        count = max(3, round(occasional * FREQUENT_PEOPLE / (1 - FREQUENT_PEOPLE)))
        self.frequent = [
            _Frequent(
                self._new_ref(),
                rng.lognormvariate(0, 0.7),
                rng.random() < ARREST_PRONE,
                rng.random() < 0.5,
            )
            for _ in range(count)
        ]
        # Cumulative weights of the frequent utilisers, by (arrest basis, substance use).
        self._weights = {
            (arrest, substance): self._cumulative(arrest=arrest, substance=substance)
            for arrest in (False, True)
            for substance in (False, True)
        }
        self._seen_at: list[float] = []  # occasional people met so far, in time order
        self._seen: list[str] = []

    def _new_ref(self) -> str:
        self.number += 1
        return f"{self.prefix}-M{self.number:06d}"

    def _cumulative(self, *, arrest: bool, substance: bool) -> list[float]:
        total, cumulative = 0.0, []
        for person in self.frequent:
            weight = person.weight
            if arrest and person.arrest_prone:
                weight *= ARREST_PRONE_WEIGHT
            if person.substance != substance:
                weight *= OTHER_KIND_WEIGHT
            total += weight
            cumulative.append(total)
        return cumulative

    def ref_for(self, at: datetime, *, disposition: str, presentation: str) -> str:
        """The person met at `at` in an encounter that ended in `disposition`."""
        rng = self.rng
        roll = rng.random()
        arrest = disposition in ARREST_BASIS
        frequent = FREQUENT_ARRESTS if arrest else FREQUENT_ENCOUNTERS
        if roll < frequent:
            weights = self._weights[(arrest, presentation in SUBSTANCE)]
            return self.frequent[bisect(weights, rng.random() * weights[-1])].ref
        moment = at.timestamp()
        ref = ""
        if roll < frequent + RETURNS:
            if rng.random() < SOON:
                gap = timedelta(days=rng.expovariate(1 / SOON_DAYS))
            else:
                gap = timedelta(days=rng.uniform(*LATER_DAYS))
            earlier = bisect(self._seen_at, moment - gap.total_seconds()) - 1
            if earlier >= 0:  # someone met about `gap` ago (nobody yet: someone new)
                ref = self._seen[earlier]
        ref = ref or self._new_ref()
        self._seen_at.append(moment)
        self._seen.append(ref)
        return ref
