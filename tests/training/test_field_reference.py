"""The officers' field reference: built from the curriculum (the sign groups, steps and
resources its modules name), with the county's crisis services from the live directory as
numbers to dial, and one tap away from the encounter form."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from crossroads.encounters.actions import encounter_submit
from crossroads.encounters.field_guide import field_guide
from crossroads.training.curricula import shipped
from crossroads.training.reference import dial_uri, field_reference
from tests.directory.hsds_records import AROUND_THE_CLOCK, Records, weekly
from tests.factories import make_agency, make_user, signed_in_client

PAGE = "/training/field-reference/"
SUNDAY_NIGHT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # 03:00 in Dayton, Ohio
NEW_ENCOUNTER = "/encounters/new/"


def _named_by_the_curriculum() -> tuple[list[str], list[str]]:
    """The sign groups and steps the officer courses' modules name, read from the file."""
    modules = [
        module.field_reference
        for course in shipped().courses
        if course.audience in {"officer", "any"}
        for module in course.modules
        if module.field_reference is not None
    ]
    groups = list(dict.fromkeys(key for ref in modules for key in ref.sign_groups))
    return groups, [step for ref in modules for step in ref.steps]


def test_the_reference_holds_what_the_officer_courses_name_in_their_order() -> None:
    reference = field_reference(shipped(), field_guide())
    groups, steps = _named_by_the_curriculum()
    assert [section.key for section in reference.signs] == groups
    assert groups[:3] == ["psychosis", "mania", "depression"]
    psychosis = reference.signs[0]
    assert psychosis.signs == field_guide().signs["psychosis"].signs
    assert psychosis.taught_in == "Signs and symptoms of mental illness"
    assert [step for section in reference.steps for step in section.steps] == steps
    assert [section.key for section in reference.steps] == [
        "substance_use",
        "suicide_risk",
        "de_escalation",
        "overdose_recognition",
    ]
    assert reference.local_resources
    assert reference.techniques == field_guide().deescalation
    assert "911 CIT course for call-takers and dispatchers" not in reference.courses


def test_a_module_naming_a_sign_group_the_guide_lacks_is_refused() -> None:
    data = shipped().model_dump()
    data["courses"][0]["modules"][0]["field_reference"]["sign_groups"] = ["catatonia"]
    with pytest.raises(ValueError, match="signs_mental_illness names the sign group 'catatonia'"):
        field_reference(type(shipped()).model_validate(data), field_guide())


@pytest.mark.parametrize(
    ("number", "extension", "uri"),
    [("988", None, "tel:988"), ("(937) 555-0142", None, "tel:9375550142"),
     ("+1 937-555-0100", 12.0, "tel:+19375550100,12")],
)  # fmt: skip
def test_a_number_is_dialled_as_written(number: str, extension: float | None, uri: str) -> None:
    assert dial_uri(number, extension) == uri


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def crisis_directory() -> dict[str, str]:
    """A crisis line (no place, a number to call), a crisis unit open around the clock, a
    mobile team open weekdays only, and a detox unit (not a crisis service)."""
    records = Records("Alder Crisis Services")
    line = records.service("Alder 988 Crisis Line", categories=["crisis-line"])
    unit = records.service("Harbor Crisis Stabilization", categories=["crisis-stabilisation"])
    unit_site = records.site(
        unit, lat=39.76, lon=-84.19, access=["police-drop-off"], hours=[AROUND_THE_CLOCK]
    )
    team = records.service("Alder Mobile Crisis", categories=["mobile-crisis"])
    records.site(team, lat=39.75, lon=-84.2, hours=[weekly("MO,TU,WE,TH,FR", "09:00", "17:00")])
    records.service("Valley Detox", categories=["withdrawal-management"])
    for owner, number in (
        ({"service_id": line}, "988"),
        ({"service_at_location_id": unit_site}, "(937) 555-0142"),
    ):
        records.tables["phone"].append({"id": str(uuid.uuid4()), "number": number, **owner})
    records.load()
    return {"line": line, "unit": unit, "team": team}


@pytest.mark.django_db
def test_the_page_shows_the_curriculums_signs_steps_and_crisis_numbers(
    crisis_directory: dict[str, str],
) -> None:
    officer = make_user(make_agency(), "officer")
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        response = signed_in_client(officer).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    groups, steps = _named_by_the_curriculum()
    for key in groups:
        group = field_guide().signs[key]
        assert f'id="signs-{key}"' in page and f'href="#signs-{key}"' in page
        for sign in group.signs:
            assert escape(sign.label) in page and escape(sign.cue) in page
    assert "responding_to_voices" not in page  # labels, not codes
    for step in steps:
        assert escape(step) in page
    for technique in field_guide().deescalation:
        assert escape(technique.label) in page
    assert 'href="tel:988"' in page and 'href="tel:9375550142"' in page
    assert "Harbor Crisis Stabilization" in page and "Alder Mobile Crisis" in page
    assert "Valley Detox" not in page
    resources = _text(page[page.index('id="resources"') :])
    # Open now first: the unit around the clock; the weekday team is closed, the line's hours
    # are not known.
    assert resources.index(
        "Harbor Crisis Stabilization Alder Crisis Services · Main office Open now"
    ) < min(
        resources.index(
            "Alder Mobile Crisis Alder Crisis Services · Main office Closed now Opens Mon 09:00"
        ),
        resources.index("Alder 988 Crisis Line Alder Crisis Services Hours unknown Call 988"),
    )
    assert "Police drop-off" in resources
    assert 'href="/encounters/new/"' in page  # back to the form, which offers the draft


@pytest.mark.django_db
def test_without_crisis_services_the_page_says_so() -> None:
    page = signed_in_client(make_user(make_agency(), "dispatcher")).get(PAGE).content.decode()
    assert "The directory lists no crisis services yet" in page
    assert 'href="/encounters/new/"' not in page  # a dispatcher records no encounters


@pytest.mark.django_db
def test_the_page_costs_the_same_however_many_services(crisis_directory: dict[str, str]) -> None:
    client = signed_in_client(make_user(make_agency(), "officer"))
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    more = Records("Second Crisis Provider")
    for n in range(4):
        line = more.service(f"Warm Line {n}", categories=["crisis-line"])
        more.tables["phone"].append(
            {"id": str(uuid.uuid4()), "number": f"555-01{n}0", "service_id": line}
        )
    more.load()
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)
    assert "Warm Line 3" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_the_encounter_form_links_to_the_reference_in_one_tap() -> None:
    officer = make_user(make_agency(), "officer")
    page = signed_in_client(officer).get(NEW_ENCOUNTER).content.decode()
    link = re.search(rf'<a [^>]*href="{PAGE}"[^>]*>', page)
    assert link is not None
    # With htmx, tapping it saves the draft first (the form's fields), then opens the reference.
    assert 'hx-post="/encounters/new/draft/"' in link.group(0)
    assert 'hx-include="#encounter-form"' in link.group(0)
    clinician = make_user(make_agency(type="bh_provider"), "clinician")  # no training.view
    assert f'href="{PAGE}"' not in signed_in_client(clinician).get(NEW_ENCOUNTER).content.decode()


@pytest.mark.django_db
def test_an_autosaved_draft_is_offered_again_after_reading_the_reference() -> None:
    """The trip to the reference loses nothing the autosave kept: back on the form, the draft
    is offered to resume."""
    client = signed_in_client(make_user(make_agency(), "officer"))
    key = str(uuid.uuid4())
    saved = client.post(
        "/encounters/new/draft/",
        {"client_key": key, "narrative": "Calm, talking about his brother."},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert client.get(PAGE).status_code == 200
    back = client.get(NEW_ENCOUNTER).content.decode()
    assert "Unsent draft" in back and "?draft=" in back


@pytest.mark.django_db
def test_a_recorded_encounter_links_to_the_reference_too() -> None:
    officer = make_user(make_agency(), "officer")
    encounter = encounter_submit(
        by=officer,
        client_key=uuid.uuid4(),
        occurred_at=timezone.now(),
        disposition="referred_no_transport",
    )
    page = signed_in_client(officer).get(f"/encounters/{encounter.pk}/").content.decode()
    assert f'href="{PAGE}"' in page
