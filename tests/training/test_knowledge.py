"""The item banks and their scoring, and improvement per officer and per cohort (pure)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from crossroads.training import knowledge
from crossroads.training.curricula import shipped
from crossroads.training.knowledge import (
    CHECK_AFTER_DAYS,
    MIN_COHORT,
    POST,
    PRE,
    AnswersRefused,
    OfficerImprovement,
    Score,
    by_officer,
    cohort,
    load_bank,
    load_bank_file,
    score,
    why_closed,
)

CIT = load_bank("cit")


def test_the_shipped_banks_are_there_each_item_testing_a_module_of_a_course_that_uses_it() -> None:
    assert knowledge.bank_codes() == ["cit", "dispatcher_cit", "naloxone"]
    assert len(CIT.items) >= 10
    assert len(load_bank("dispatcher_cit").items) >= 6 and len(load_bank("naloxone").items) >= 6
    for code in knowledge.bank_codes():
        modules = {
            module.code
            for course in shipped().courses
            if course.item_bank == code
            for module in course.modules
        }
        bank = load_bank(code)
        assert {item.module for item in bank.items} <= modules, code
        assert all(3 <= len(item.options) <= 4 for item in bank.items)
    with pytest.raises(LookupError):
        load_bank("../curricula")


def test_a_bank_whose_correct_option_is_not_offered_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "quiz.yaml"
    bad.write_text(
        "code: quiz\nname: Quiz\nitems:\n  - code: one\n    module: m\n    question: Q?\n"
        "    options: {a: A, b: B, c: C}\n    correct: d\n"
    )
    with pytest.raises(ValidationError, match="the correct option 'd' is not offered"):
        load_bank_file(bad)
    bad.write_text(bad.read_text().replace("correct: d", "correct: a").replace("c: C", ""))
    with pytest.raises(ValidationError, match="at least 3 items"):
        load_bank_file(bad)


def _all_correct() -> dict[str, str]:
    return {item.code: item.correct for item in CIT.items}


def test_every_answer_right_scores_the_whole_bank() -> None:
    assert score(CIT, _all_correct()) == Score(len(CIT.items), len(CIT.items))


def test_unknown_items_missing_answers_and_unknown_options_are_named_by_item() -> None:
    answers = _all_correct()
    answers.pop("delirium")
    answers["overdose_signs"] = "z"
    answers["made_up"] = "a"
    with pytest.raises(AnswersRefused) as refused:
        score(CIT, answers)
    assert refused.value.reasons == {
        "made_up": "is not an item of this check",
        "delirium": "is not answered",
        "overdose_signs": "'z' is not one of its options (a, b, c)",
    }


_answer_keys = st.sampled_from(["a", "b", "c"])


@given(st.lists(_answer_keys, min_size=len(CIT.items), max_size=len(CIT.items)))
def test_the_score_is_the_count_of_correct_answers(chosen: list[str]) -> None:
    answers = {item.code: key for item, key in zip(CIT.items, chosen, strict=True)}
    result = score(CIT, answers)
    assert result.correct == sum(a == i.correct for i, a in zip(CIT.items, chosen, strict=True))
    assert 0 <= result.correct <= result.out_of == len(CIT.items)
    wrong = next((i for i in CIT.items if answers[i.code] != i.correct), None)
    if wrong is not None:  # putting one wrong answer right scores one more
        assert score(CIT, answers | {wrong.code: wrong.correct}).correct == result.correct + 1


@given(st.text(min_size=1).filter(lambda code: CIT.item(code) is None))
def test_an_answer_to_an_item_not_in_the_bank_is_refused_by_its_code(extra: str) -> None:
    with pytest.raises(AnswersRefused) as refused:
        score(CIT, _all_correct() | {extra: "a"})
    assert list(refused.value.reasons) == [extra]


def _score(correct: int) -> Score:
    return Score(correct, 10)


def test_improvement_per_officer_and_for_a_known_cohort() -> None:
    checks = [
        ("ana", PRE, _score(4)),
        ("ana", POST, _score(9)),
        ("ben", PRE, _score(6)),
        ("ben", POST, _score(6)),
        ("cy", PRE, _score(5)),
        ("cy", POST, _score(8)),
        ("dee", PRE, _score(7)),
        ("dee", POST, _score(6)),
        ("eli", POST, _score(8)),  # missed the check before: not paired
        ("fay", PRE, _score(3)),
        ("fay", POST, _score(7)),
    ]
    rows = by_officer(checks)
    assert [row.who for row in rows] == ["ana", "ben", "cy", "dee", "eli", "fay"]
    assert [row.change for row in rows] == [50.0, 0.0, 30.0, -10.0, None, 40.0]
    group = cohort(rows)
    assert (group.officers, group.n, group.too_few) == (6, 5, False)
    assert group.mean_pre == pytest.approx(50.0)  # 40, 60, 50, 70, 30
    assert group.mean_post == pytest.approx(72.0)  # 90, 60, 80, 60, 70
    assert group.mean_change == pytest.approx(22.0)
    assert group.share_improved == pytest.approx(0.6)  # ana, cy, fay


def test_a_cohort_below_the_minimum_shows_no_mean() -> None:
    rows = [OfficerImprovement(n, _score(2), _score(9)) for n in range(MIN_COHORT - 1)]
    group = cohort(rows)
    assert group.too_few and group.n == MIN_COHORT - 1
    assert (group.mean_pre, group.mean_post, group.mean_change, group.share_improved) == (
        None,
        None,
        None,
        None,
    )


FIRST, LAST = date(2026, 3, 2), date(2026, 3, 6)


@pytest.mark.parametrize(
    ("phase", "status", "today", "taken", "reason"),
    [
        (PRE, "scheduled", date(2026, 3, 1), set(), None),
        (PRE, "scheduled", FIRST, set(), None),  # its first day, before the teaching
        (PRE, "scheduled", date(2026, 3, 3), set(), "was open until its first day, 2 March 2026"),
        (PRE, "scheduled", date(2026, 3, 1), {PRE}, "already took the check before"),
        (PRE, "scheduled", date(2026, 3, 1), {POST}, "already took the check after"),
        (PRE, "completed", date(2026, 3, 7), set(), "closed when the session was completed"),
        (PRE, "cancelled", date(2026, 3, 1), set(), "cancelled"),
        (POST, "scheduled", date(2026, 3, 1), set(), "opens on its last day, 6 March 2026"),
        (POST, "scheduled", date(2026, 3, 5), {PRE}, "opens on its last day, 6 March 2026"),
        (POST, "scheduled", LAST, {PRE}, None),
        (POST, "completed", date(2026, 4, 5), set(), None),
        (POST, "completed", date(2026, 4, 6), set(), "closed 30 days after it ended"),
        ("during", "scheduled", FIRST, set(), "is not a check"),
    ],
)
def test_when_a_check_is_open(
    phase: str, status: str, today: date, taken: set[str], reason: str | None
) -> None:
    closed = why_closed(
        phase, status=status, starts_on=FIRST, ends_on=LAST, today=today, taken=taken
    )
    assert (closed is None) if reason is None else (reason in (closed or ""))


@given(
    starts_on=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    days=st.integers(0, 9),
    offset=st.integers(-40, 80),
)
def test_the_check_before_precedes_the_teaching_and_the_one_after_follows_it(
    starts_on: date, days: int, offset: int
) -> None:
    """On any day, the check before is open only until the first day, the one after only from
    the last day: both on one day only when the session lasts that one day."""
    ends_on = starts_on + timedelta(days=days)
    today = starts_on + timedelta(days=offset)

    def is_open(phase: str) -> bool:
        closed = why_closed(
            phase, status="scheduled", starts_on=starts_on, ends_on=ends_on, today=today, taken=()
        )
        return closed is None

    pre_open, post_open = is_open(PRE), is_open(POST)
    assert pre_open == (today <= starts_on)
    assert post_open == (ends_on <= today <= ends_on + timedelta(days=CHECK_AFTER_DAYS))
    assert not (pre_open and post_open) or starts_on == ends_on == today
