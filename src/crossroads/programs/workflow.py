"""Which status moves a case may make, and why not. Pure: no Django.

A program type's statuses list where a case may go next (program_types.yaml). Two kinds of
status add a condition: one `decided_by_eligibility` lets the checklist choose (eligible: the
first of `next`; ineligible: the second, if the type has one), and one that `records_placement`
needs the kind of placement found. Every refusal says what would be allowed instead.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from crossroads.programs.types import ProgramType, label_of


class Verdict(enum.StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDECIDED = "undecided"


class IllegalMove(ValueError):
    """A move the type does not allow; `field` names what to change (the status or the
    placement type)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def verdict(spec: ProgramType, answers: Mapping[str, bool | None]) -> Verdict:
    """Ineligible as soon as one answer rules the person out; eligible only when every item is
    answered and none does; otherwise undecided."""
    if spec.failing(answers):
        return Verdict.INELIGIBLE
    if spec.unanswered(answers):
        return Verdict.UNDECIDED
    return Verdict.ELIGIBLE


def _labels(spec: ProgramType, codes: tuple[str, ...]) -> str:
    return "; ".join(item.label for code in codes if (item := spec.item(code)) is not None)


def decided_move(spec: ProgramType, current: str, answers: Mapping[str, bool | None]) -> str:
    """The one status the checklist allows from a status it decides; else IllegalMove naming the
    items still to answer, or the ones that rule the person out when the type has nowhere to send
    an ineligible person."""
    following = spec.statuses[current].next
    decision = verdict(spec, answers)
    if decision is Verdict.UNDECIDED:
        unanswered = _labels(spec, spec.unanswered(answers))
        raise IllegalMove("to", f"The eligibility checklist is not complete: {unanswered}.")
    if decision is Verdict.ELIGIBLE:
        return following[0]
    if len(following) > 1:
        return following[1]
    failing = _labels(spec, spec.failing(answers))
    raise IllegalMove(
        "to",
        f"The checklist rules the person out ({failing}): the case cannot move to "
        f"{spec.statuses[following[0]].label}. Close it with a reason instead.",
    )


def check_move(
    spec: ProgramType,
    current: str,
    to: str,
    answers: Mapping[str, bool | None],
    placement_type: str = "",
) -> None:
    """Nothing if a case in `current` may move to `to`; else IllegalMove saying why."""
    status = spec.statuses[current]
    if to not in spec.statuses:
        raise IllegalMove("to", f"{to!r} is not a status of {spec.label}.")
    if to not in status.next:
        options = ", ".join(spec.statuses[s].label for s in status.next)
        allowed = f"it can move to: {options}" if options else "the case is closed"
        target = spec.statuses[to].label
        raise IllegalMove("to", f"A case that is {status.label} cannot become {target}: {allowed}.")
    if status.decided_by_eligibility:
        decided = decided_move(spec, current, answers)
        if to != decided:
            raise IllegalMove(
                "to",
                f"The eligibility checklist decides this step: the case moves to "
                f"{spec.statuses[decided].label}.",
            )
    if spec.statuses[to].records_placement and placement_type not in spec.placement_types:
        raise IllegalMove(
            "placement_type",
            f"Choose the kind of placement ({', '.join(map(label_of, spec.placement_types))}).",
        )


def moves_for(spec: ProgramType, current: str, answers: Mapping[str, bool | None]) -> list[str]:
    """The statuses a case can move to now, in the type's order (only the decided one when the
    checklist decides, none while it is incomplete)."""
    status = spec.statuses[current]
    if not status.decided_by_eligibility:
        return list(status.next)
    try:
        return [decided_move(spec, current, answers)]
    except IllegalMove:
        return []
