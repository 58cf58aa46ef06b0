"""Every CLI verb has --help, exits 2 on bad input with a clear message, and offers --json."""

from __future__ import annotations

import subprocess
import sys

import pytest

VERBS = [
    "demo",
    "demo_totp",
    "backup",
    "restore",
    "audit",
    "serve",
    "worker",
    "screen",
    "triage",
    "import",
    "directory",
]


def crossroads(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossroads.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_explains_itself(verb: str) -> None:
    done = crossroads(verb, "--help")
    assert done.returncode == 0
    assert "usage: crossroads" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["backup"],  # the file is missing
        ["restore", "x.backup"],  # no --yes
        ["audit"],  # no sub-verb
        ["audit", "inspect"],  # unknown sub-verb
        ["demo", "--seed", "many"],  # not a number
        ["import"],  # no kind
        ["import", "rosters", "x.csv"],  # unknown kind
        ["import", "calls", "missing.csv", "--agency", "X"],  # no such file
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str]) -> None:
    done = crossroads(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip()


SUB_VERB = {
    "audit": ["audit", "verify"],
    "import": ["import", "calls"],
    "directory": ["directory", "search"],
}


@pytest.mark.parametrize("verb", ["backup", "restore", "audit", "demo_totp", "import", "directory"])
def test_verbs_that_print_results_offer_json(verb: str) -> None:
    text = crossroads(*SUB_VERB.get(verb, [verb]), "--help").stdout
    assert "--json" in text
