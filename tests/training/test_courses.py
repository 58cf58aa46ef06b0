"""Courses: the shipped curricula and an agency's own, added through one validated action, and
their pages and JSON twin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crossroads.core.models import AuditEvent
from crossroads.training import queries
from crossroads.training.actions import course_create
from crossroads.training.models import Course
from tests.factories import make_agency, make_user, signed_in_client

pytestmark = pytest.mark.django_db

YOUTH = {
    "code": "cit_youth",
    "name": "CIT for youth encounters",
    "audience": "officer",
    "hours": Decimal(6),
    "validity_months": 24,
    "certifies": "cit_youth",
    "objectives": ["Adapt de-escalation to children and teenagers."],
    "modules": [
        {
            "code": "development",
            "name": "Adolescent development",
            "hours": Decimal(2),
            "objectives": ["Explain how a teenager's brain meets a crisis."],
        },
        {
            "code": "scenarios",
            "name": "Youth scenarios",
            "hours": Decimal(4),
            "objectives": ["Practise with actors.", "Call the parent or guardian."],
        },
    ],
}


def test_an_agencys_course_is_added_with_one_audit_event_and_offered_beside_the_shipped() -> None:
    agency = make_agency()
    coordinator = make_user(agency, "cit_coordinator")
    course = course_create(by=coordinator, agency=agency, item_bank="cit", **YOUTH)
    assert course.spec.hours == Decimal(6) and course.spec.item_bank == "cit"
    assert [m.code for m in course.spec.modules] == ["development", "scenarios"]
    event = AuditEvent.objects.get(verb="course.create")
    assert (event.actor, event.agency, event.object_id) == (coordinator, agency, str(course.pk))
    offered = {c.spec.code: c for c in queries.courses_for(make_user(agency, "officer"))}
    assert set(offered) == {"cit", "cit_refresher", "dispatcher_cit", "naloxone", "cit_youth"}
    assert offered["cit_youth"].own == course and offered["cit"].own is None
    stranger = make_user(make_agency(), "officer")
    assert "cit_youth" not in {c.spec.code for c in queries.courses_for(stranger)}


def _modules(*hours: str) -> list[dict[str, Any]]:
    return [
        {"code": f"m{n}", "name": f"Module {n}", "hours": Decimal(h), "objectives": ["Learn."]}
        for n, h in enumerate(hours, start=1)
    ]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"code": "cit"}, "code", "is a shipped course's code"),
        ({"code": "Youth CIT"}, "code", "is not a code"),
        ({"hours": Decimal(7)}, "modules", "add up to 6 hours, not 7"),
        ({"modules": _modules("2", "0")}, "modules", "module 2: hours Input should be greater"),
        ({"modules": _modules("3", "3") * 2}, "modules", "module codes repeated"),
        ({"objectives": []}, "objectives", "at least 1 item"),
        ({"validity_months": 0}, "validity_months", "greater than or equal to 1"),
        ({"audience": "chiefs"}, "audience", "Input should be"),
        ({"item_bank": "quiz"}, "item_bank", "there is no item bank 'quiz'"),
    ],
)
def test_a_bad_course_is_refused_naming_the_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    agency = make_agency()
    with pytest.raises(ValidationError) as refused:
        course_create(by=None, agency=agency, **(YOUTH | change))
    assert list(refused.value.message_dict) == [field]
    assert reason in " ".join(refused.value.message_dict[field])
    assert not Course.objects.exists() and not AuditEvent.objects.filter(verb="course.create")


def test_a_course_code_is_the_agencys_once_and_another_agency_does_not_write_it() -> None:
    agency = make_agency()
    course_create(by=None, agency=agency, **YOUTH)
    with pytest.raises(ValidationError, match="already has a course 'cit_youth'"):
        course_create(by=None, agency=agency, **YOUTH)
    course_create(by=None, agency=make_agency(), **YOUTH)  # another agency may use the code
    with pytest.raises(ValidationError, match="another agency"):
        course_create(by=make_user(make_agency(), "cit_coordinator"), agency=agency, **YOUTH)
    assert Course.objects.count() == 2


def test_the_course_pages_in_fixed_queries(django_assert_max_num_queries: Any) -> None:
    agency = make_agency()
    officer = make_user(agency, "officer")
    client = signed_in_client(officer)
    client.get(reverse("training:course_list"))
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("training:course_list"))
    for n in range(4):
        course_create(by=None, agency=agency, **(YOUTH | {"code": f"youth_{n}"}))
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("training:course_list"))
    page = listing.content.decode()
    assert "Crisis Intervention Team (CIT) basic course" in page and "youth_3" in page
    assert "Add a course" not in page  # officers do not add courses
    detail = client.get(reverse("training:course_detail", args=["cit"])).content.decode()
    assert "Signs and symptoms of mental illness" in detail and "Suicide risk" in detail
    assert "Use the C-SSRS screener and act on a positive result." in detail
    assert "Knowledge-check improvement" not in detail  # only for those who run training
    assert client.get(reverse("training:course_detail", args=["nope"])).status_code == 404
    assert "A refresher" not in detail
    refresher = client.get(reverse("training:course_detail", args=["cit_refresher"]))
    assert (
        "A refresher: it renews the certification of those who hold it, or whose last one "
        "lapsed at most 12 months before; others need the full course"
    ) in refresher.content.decode()


def test_another_agencys_course_answers_404() -> None:
    course_create(by=None, agency=make_agency(), **YOUTH)
    client = signed_in_client(make_user(make_agency(), "officer"))
    assert client.get(reverse("training:course_detail", args=["cit_youth"])).status_code == 404


MODULE_LINES = (
    "development | Adolescent development | 2 | Explain how a teenager's brain meets a crisis\n"
    "\n"
    "scenarios | Youth scenarios | 4 | Practise with actors; Call the parent or guardian\n"
)


def _course_form(**change: str) -> dict[str, str]:
    return {
        "code": "cit_youth",
        "name": "CIT for youth encounters",
        "audience": "officer",
        "hours": "6",
        "validity_months": "24",
        "certifies": "cit_youth",
        "item_bank": "",
        "objectives": "Adapt de-escalation to children and teenagers.\n",
        "modules": MODULE_LINES,
    } | change


def test_a_coordinator_adds_a_course_on_its_page_with_modules_as_lines() -> None:
    coordinator = make_user(make_agency(), "cit_coordinator")
    client = signed_in_client(coordinator)
    assert client.get(reverse("training:course_new")).status_code == 200
    added = client.post(reverse("training:course_new"), _course_form())
    assert added.status_code == 302
    assert added["Location"] == reverse("training:course_detail", args=["cit_youth"])
    course = Course.objects.get()
    assert course.modules[1]["objectives"] == [
        "Practise with actors",
        "Call the parent or guardian",
    ]
    assert course.created_by == coordinator


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"modules": "development | Adolescent development | 2\n"}, "Module 1: write code"),
        ({"modules": "dev | Development | two | Learn\n"}, "Module 1: &#x27;two&#x27; is not"),
        ({"hours": "7"}, "add up to 6 hours, not 7"),
        ({"code": "cit"}, "is a shipped course&#x27;s code"),
        ({"objectives": ""}, "This field is required."),
    ],
)
def test_a_bad_course_comes_back_with_the_reason_and_422(
    change: dict[str, str], message: str
) -> None:
    client = signed_in_client(make_user(make_agency(), "cit_coordinator"))
    refused = client.post(reverse("training:course_new"), _course_form(**change))
    assert refused.status_code == 422
    assert message in refused.content.decode()
    assert not Course.objects.exists()


def test_the_api_lists_the_courses_an_agency_offers() -> None:
    agency = make_agency()
    course_create(by=None, agency=agency, **YOUTH)
    client = signed_in_client(make_user(agency, "dispatcher"))
    courses = {c["code"]: c for c in client.get("/api/v1/training/courses").json()}
    assert courses["cit"]["hours"] == 40 and courses["cit"]["shipped"] is True
    assert len(courses["cit"]["modules"]) == 10
    assert courses["cit_youth"]["shipped"] is False
    assert courses["cit_youth"]["modules"][1]["objectives"][1] == "Call the parent or guardian."
