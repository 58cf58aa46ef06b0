"""Answers that cannot be scored are refused with a message naming the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.screening.catalog import Instrument, catalog, load_instrument
from crossroads.screening.scoring import ScreeningInputError, SexRequiredError, score


@pytest.mark.parametrize(
    ("code", "answers", "message", "item"),
    [
        (
            "phq9",
            [0, 0, 4, 0, 0, 0, 0, 0, 0],
            "item 3 (PHQ-9 q3): 4 is not an answer value (0-3)",
            3,
        ),
        ("phq9", [0] * 8, "PHQ-9: expected 9 answers, got 8", None),
        ("phq9", [0] * 10, "PHQ-9: expected 9 answers, got 10", None),
        ("phq9", [0, -1, 0, 0, 0, 0, 0, 0, 0], "item 2 (PHQ-9 q2): -1 is not an answer value", 2),
        (
            "audit",
            [1, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            "item 9 (AUDIT a9): 1 is not an answer value (0, 2, 4)",
            9,
        ),
        (
            "dast10",
            [0, 0, 2, 0, 0, 0, 0, 0, 0, 0],
            "item 3 (DAST-10 d3): 2 is not an answer value (0, 1)",
            3,
        ),
        ("cssrs_screener", [1, 0, 0, 3, 0, 0], "item 4 (C-SSRS screener c4): 3 is not", 4),
        (
            "cssrs_screener",
            [1, 0, 1, None, None, 0],
            "item 3 (C-SSRS screener c3): asked only when item 2",
            3,
        ),
        (
            "audit",
            [0, 1, None, None, None, None, None, None, 0, 0],
            "item 2 (AUDIT a2): asked only when",
            2,
        ),
    ],
)
def test_bad_answers_name_the_item(
    instruments: dict[str, Instrument],
    code: str,
    answers: list[int | None],
    message: str,
    item: int | None,
) -> None:
    with pytest.raises(ScreeningInputError) as caught:
        score(instruments[code], answers)
    assert message in str(caught.value)
    assert caught.value.item == item


@pytest.mark.parametrize(
    ("code", "answers", "item"),
    [
        ("phq9", [0, 0, 0, None, 0, 0, 0, 0, 0], 4),
        ("phq9", [0, 0, 0, 0, 0, 0, 0, 0, None], 9),
        ("gad7", [None] * 7, 1),
        ("k6", [1, 1, 1, 1, 1, None], 6),
        ("dast10", [0, 0, 0, 0, 0, 0, 0, 0, None, 0], 9),
        ("cssrs_screener", [1, 1, None, 0, 0, 0], 3),  # item 2 yes: 3-5 must be asked
        ("bjmhs", [0, 0, 0, 0, 0, 0, 0, 0, None], 9),
        ("audit", [1, 1, 1, None, 0, 0, 0, 0, 0, 0], 4),
    ],
)
def test_incomplete_answers_are_refused_where_no_proration_is_published(
    instruments: dict[str, Instrument], code: str, answers: list[int | None], item: int
) -> None:
    with pytest.raises(ScreeningInputError, match="not answered") as caught:
        score(instruments[code], answers)
    assert caught.value.item == item


def test_every_shipped_instrument_refuses_incomplete_answers(
    instruments: dict[str, Instrument],
) -> None:
    """No author's proration rule could be confirmed (docs/screening.md), so none prorates."""
    assert {i.incomplete.rule for i in instruments.values()} == {"refuse"}


def test_auditc_needs_the_respondents_sex(instruments: dict[str, Instrument]) -> None:
    with pytest.raises(SexRequiredError, match="AUDIT-C needs the respondent's sex"):
        score(instruments["auditc"], [1, 1, 1])
    with pytest.raises(SexRequiredError, match="not 'other'"):
        score(instruments["auditc"], [1, 1, 1], sex="other")


PRORATED = """
code: prorated
name: PRORATED
title: A four-item test instrument whose (fictional) authors allow one missing item
version: "1"
source: test fixture
terms: test fixture
option_sets:
  f: [{value: 0, text: a}, {value: 1, text: b}, {value: 2, text: c}, {value: 3, text: d}]
items:
  - {id: p1, options: f, text: one}
  - {id: p2, options: f, text: two}
  - {id: p3, options: f, text: three}
  - {id: p4, options: f, text: four}
scoring: {method: sum}
bands:
  - {min: 0, max: 5, code: low, label: Low}
  - {min: 6, max: 12, code: high, label: High}
positive: {at_least: 6}
critical:
  - {when: {items: [p1], values: [3]}, flag: alarm, message: item 1 at its top}
incomplete: {rule: prorate, max_missing: 1, source: test fixture}
"""


@pytest.fixture
def prorated(tmp_path: Path) -> Instrument:
    path = tmp_path / "prorated.yaml"
    path.write_text(PRORATED)
    return load_instrument(path)


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([1, 1, 1, None], 4, "low"),  # 3 * 4 / 3
        ([1, 1, 2, None], 5, "low"),  # 4 * 4 / 3 = 5.33
        ([2, 2, 1, None], 7, "high"),  # 5 * 4 / 3 = 6.67
        ([0, 3, None, 1], 5, "low"),  # 4 * 4 / 3
        ([3, 3, 3, None], 12, "high"),
    ],
)
def test_proration_where_the_file_allows_it(
    prorated: Instrument, answers: list[int | None], total: int, band: str
) -> None:
    result = score(prorated, answers)
    assert (result.total, result.band, result.prorated) == (total, band, True)


def test_proration_rounds_half_up(tmp_path: Path) -> None:
    path = tmp_path / "prorated.yaml"
    five_items = PRORATED.replace(
        "p4, options: f, text: four}",
        "p4, options: f, text: four}\n  - {id: p5, options: f, text: five}",
    ).replace("max: 12", "max: 15")
    path.write_text(five_items)
    instrument = load_instrument(path)
    assert score(instrument, [1, 1, 0, 0, None]).total == 3  # 2 * 5 / 4 = 2.5 -> 3


def test_proration_has_limits(prorated: Instrument) -> None:
    with pytest.raises(ScreeningInputError, match="at most 1 unanswered"):
        score(prorated, [1, None, None, 1])
    with pytest.raises(ScreeningInputError, match="critical item must be answered"):
        score(prorated, [None, 1, 1, 1])
    assert not score(prorated, [1, 1, 1, 1]).prorated


def test_a_non_drinker_skips_the_rest_of_audit_c() -> None:
    result = score(catalog()["auditc"], [0, None, None], sex="male")
    assert (result.total, result.positive) == (0, False)


def test_too_few_answers_name_the_first_missing_item() -> None:
    with pytest.raises(ScreeningInputError, match=r"item 4 \(PHQ-9 q4\) onwards is missing"):
        score(catalog()["phq9"], [0, 0, 0])
