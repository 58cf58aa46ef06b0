"""The analytics pages through the test client, over a hand-built snapshot: who may open which
page, the dashboard's filters and tables, the records behind a number (and when they are not
listed), the evaluation's comparisons and costs, and the parameters form with its audit event.

The snapshot (written with tests/analytics/builder.py; made 2026-11-27): Riverton PD met four
people in March 2026 (forces none and verbal in North, empty hand and a firearm in South) and one
in April (empty hand, North); another department met someone in March too. Encounter e3 opened a
case in Riverton's CIT follow-up program.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.analytics.actions import agency_parameters_set
from crossroads.analytics.models import AgencyParameters
from crossroads.core.models import Agency, AuditEvent, User
from tests.analytics.builder import AGENCY, write_snapshot
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db

OTHER = "other-pd"
IDS = {name: uuid.uuid4().hex for name in ("e1", "e2", "e3", "e4", "e5", "x1")}
MARCH = {"from": "2026-03-01", "to": "2026-04-30"}


class _Tables(HTMLParser):
    """The rows (cell texts) of the tables inside the element with `element_id`."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth = element_id, 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag not in {"br", "input", "img"}
            if tag == "tr":
                self.rows.append([])
            if tag in {"td", "th"}:
                self.cell = []
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        self.depth -= 1
        if tag in {"td", "th"} and self.cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.depth and self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, element_id: str) -> list[list[str]]:
    parser = _Tables(element_id)
    parser.feed(html)
    return parser.rows


def chart_spec(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{element_id}-spec" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"no chart spec for {element_id}"
    spec: dict[str, Any] = json.loads(found[1])
    return spec


def _encounter(name: str, day: str, area: str, force: str, **more: object) -> dict[str, object]:
    return {
        "encounter_id": IDS[name],
        "local_date": day,
        "area": area,
        "highest_force": force,
        "disposition": "resolved_on_scene",
        **more,
    }


@pytest.fixture
def agency() -> Agency:
    return make_agency(name="Riverton Police Department", short_name="Riverton PD")


@pytest.fixture
def snapshot(settings: Any, tmp_path: Path, agency: Agency) -> Path:
    settings.ANALYTICS_DIR = tmp_path
    return write_snapshot(
        tmp_path / "snapshot",
        encounters=[
            _encounter("e1", "2026-03-02", "North", "none"),
            _encounter("e2", "2026-03-09", "North", "verbal"),
            _encounter("e3", "2026-03-16", "South", "empty_hand"),
            _encounter("e4", "2026-03-23", "South", "firearm", disposition="arrest_booked"),
            _encounter("e5", "2026-04-06", "North", "empty_hand"),
            {**_encounter("x1", "2026-03-03", "East", "firearm"), "agency": OTHER},
        ],
        cases=[
            {
                "case_id": uuid.uuid4().hex,
                "local_date": "2026-03-16",
                "program": "riverton-cit",
                "encounter_id": IDS["e3"],
                "area": "South",
            },
        ],
        programs=[
            {
                "program": "riverton-cit",
                "agency": AGENCY,
                "type": "cit_follow_up",
                "name": "Riverton CIT Follow-up",
            },
            {"program": "elsewhere", "agency": OTHER, "type": "lead", "name": "Elsewhere LEAD"},
        ],
        agencies=[
            {
                "agency": AGENCY,
                "name": "Riverton Police Department",
                "time_zone": "America/New_York",
            }
        ],
    )


@pytest.fixture
def manager(agency: Agency) -> User:
    return make_user(agency, "program_manager")


def _get(user: User, route: str, **query: str) -> Any:
    return signed_in_client(user).get(reverse(route), query)


# --- Who may open what --------------------------------------------------------------------------


def test_each_page_is_for_the_roles_that_hold_its_permission(
    snapshot: Path, agency: Agency
) -> None:
    analyst, officer, admin = (
        make_user(agency, role) for role in ("analyst", "officer", "agency_admin")
    )
    assert _get(analyst, "analytics:dashboard").status_code == 200
    assert _get(analyst, "analytics:evaluation").status_code == 200
    assert _get(analyst, "analytics:drilldown", metric="force_rate", **MARCH).status_code == 403
    assert _get(analyst, "analytics:parameters").status_code == 403
    assert _get(officer, "analytics:dashboard").status_code == 403
    assert _get(admin, "analytics:dashboard").status_code == 403
    assert _get(admin, "analytics:parameters").status_code == 200


def test_without_a_snapshot_each_page_says_how_to_make_one(
    settings: Any, tmp_path: Path, manager: User
) -> None:
    settings.ANALYTICS_DIR = tmp_path  # nothing written there
    for route in ("analytics:dashboard", "analytics:evaluation", "analytics:drilldown"):
        page = _get(manager, route)
        assert page.status_code == 200
        assert "crossroads analytics refresh" in page.content.decode()


def test_the_menu_leads_a_program_manager_to_the_outcomes(snapshot: Path, manager: User) -> None:
    home = _get(manager, "core:home").content.decode()
    assert f'href="{reverse("analytics:dashboard")}"' in home


# --- The dashboard ------------------------------------------------------------------------------


def test_each_chart_has_a_table_of_the_same_numbers_and_how_it_is_counted(
    snapshot: Path, manager: User
) -> None:
    page = _get(manager, "analytics:dashboard", **MARCH)
    html = page.content.decode()
    assert page.status_code == 200
    rows = table_rows(html, "metric-force_rate")
    assert rows[0][:4] == ["Period", "Counted", "Out of", "Value"]
    assert "Unit: per 100 encounters." in html
    # March: empty hand and a firearm of four; April: one of one. The other agency is not counted.
    assert [row[:4] for row in rows[1:]] == [
        ["Mar 2026", "2", "4", "50.0"],
        ["Apr 2026", "1", "1", "100.0"],
    ]
    spec = chart_spec(html, "metric-force_rate")
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # The page's heading names the metric; the chart's own title is the period, and its
    # description (on the drawing, for screen readers) names both.
    assert spec["title"]["text"] == "By month, 1 Mar 2026 to 30 Apr 2026"
    assert spec["description"].startswith("Line chart: Force above verbal commands, per 100")
    assert "table below" in spec["description"]
    points = spec["datasets"][spec["data"]["name"]]  # Altair names the inline data
    assert [(p["period"], p["numerator"], p["denominator"], p["value"]) for p in points] == [
        ("2026-03-01", 2, 4, 50.0),
        ("2026-04-01", 1, 1, 100.0),
    ]
    assert "cdn" not in json.dumps(spec)
    # How we count, from the metric's header, beside the chart; the snapshot's time above.
    assert "involved force beyond" in html
    assert re.search(
        r"snapshot made <time [^>]*>26 Nov 2026, 19:00 EST</time>", html
    )  # in New York
    assert "vendor/vega/vega-embed.min.js" in html and "crossroads/charts.js" in html


def test_a_breakdown_shows_each_category_for_the_whole_period(
    snapshot: Path, manager: User
) -> None:
    html = _get(manager, "analytics:dashboard", **MARCH).content.decode()
    rows = table_rows(html, "metric-disposition_share")
    assert rows[0][:4] == ["Category", "Counted", "Out of", "Value"]
    assert [row[:4] for row in rows[1:]] == [  # largest first, as the bars
        ["Resolved on scene", "4", "5", "80.0"],
        ["Arrest, booked", "1", "5", "20.0"],
    ]
    assert "The numbers: Share of encounters by disposition, 1 Mar 2026 to 30 Apr 2026." in html
    assert chart_spec(html, "metric-disposition_share")["mark"]["type"] == "bar"


def test_filters_by_quarter_area_and_program(snapshot: Path, manager: User) -> None:
    by_quarter = _get(manager, "analytics:dashboard", by="quarter", **MARCH).content.decode()
    assert [r[:4] for r in table_rows(by_quarter, "metric-force_rate")[1:]] == [
        ["2026 Q1", "2", "4", "50.0"],
        ["2026 Q2", "1", "1", "100.0"],
    ]
    north = _get(manager, "analytics:dashboard", area="North", **MARCH).content.decode()
    assert [r[:4] for r in table_rows(north, "metric-force_rate")[1:]] == [
        ["Mar 2026", "0", "2", "0.0"],
        ["Apr 2026", "1", "1", "100.0"],
    ]
    program = _get(manager, "analytics:dashboard", program="riverton-cit", **MARCH).content.decode()
    assert [r[:4] for r in table_rows(program, "metric-force_rate")[1:]] == [
        ["Mar 2026", "1", "1", "100.0"]
    ]
    # The program's own agency runs it: offered; another agency's program is not.
    assert 'value="riverton-cit"' in program and 'value="elsewhere"' not in program
    # A metric not counted by program says so rather than pretending.
    assert "Not counted by program" in program


def test_the_areas_offered_are_the_agencys_own(snapshot: Path, manager: User) -> None:
    html = _get(manager, "analytics:dashboard").content.decode()
    assert 'value="North"' in html and 'value="South"' in html
    assert 'value="East"' not in html


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ({"from": "2026-13-01"}, "From", "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "To", "Is earlier than “From”."),
        ({"by": "week"}, "By", "week is not one of the choices."),
        (
            {"agency": OTHER},
            "Agency",
            "You may see the figures of Riverton Police Department only.",
        ),
        ({"area": "Atlantis"}, "Area", "Atlantis is not one of the choices."),
    ],
)
def test_a_bad_filter_comes_back_422_naming_the_field(
    snapshot: Path, manager: User, query: dict[str, str], field: str, reason: str
) -> None:
    page = _get(manager, "analytics:dashboard", **query)
    html = page.content.decode()
    assert page.status_code == 422
    assert re.search(rf'<li><a href="#id_\w+">{field}</a>: {re.escape(reason)}</li>', html)
    assert 'class="usa-error-message"' in html
    assert "metric-force_rate" not in html  # no figures for a request it could not read


# --- The records behind a number ----------------------------------------------------------------


def test_a_number_opens_on_the_records_counted_each_linked_to_its_page(
    snapshot: Path, manager: User
) -> None:
    dashboard = _get(manager, "analytics:dashboard", **MARCH).content.decode()
    march = re.search(
        r'href="(/analytics/records/\?metric=force_rate&amp;from=2026-03-01&amp;to=2026-03-31)"',
        dashboard,
    )
    assert march, "the March force figure links to its records"
    page = signed_in_client(manager).get(march[1].replace("&amp;", "&"))
    html = page.content.decode()
    assert page.status_code == 200
    rows = table_rows(html, "drilldown-records")
    assert rows[0] == ["Day", "Area", "Record", "Highest force"]
    assert [row[:2] + row[3:] for row in rows[1:]] == [
        ["2 Mar 2026", "North", "None"],
        ["9 Mar 2026", "North", "Verbal commands"],
        ["16 Mar 2026", "South", "Empty hand"],
        ["23 Mar 2026", "South", "Firearm"],
    ]
    for name in ("e1", "e2", "e3", "e4"):
        assert reverse("encounters:encounter_detail", args=[uuid.UUID(IDS[name])]) in html
    assert IDS["x1"][:8] not in html  # another agency's encounter
    event = AuditEvent.objects.get(verb="analytics.drilldown", actor=manager)
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.detail == {
        "metric": "force_rate",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "area": "",
        "program": "",
        "rows": 4,
        "withheld": 0,
    }


def test_the_records_follow_the_area_and_program_asked_for(snapshot: Path, manager: User) -> None:
    south = _get(manager, "analytics:drilldown", metric="force_rate", area="South", **MARCH)
    assert [row[0] for row in table_rows(south.content.decode(), "drilldown-records")[1:]] == [
        "16 Mar 2026",
        "23 Mar 2026",
    ]
    program = _get(
        manager, "analytics:drilldown", metric="force_rate", program="riverton-cit", **MARCH
    )
    assert [row[0] for row in table_rows(program.content.decode(), "drilldown-records")[1:]] == [
        "16 Mar 2026"
    ]


def test_part2_records_are_listed_only_to_the_agency_that_received_them(
    settings: Any, tmp_path: Path, agency: Agency, manager: User
) -> None:
    settings.ANALYTICS_DIR = tmp_path
    sent = {"sent_at": "2026-03-02 15:00:00", "local_date": "2026-03-02", "area": "North"}
    write_snapshot(
        tmp_path / "snapshot",
        referrals=[
            {"referral_id": uuid.uuid4().hex, "receiving_agency": "harbor", **sent},
            {"referral_id": uuid.uuid4().hex, "receiving_agency": "harbor", **sent},
        ],
    )
    page = _get(manager, "analytics:drilldown", metric="initiation_14d", **MARCH)
    html = page.content.decode()
    assert page.status_code == 403
    assert "42 CFR Part 2" in html and "not shown at record level" in html
    assert 'id="drilldown-records"' not in html
    event = AuditEvent.objects.get(verb="analytics.drilldown", actor=manager)
    assert event.outcome == AuditEvent.Outcome.DENIED

    # A referral the agency received itself is listed; the others are counted, not listed.
    own = uuid.uuid4().hex
    write_snapshot(
        tmp_path / "snapshot",
        referrals=[
            {"referral_id": own, "receiving_agency": AGENCY, **sent},
            {"referral_id": uuid.uuid4().hex, "receiving_agency": "harbor", **sent},
        ],
    )
    page = _get(manager, "analytics:drilldown", metric="initiation_14d", **MARCH)
    html = page.content.decode()
    assert page.status_code == 200
    rows = table_rows(html, "drilldown-records")[1:]
    assert len(rows) == 1 and rows[0][2] == own[:8]
    assert reverse("referrals:referral_detail", args=[uuid.UUID(own)]) in html
    assert "1 of them rest on 42 CFR Part 2 records received by other agencies" in html


def test_a_number_counted_over_officers_has_no_records_to_list(
    snapshot: Path, manager: User
) -> None:
    page = _get(manager, "analytics:drilldown", metric="cit_coverage", **MARCH)
    assert page.status_code == 422
    assert "no records to list" in page.content.decode()


def test_a_drilldown_without_a_metric_names_the_missing_fields(
    snapshot: Path, manager: User
) -> None:
    page = _get(manager, "analytics:drilldown", to="2026-03-31")
    html = page.content.decode()
    assert page.status_code == 422
    assert ">Metric</a>: Choose one." in html and ">From</a>: Enter a date." in html
    assert not AuditEvent.objects.filter(verb="analytics.drilldown").exists()


# --- Evaluation and costs -----------------------------------------------------------------------

CUTOFF_YEAR = {
    "before_from": "2024-11-28",
    "before_to": "2025-11-27",
    "after_from": "2025-11-28",
    "after_to": "2026-11-27",
}


def _program_people(
    enrolled: int, rearrested: int, *, intake: bool
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """People with a case opened on 15 Jan 2025 (enrolled on the 20th, or found ineligible), the
    first `rearrested` of them arrested and booked again on 1 Mar 2025."""
    for n in range(enrolled):
        person = uuid.uuid4().int >> 65
        case = {
            "case_id": uuid.uuid4().hex,
            "local_date": "2025-01-15",
            "program": "riverton-cit",
            "person_key": person,
            "opened_at": "2025-01-15 15:00:00",
            "intake_at": "2025-01-20 15:00:00" if intake else None,
            "eligible": intake,
        }
        arrests = []
        if n < rearrested:
            arrests.append(
                {
                    "encounter_id": uuid.uuid4().hex,
                    "local_date": "2025-03-01",
                    "person_key": person,
                    "occurred_at": "2025-03-01 15:00:00",
                    "disposition": "arrest_booked",
                    "highest_force": "none",
                }
            )
        yield case, arrests


def test_evaluation_compares_participants_with_people_referred_but_not_enrolled(
    settings: Any, tmp_path: Path, agency: Agency, manager: User
) -> None:
    settings.ANALYTICS_DIR = tmp_path
    enrolled = list(_program_people(40, 4, intake=True))
    others = list(_program_people(40, 12, intake=False))
    write_snapshot(
        tmp_path / "snapshot",
        cases=[case for case, _ in enrolled + others],
        encounters=[arrest for _, arrests in enrolled + others for arrest in arrests],
        programs=[
            {
                "program": "riverton-cit",
                "agency": AGENCY,
                "type": "cit_follow_up",
                "name": "Riverton CIT Follow-up",
            }
        ],
    )
    AgencyParameters.objects.create(
        agency=agency, jail_day_cost=Decimal("100.00"), jail_days_per_booking=Decimal("10")
    )
    page = _get(
        manager, "analytics:evaluation", metric="force_rate", program="riverton-cit", **CUTOFF_YEAR
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "observational" in html
    rows = table_rows(html, "program-comparison")
    # 4 of 40 participants and 12 of 40 others were re-arrested within 180 (and so 365) days.
    assert rows[1][0] == "Arrested and booked again within 180 days"
    assert rows[1][1].startswith("10.0% 95% CI") and rows[1][1].endswith("4 of 40")
    assert rows[1][2].startswith("30.0% 95% CI") and rows[1][2].endswith("12 of 40")
    assert rows[1][3].startswith("-20.0 95% CI")
    # Costs: 0.20 x 40 = 8 re-arrests avoided x 10 days x $100 = $8,000; no ED visit cost set.
    assert "$8,000.00" in html
    assert "Missing parameter: cost of one emergency-department visit ($)" in html


def test_evaluation_says_too_few_rather_than_estimating_on_a_handful(
    snapshot: Path, manager: User
) -> None:
    page = _get(manager, "analytics:evaluation", metric="force_rate", **CUTOFF_YEAR)
    html = page.content.decode()
    assert page.status_code == 200
    before_after = table_rows(html, "before-after")
    assert before_after[1][0] == "Force above verbal commands, per 100 encounters"
    assert "too few to estimate" in before_after[1][1]  # 3 of 5 encounters after
    assert "Choose a program above" in html


def test_evaluation_periods_are_checked_field_by_field(snapshot: Path, manager: User) -> None:
    page = _get(
        manager,
        "analytics:evaluation",
        before_from="2025-01-01",
        before_to="2025-12-31",
        after_from="2025-06-01",
        after_to="2026-05-31",
    )
    assert page.status_code == 422
    assert ">After: from</a>: Starts before the earlier period ends." in page.content.decode()


# --- Parameters ---------------------------------------------------------------------------------


def test_parameters_are_saved_through_the_action_and_audited(
    snapshot: Path, agency: Agency
) -> None:
    admin = make_user(agency, "agency_admin")
    client = signed_in_client(admin)
    answer = client.post(
        reverse("analytics:parameters"),
        {
            "jail_day_cost": "126.06",
            "jail_days_per_booking": "",
            "ed_visit_cost": "527",
            "officer_hour_cost": "",
            "response_target_minutes": "10",
        },
    )
    assert answer.status_code == 302
    saved = AgencyParameters.objects.get(agency=agency)
    assert (saved.jail_day_cost, saved.jail_days_per_booking, saved.ed_visit_cost) == (
        Decimal("126.06"),
        None,
        Decimal("527"),
    )
    assert saved.response_target_minutes == 10
    event = AuditEvent.objects.get(verb="agency_parameters.set")
    assert event.actor == admin and event.agency == agency
    assert event.detail["jail_day_cost"] == "126.06" and event.detail["officer_hour_cost"] is None
    assert 'value="126.06"' in client.get(reverse("analytics:parameters")).content.decode()


@pytest.mark.parametrize(
    ("given", "label", "reason"),
    [
        ({"jail_day_cost": "-5"}, "Cost of one jail day ($)", "must be more than 0."),
        (
            {"jail_days_per_booking": "9999"},
            "Average jail days after a booking",
            "from more than 0 to 3650 days.",
        ),
        (
            {"ed_visit_cost": "lots"},
            "Cost of one emergency-department visit ($)",
            "Enter a number.",
        ),
        (
            {"response_target_minutes": "0"},
            "Response-time target (minutes from call to arrival)",
            "from 1 to 240 minutes.",
        ),
    ],
)
def test_a_bad_parameter_comes_back_422_naming_the_field(
    snapshot: Path, agency: Agency, given: dict[str, str], label: str, reason: str
) -> None:
    admin = make_user(agency, "agency_admin")
    answer = signed_in_client(admin).post(reverse("analytics:parameters"), given)
    html = answer.content.decode()
    assert answer.status_code == 422
    assert f">{label}</a>: {reason}" in html
    assert not AgencyParameters.objects.exists()
    assert not AuditEvent.objects.filter(verb="agency_parameters.set").exists()


def test_parameters_are_the_users_own_agencys(snapshot: Path, agency: Agency) -> None:
    outsider = make_user(make_agency(), "agency_admin")
    with pytest.raises(ValidationError) as refused:
        agency_parameters_set(
            by=outsider,
            agency=agency,
            jail_day_cost=Decimal(1),
            jail_days_per_booking=None,
            ed_visit_cost=None,
            officer_hour_cost=None,
            response_target_minutes=None,
        )
    assert "agency" in refused.value.message_dict
