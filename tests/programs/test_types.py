"""Program types as data: a broken file fails at load naming the type and the field; every
status of every type is reachable from its first; an agency's settings are checked the same
way. And the pure rules: the checklist's verdict, the follow-up schedule, the caseload buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from crossroads.programs.schedule import Due, due_bucket, end_of_day, follow_up_label
from crossroads.programs.types import TYPES_FILE, ProgramType, load_catalogue, program_types
from crossroads.programs.workflow import Verdict, verdict
from tests.factories import make_agency, make_program

TYPES = program_types()


def _broken(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(TYPES_FILE.read_text())
    change(data)
    path = tmp_path / "program_types.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda d: d["types"]["lead"].update(intake_deadline_days=0),
            r"lead\.intake_deadline_days",
        ),
        (lambda d: d["types"]["angel"].update(intercept=7), r"angel\.intercept"),
        (lambda d: d["types"]["qrt"].update(colour="blue"), r"qrt\.colour"),
        (
            lambda d: d["types"]["cit_follow_up"]["statuses"]["follow_up"].update(next=["lost"]),
            r"cit_follow_up\n.*status follow_up: next names unknown statuses \['lost'\]",
        ),
        (
            lambda d: d["types"]["angel"]["eligibility"][0].update(requires=True),
            r"angel\.eligibility\.0\n.*eligibility item warrant",
        ),
        (
            lambda d: d["types"]["lead"].pop("intake_status"),
            r"lead\n.*charge_tracking needs intake_status",
        ),
        (
            lambda d: (
                d["types"]["qrt"]["statuses"]["declined"].update(next=["declined"])
                or d["types"]["qrt"]["statuses"].update(stray={"label": "Stray", "next": []})
            ),
            r"qrt\n.*statuses \['stray'\] cannot be reached from visit_scheduled",
        ),
        (lambda d: d["labels"].pop("walk_in"), r"type angel: 'walk_in' has no entry under labels"),
    ],
)
def test_a_broken_types_file_fails_naming_the_type_and_field(
    tmp_path: Path, change: Any, named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        load_catalogue(_broken(tmp_path, change))


@pytest.mark.parametrize("code", sorted(TYPES))
def test_every_status_is_reachable_from_the_first_and_every_type_can_close(code: str) -> None:
    spec = TYPES[code]
    assert spec.reachable_from(spec.initial) == set(spec.statuses)
    assert spec.closed_statuses, "a type no case can ever leave"
    assert all(spec.closed_statuses & spec.reachable_from(s) for s in spec.statuses)


@given(
    edges=st.dictionaries(
        st.sampled_from("abcde"), st.lists(st.sampled_from("abcde"), max_size=3), min_size=1
    )
)
def test_the_loader_accepts_a_workflow_exactly_when_all_of_it_is_reachable(
    edges: dict[str, list[str]],
) -> None:
    statuses = {code: {"label": code, "next": sorted(set(edges.get(code, [])))} for code in edges}
    for targets in edges.values():
        for target in targets:
            statuses.setdefault(target, {"label": target, "next": []})
    initial = sorted(statuses)[0]
    reachable, frontier = {initial}, [initial]
    while frontier:
        for following in statuses[frontier.pop()]["next"]:
            if following not in reachable:
                reachable.add(following)
                frontier.append(following)
    spec = {
        "label": "T",
        "summary": "T",
        "intercept": 0,
        "case_worker": "W",
        "entry_paths": ["walk_in"],
        "eligibility": [],
        "initial": initial,
        "statuses": statuses,
    }
    if reachable == set(statuses):
        assert ProgramType.model_validate(spec).reachable_from(initial) == reachable
    else:
        with pytest.raises(ValidationError, match="cannot be reached"):
            ProgramType.model_validate(spec)


@pytest.mark.django_db
def test_an_agencys_settings_are_checked_against_the_type() -> None:
    agency = make_agency()
    with pytest.raises(DjangoValidationError, match="statuses: not a setting an agency can change"):
        make_program(agency, "lead", statuses={})
    with pytest.raises(DjangoValidationError, match="intake_deadline_days: Input should be"):
        make_program(agency, "lead", intake_deadline_days=0)
    program = make_program(agency, "lead", intake_deadline_days=14, follow_up_hours=[48])
    assert program.spec.intake_deadline_days == 14 and program.spec.follow_up_hours == (48,)


# --- The checklist --------------------------------------------------------------------------

ANGEL = TYPES["angel"]
ANSWERS = st.sampled_from([True, False, None])


@given(answers=st.fixed_dictionaries({item.code: ANSWERS for item in ANGEL.eligibility}))
def test_the_verdict_follows_the_checklist(answers: dict[str, bool | None]) -> None:
    excluded = any(
        answers[code] is True for code in ("warrant", "officer_safety", "minor_without_guardian")
    )
    ruled_out = excluded or answers["medical_cleared"] is False
    complete = all(answer is not None for answer in answers.values())
    expected = (
        Verdict.INELIGIBLE if ruled_out else Verdict.ELIGIBLE if complete else Verdict.UNDECIDED
    )
    assert verdict(ANGEL, answers) is expected


# --- The schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "label"),
    [
        (1, "1 hour"),
        (24, "24 hours"),
        (48, "48 hours"),
        (72, "3 days"),
        (168, "7 days"),
        (720, "30 days"),
        (100, "100 hours"),
    ],
)
def test_follow_ups_are_labelled_as_people_say_them(hours: int, label: str) -> None:
    assert follow_up_label(hours) == label


NEW_YORK = ZoneInfo("America/New_York")


@given(
    # hypothesis takes naive bounds; the times drawn are made aware (UTC) below
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),  # noqa: DTZ001
    offset=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
)
def test_a_due_time_is_overdue_once_past_and_due_today_until_local_midnight(
    now: datetime, offset: timedelta
) -> None:
    now = now.replace(tzinfo=UTC)
    due = now + offset
    bucket = due_bucket(due, now, NEW_YORK)
    same_local_day = due.astimezone(NEW_YORK).date() == now.astimezone(NEW_YORK).date()
    if due < now:
        assert bucket is Due.OVERDUE
    elif same_local_day:
        assert bucket is Due.TODAY
    else:
        assert bucket is None
    assert end_of_day(now, NEW_YORK) > now
