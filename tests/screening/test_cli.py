"""`crossroads screen list | score`: results in text and JSON, bad input exits 2."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def screen(*args: str) -> str:
    out = StringIO()
    call_command("screen", *args, stdout=out)
    return out.getvalue()


def test_score_prints_json_with_the_critical_item() -> None:
    result = json.loads(screen("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--json"))
    assert result["total"] == 1 and result["band"] == "minimal" and result["positive"] is False
    assert [c["flag"] for c in result["critical"]] == ["suicide_risk"]


def test_score_prints_human_text() -> None:
    text = screen("score", "phq9", "--answers", "3,3,3,1,0,0,0,0,0")
    assert "total: 10 of 27" in text and "Moderate" in text and "positive: yes" in text


def test_auditc_with_sex_and_dast10_raw_answers() -> None:
    assert json.loads(screen("score", "auditc", "--answers", "1,1,1", "--sex", "female", "--json"))[
        "positive"
    ]
    assert not json.loads(
        screen("score", "auditc", "--answers", "1,1,1", "--sex", "male", "--json")
    )["positive"]
    dast = json.loads(screen("score", "dast10", "--answers", "0,0,0,0,0,0,0,0,0,0", "--json"))
    assert dast["total"] == 1  # item 3 "No" scores one point


def test_blank_fields_are_skipped_items() -> None:
    result = json.loads(screen("score", "cssrs_screener", "--answers", "1,0,,,,2", "--json"))
    assert result["risk"] == "high" and result["total"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phq9", "--answers", "0,0,0,0,0,0,0,0"], "PHQ-9: expected 9 answers, got 8"),
        (
            ["phq9", "--answers", "0,0,4,0,0,0,0,0,0"],
            "item 3 (PHQ-9 q3): 4 is not an answer value (0-3)",
        ),
        (["phq9", "--answers", "0,0,x,0,0,0,0,0,0"], "item 3: 'x' is not a whole number"),
        (["phq9", "--answers", "0,0,,0,0,0,0,0,0"], "item 3 (PHQ-9 q3): not answered"),
        (["auditc", "--answers", "1,1,1"], "AUDIT-C needs --sex female|male"),
        (["bdi", "--answers", "1"], "unknown instrument 'bdi'; known: audit, auditc, bjmhs"),
    ],
)
def test_bad_input_exits_2_naming_the_problem(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        screen("score", *args)
    assert caught.value.returncode == 2
    assert message in str(caught.value)


def test_list_names_every_instrument() -> None:
    text = screen("list")
    for code in ("phq9", "cssrs_screener", "bjmhs", "auditc"):
        assert code in text
    rows = json.loads(screen("list", "--json"))
    assert len(rows) == 10
    phq9 = next(r for r in rows if r["code"] == "phq9")
    assert phq9["items"] == 9 and phq9["incomplete"] == "refuse"
    assert "positive >= 10" in phq9["rule"]
