"""Instrument files are checked when loaded; a bad file is refused naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.screening.catalog import INSTRUMENTS_DIR, InstrumentFileError, load_instrument

EXPECTED = {
    "phq9",
    "phq2",
    "gad7",
    "auditc",
    "audit",
    "dast10",
    "cageaid",
    "k6",
    "cssrs_screener",
    "bjmhs",
}


def test_every_instrument_of_the_domain_ships(instruments: dict[str, object]) -> None:
    assert set(instruments) == EXPECTED


def _broken(tmp_path: Path, code: str, old: str, new: str) -> Path:
    text = (INSTRUMENTS_DIR / f"{code}.yaml").read_text()
    assert old in text, old
    path = tmp_path / f"{code}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("code", "old", "new", "problem"),
    [
        ("phq9", "{min: 5, max: 9, code: mild", "{min: 6, max: 9, code: mild", "not contiguous"),
        (
            "phq9",
            "{min: 20, max: 27,",
            "{min: 20, max: 26,",
            "bands end at 26, the highest total is 27",
        ),
        ("phq9", "  at_least: 10", "  at_least: 30", "positive threshold 30 is outside"),
        ("phq9", "when: {items: [q9]", "when: {items: [q10]", "q10 is not an item"),
        ("phq9", "values: [1, 2, 3]}", "values: [1, 2, 7]}", "[7] are not answer values of q9"),
        (
            "phq9",
            'options: frequency, text: "Little',
            'options: often, text: "Little',
            "unknown option set",
        ),
        ("phq9", "code: phq9", "code: phq9\nauthor: someone", "Extra inputs are not permitted"),
        ("dast10", "reverse: [d3]", "reverse: [d11]", "scoring.reverse: d11 is not an item"),
        (
            "bjmhs",
            "- level: refer\n    reason: currently",
            "- level: urgent\n    reason: currently",
            "unknown level urgent",
        ),
        (
            "cssrs_screener",
            "asked_when: {items: [c2]",
            "asked_when: {items: [c6]",
            "refers to later items",
        ),
        ("phq9", "loinc: 44249-1", "loinc: LOINC-44249", "loinc"),
        ("gad7", "rule: refuse", "rule: prorate", "prorate needs max_missing"),
        ("phq9", "code: phq9", "code: phq10", "must match the file name"),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(
    tmp_path: Path, code: str, old: str, new: str, problem: str
) -> None:
    with pytest.raises(InstrumentFileError) as caught:
        load_instrument(_broken(tmp_path, code, old, new))
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{code}.yaml: ")


def test_unreadable_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "phq9.yaml"
    path.write_text("code: [unclosed")
    with pytest.raises(InstrumentFileError, match=r"phq9\.yaml: cannot read"):
        load_instrument(path)


def test_every_file_records_source_terms_and_incomplete_rule(
    instruments: dict[str, object],
) -> None:
    for path in INSTRUMENTS_DIR.glob("*.yaml"):
        instrument = load_instrument(path)
        assert instrument.source.strip() and instrument.terms.strip()
        assert instrument.incomplete.source.strip()
