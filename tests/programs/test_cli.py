"""`crossroads programs`: create and configure a program, list them, run the LEAD deadline
check; bad input exits 2 naming the option."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from crossroads.core.models import Task
from crossroads.programs.models import Program
from tests.factories import make_case, make_program
from tests.programs.conftest import MORNING, County

pytestmark = pytest.mark.django_db


def programs(*args: str) -> str:
    out = io.StringIO()
    call_command("programs", *args, stdout=out)
    return out.getvalue()


def test_create_configure_and_list(county: County) -> None:
    printed = programs(
        "create",
        "--agency",
        "APD",
        "--type",
        "angel",
        "--name",
        "Station Angels",
        "--slug",
        "apd-angels",
        "--set",
        'placement_types=["detox", "residential"]',
    )
    assert printed == "apd-angels: Station Angels created for APD\n"
    program = Program.objects.get(slug="apd-angels")
    assert program.spec.placement_types == ("detox", "residential")
    programs("configure", "apd-angels", "--set", "not_reached_days=3")
    program.refresh_from_db()
    assert program.settings == {"not_reached_days": 3}
    listed = json.loads(programs("list", "--json"))
    assert listed == [
        {
            "slug": "apd-angels",
            "name": "Station Angels",
            "agency": "APD",
            "type": "angel",
            "open_cases": 0,
            "settings": {"not_reached_days": 3},
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["create", "--agency", "NOPE", "--type", "qrt", "--name", "Q", "--slug", "q"],
            "--agency: no agency is called 'NOPE'",
        ),
        (
            [
                "create",
                "--agency",
                "APD",
                "--type",
                "qrt",
                "--name",
                "Q",
                "--slug",
                "q",
                "--set",
                "visit_within_days=0",
            ],
            "visit_within_days: Input should be greater than",
        ),
        (["configure", "nope"], "SLUG: no program is called 'nope'"),
    ],
)
def test_bad_input_names_the_option(county: County, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as refused:
        programs(*args)
    assert refused.value.returncode == 2
    assert not Program.objects.exists()


def test_the_deadline_check_raises_its_tasks_once(county: County) -> None:
    lead = make_program(county.lead_agency, "lead")
    with time_machine.travel(MORNING, tick=False):
        make_case(lead, case_manager=county.lead_manager)
    with time_machine.travel(MORNING + timedelta(days=31), tick=False):
        assert json.loads(programs("deadlines", "--json"))["past_deadline"] == 1
        assert programs("deadlines") == "1 case past the intake deadline\n"
    assert Task.objects.filter(rule__startswith="lead.").count() == 2


def test_the_verb_explains_itself() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crossroads.cli", "programs", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "deadlines" in done.stdout
