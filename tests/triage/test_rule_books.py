"""Rule books are data validated at load; the CLI explains, and refuses bad calls with exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from pydantic import ValidationError

from crossroads.triage.rules import RULES_DIR, load_rule_book, rule_book

DEFAULT = yaml.safe_load((RULES_DIR / "default.yaml").read_text())


def _with(change: Any, tmp_path: Path) -> Path:
    data = json.loads(json.dumps(DEFAULT))
    change(data)
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0]["when"]["any"][0].update(fact="mood"), "unknown fact 'mood'"),
        (
            lambda d: d["rules"][0]["when"]["any"][1].update({"in": ["knife"]}),
            "'knife' is not one of",
        ),
        (lambda d: d["rules"][0].update(prefer=["swat"]), "unknown responses ['swat']"),
        (lambda d: d["rules"][0].update(prefer=["mobile_crisis"]), "last resort must always be"),
        (lambda d: d["rules"][1].update(id=d["rules"][0]["id"]), "rule ids must be unique"),
        (lambda d: d["rules"][0].update(colour="red"), "Extra inputs are not permitted"),
        (lambda d: d["rules"][0]["when"].update(fact="weapon"), "either a fact test or all/any"),
    ],
)
def test_a_bad_rule_book_is_refused_naming_the_problem(
    tmp_path: Path, change: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_rule_book(_with(change, tmp_path))


def test_an_unknown_rule_book_is_named() -> None:
    with pytest.raises(LookupError, match="known: default"):
        rule_book("atlantis")


def _call(tmp_path: Path, text: str) -> str:
    path = tmp_path / "call.json"
    path.write_text(text)
    return str(path)


def test_cli_prints_the_recommendation_reasons_and_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call = _call(
        tmp_path,
        json.dumps(
            {
                "behavioural_health": True,
                "weapon": "seen",
                "medical_emergency": True,
                "available_units": ["cit_officer"],
            }
        ),
    )
    call_command("triage", "recommend", call, "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["primary"] == "cit_officer"
    assert result["also"] == ["ems"]
    assert [r["rule"] for r in result["reasons"]] == ["violence-or-weapon", "medical-emergency"]
    assert result["rule_version"] == DEFAULT["version"]
    call_command("triage", "recommend", call)
    assert "Recommended: CIT-trained officer" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"behavioural_health": true,\n "weapon": }', "call.json:2:12: not valid JSON"),
        ('{"weapon": "seen"}', "behavioural_health: Field required"),
        ('{"behavioural_health": true, "weapon": "knife"}', "weapon: Input should be"),
        ('{"behavioural_health": true, "mood": "sad"}', "mood: Extra inputs are not permitted"),
        ('{"behavioural_health": true, "available_units": ["swat"]}', "available_units"),
    ],
)
def test_cli_refuses_a_bad_call_with_exit_2(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("triage", "recommend", _call(tmp_path, text))
    assert refused.value.returncode == 2
    assert message in str(refused.value)


def test_cli_refuses_a_missing_file_and_an_unknown_rule_book(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as missing:
        call_command("triage", "recommend", str(tmp_path / "nope.json"))
    assert missing.value.returncode == 2
    call = _call(tmp_path, '{"behavioural_health": true}')
    with pytest.raises(CommandError) as unknown:
        call_command("triage", "recommend", call, "--rules", "atlantis")
    assert unknown.value.returncode == 2
