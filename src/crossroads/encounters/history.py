"""Past calls as plain records, for the bulk path that loads them (CAD imports, the demo).

A producer (a CSV mapping, the demo generator) turns its source into HistoricCall records and
hands them to `actions.calls_import`, which writes them in bulk with one audit event per import.
Pure data: no Django here, so producers can be tested fast and in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class HistoricScreen:
    instrument: str
    answers: tuple[int | None, ...]
    sex: str | None = None


@dataclass(frozen=True, slots=True)
class HistoricUnit:
    """A responder on the call: an account here (`officer`) or the source's officer id."""

    cit_certified: bool
    dispatched_at: datetime
    officer: UUID | None = None
    external_officer_id: str = ""


@dataclass(frozen=True, slots=True)
class HistoricEncounter:
    disposition: str
    occurred_at: datetime
    officer: UUID | None = None
    officer_cit_certified: bool | None = None
    signs: tuple[str, ...] = ()
    deescalation: tuple[str, ...] = ()
    weapon_present: bool = False
    highest_force: str = "none"
    subject_injured: bool = False
    officer_injured: bool = False
    hold_legal_basis: str = ""
    transport_destination: str = ""
    minutes_on_scene: int | None = None
    custody_transfer_minutes: int | None = None
    screens: tuple[HistoricScreen, ...] = ()
    # The source system's id of the person met (a master name index number): the import links
    # the encounter to the agency's one person record with that reference. "" = not known.
    person_ref: str = ""


@dataclass(frozen=True, slots=True)
class HistoricCall:
    """One past call. `external_id` is the source system's id: importing it twice adds nothing."""

    external_id: str
    source: str
    initial_call_type: str
    behavioural_health: bool
    received_at: datetime
    final_call_type: str = ""
    status: str = "closed"
    dispatched_at: datetime | None = None
    arrived_at: datetime | None = None
    cleared_at: datetime | None = None
    location: str = ""
    precinct: str = ""
    sector: str = ""
    beat: str = ""
    response: str = ""
    units: tuple[HistoricUnit, ...] = ()
    encounters: tuple[HistoricEncounter, ...] = field(default=())
