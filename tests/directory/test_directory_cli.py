"""`crossroads directory search`, `reindex` and `map-term`."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crossroads.core.models import AuditEvent
from crossroads.directory.models import TermMapping
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records, weekly
from tests.factories import make_agency


@pytest.fixture
def places() -> None:
    records = Records()
    harbor = records.service(
        "Harbor Crisis Stabilization",
        categories=["crisis-stabilisation"],
        access=["police-drop-off"],
        hours=[AROUND_THE_CLOCK],
    )
    records.site(harbor, lat=39.7589, lon=-84.1916)
    clinic = records.service(
        "Valley Clinic",
        categories=["outpatient-mental-health"],
        hours=[weekly("MO,TU,WE,TH,FR", "09:00", "17:00")],
    )
    records.site(clinic, lat=39.80, lon=-84.19, street="40 W 4th St")
    records.load()


def directory(*args: str) -> str:
    out = io.StringIO()
    call_command("directory", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("places")
def test_search_prints_json_as_the_api_answers() -> None:
    printed = directory(
        "search",
        "--near",
        "45402",
        "--within-km",
        "20",
        "--police-drop-off",
        "--open-now",
        "--json",
    )
    body = json.loads(printed)
    assert body["total"] == 1
    (hit,) = body["hits"]
    assert hit["name"] == "Harbor Crisis Stabilization"
    assert hit["open_now"] is True
    assert hit["distance_km"] == pytest.approx(0.3, abs=0.2)
    assert "accepts police drop-off" in hit["reasons"]


@pytest.mark.django_db
@pytest.mark.usefixtures("places")
def test_search_prints_a_readable_table() -> None:
    printed = directory(
        "search", "--near", "39.76,-84.19", "--open-at", "2026-03-07T10:00", "--limit", "5"
    )
    assert "Harbor Crisis Stabilization" in printed
    assert "Valley Clinic" not in printed  # a Saturday, local time
    assert "open 24 hours" in printed
    assert printed.rstrip().endswith("1 shown of 1 matching")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--category", "detox"], "--category: unknown category 'detox'"),
        (["--near", "00000"], "--near: 00000 is not a known U.S. ZIP code"),
        (["--within-km", "5"], "--within-km: give near as well"),
        (["--language", "Klingon!"], "--language: 'klingon!' is not a language code"),
        (["--limit", "0"], "--limit: 0 is not between 1 and 100"),
    ],
)
def test_bad_filters_exit_2_naming_the_option(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        directory("search", *args)
    assert raised.value.returncode == 2


def crossroads(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossroads.cli", "directory", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["search", "--category", "detox"], "--category"),
        (["search", "--open-now", "--open-at", "2026-03-07T10:00"], "--open-at"),
        (["search", "--open-at", "saturday"], "--open-at"),
        (["search", "--age", "old"], "--age"),
        (["search", "--near", "99999"], "--near"),
        (["inspect"], "invalid choice"),
        ([], "VERB"),
    ],
)
def test_the_real_command_exits_2_with_the_reason(args: list[str], named: str) -> None:
    done = crossroads(*args)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr


def test_help_lists_the_verbs_and_the_filters() -> None:
    assert "search" in crossroads("--help").stdout
    text = crossroads("search", "--help").stdout
    for option in ("--near", "--within-km", "--category", "--open-now", "--has-capacity", "--json"):
        assert option in text


@pytest.mark.django_db
@pytest.mark.usefixtures("places")
def test_reindex_rebuilds_and_is_audited() -> None:
    assert json.loads(directory("reindex", "--json")) == {"entries": 2}
    assert directory("reindex") == "Search index rebuilt: 2 entries\n"
    assert AuditEvent.objects.filter(verb="directory.search_index_rebuild").count() == 2


@pytest.mark.django_db
def test_an_agencys_own_term_is_searched_as_a_crossroads_category() -> None:
    agency = make_agency(type="bh_provider", short_name="ACBH")
    records = Records()
    own = records.term("CRISIS-RES")  # the county's code for its crisis residential beds
    respite = records.service("Northside Respite", hours=[AROUND_THE_CLOCK])
    records.attribute(respite, "service", own)
    records.site(respite, lat=39.76, lon=-84.19)
    records.load()
    assert (
        json.loads(directory("search", "--category", "crisis-stabilisation", "--json"))["total"]
        == 0
    )
    printed = directory(
        "map-term", "--agency", "ACBH", "--term", "CRISIS-RES", "--category", "crisis-stabilisation"
    )
    assert printed.startswith("CRISIS-RES") and "crisis-stabilisation" in printed
    found = json.loads(directory("search", "--category", "crisis-stabilisation", "--json"))
    assert [hit["name"] for hit in found["hits"]] == ["Northside Respite"]
    assert TermMapping.objects.get().agency == agency
    assert AuditEvent.objects.filter(verb="directory.term_mapping_create").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "nobody", "--term", "x", "--category", "moud"], "--agency: no agency"),
        (["--agency", "MAP", "--term", "missing", "--category", "moud"], "--term: 'missing'"),
        (["--agency", "MAP", "--term", "crisis-line", "--category", "detox"], "--category:"),
    ],
)
def test_a_bad_mapping_exits_2_naming_the_option(args: list[str], message: str) -> None:
    make_agency(short_name="MAP")
    with pytest.raises(CommandError, match=message) as raised:
        directory("map-term", *args)
    assert raised.value.returncode == 2
    assert not TermMapping.objects.exists()
