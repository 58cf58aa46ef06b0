"""Records not verified within the period become tasks for the maintainer; verifying closes
them (issue 4). The sweep runs from the CLI on a schedule and is safe to run again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crossroads.core import actions as core_actions
from crossroads.core.models import AuditEvent, User
from crossroads.directory import actions
from crossroads.directory.models import Location, Organization, Service, VerificationTask
from tests.factories import make_agency, make_site, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)
OPEN = VerificationTask.Status.OPEN


@pytest.fixture
def maintainer() -> User:
    return make_user(make_agency(type="community_org"), "directory_maintainer", username="mo")


def verified(days_ago: int | None) -> date | None:
    return None if days_ago is None else TODAY - timedelta(days=days_ago)


def listed(*, organization: int | None, service: int | None, location: int | None) -> Service:
    """A site whose three records were last verified so many days ago (None: never)."""
    site = make_site()
    Organization.objects.filter(pk=site.service.organization_id).update(
        last_verified_on=verified(organization)
    )
    Service.objects.filter(pk=site.service_id).update(last_verified_on=verified(service))
    Location.objects.filter(pk=site.location_id).update(last_verified_on=verified(location))
    return site.service


def open_tasks() -> set[tuple[str, str]]:
    return set(
        VerificationTask.objects.filter(status=OPEN).values_list("record_table", "record_name")
    )


def test_the_sweep_opens_a_task_for_each_overdue_record_only_once() -> None:
    service = listed(organization=180, service=181, location=None)
    assert actions.verification_tasks_open(today=TODAY) == 2
    location = Location.objects.get()
    assert open_tasks() == {("service", service.name), ("location", location.name)}
    task = VerificationTask.objects.get(record_table="service")
    assert task.record_id == service.pk and task.last_verified_on == TODAY - timedelta(days=181)
    assert actions.verification_tasks_open(today=TODAY) == 0
    assert VerificationTask.objects.count() == 2
    sweeps = AuditEvent.objects.filter(verb="directory.verification_tasks_open")
    assert [event.detail["opened"] for event in sweeps.order_by("seq")] == [2, 0]
    assert sweeps.first().actor is None  # type: ignore[union-attr]


def test_the_period_is_a_setting(settings: Any) -> None:
    listed(organization=31, service=30, location=10)
    settings.DIRECTORY_VERIFY_WITHIN = timedelta(days=30)
    assert actions.verification_tasks_open(today=TODAY) == 1
    assert [table for table, _ in open_tasks()] == ["organization"]


def test_a_record_verified_since_has_its_task_closed_by_the_next_sweep() -> None:
    service = listed(organization=1, service=400, location=1)
    actions.verification_tasks_open(today=TODAY)
    Service.objects.filter(pk=service.pk).update(last_verified_on=TODAY)
    actions.verification_tasks_open(today=TODAY)
    assert not open_tasks()
    assert AuditEvent.objects.filter(verb="directory.verification_tasks_open").last().detail == {  # type: ignore[union-attr]
        "today": "2026-11-26",
        "opened": 0,
        "closed": 1,
    }


def test_verifying_dates_the_record_and_closes_its_task(maintainer: User) -> None:
    service = listed(organization=1, service=None, location=1)
    actions.verification_tasks_open(today=TODAY)
    task = VerificationTask.objects.get()
    evening = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # still the 26th in New York
    actions.record_verify(by=maintainer, task=task, at=evening)
    service.refresh_from_db()
    task.refresh_from_db()
    assert service.last_verified_on == TODAY
    assert (task.status, task.closed_by, task.closed_at) == ("done", maintainer, evening)
    event = AuditEvent.objects.get(verb="directory.record_verify")
    assert event.detail == {
        "table": "service",
        "record": str(service.pk),
        "verified_on": "2026-11-26",
    }
    with pytest.raises(ValidationError, match="already closed"):
        actions.record_verify(by=maintainer, task=task)
    assert actions.verification_tasks_open(today=TODAY) == 0


def test_the_maintainer_page_lists_the_oldest_first_and_verifies(maintainer: User) -> None:
    listed(organization=1, service=200, location=1)
    never = listed(organization=1, service=None, location=1)
    listed(organization=1, service=300, location=1)
    actions.verification_tasks_open(today=TODAY)
    task = VerificationTask.objects.get(record_id=never.pk)
    with time_machine.travel(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), tick=False):
        client = signed_in_client(maintainer)
        page = client.get("/directory/verification/").content.decode()
        response = client.post(f"/directory/verification/{task.pk}/verify/")
        after = client.get(response["Location"]).content.decode()
    assert "3 open" in page
    rows = page.split("<tbody>")[1]
    assert rows.index("never") < rows.index("30 Jan 2026") < rows.index("10 May 2026")
    assert response.status_code == 302
    assert f"{never.name} is verified as of today." in after and "2 open" in after
    never.refresh_from_db()
    assert never.last_verified_on == TODAY


def test_only_the_maintainer_sees_the_queue() -> None:
    intake = make_user(make_agency(type="crisis_facility"), "provider_intake")
    assert signed_in_client(intake).get("/directory/verification/").status_code == 403


def test_the_api_lists_open_tasks_and_verifies_one(maintainer: User) -> None:
    service = listed(organization=1, service=None, location=1)
    actions.verification_tasks_open(today=TODAY)
    _token, secret = core_actions.api_token_create(by=maintainer, name="script")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    listing = Client().get("/api/v1/directory/verification-tasks", **headers).json()
    assert listing["open"] == 1
    [task] = listing["tasks"]
    assert task["record_id"] == str(service.pk) and task["last_verified_on"] is None
    url = f"/api/v1/directory/verification-tasks/{task['id']}/verify"
    done = Client().post(url, **headers)
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = Client().post(url, **headers)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "task"


def test_the_cli_sweeps(capsys: pytest.CaptureFixture[str]) -> None:
    listed(organization=1, service=None, location=1)
    with time_machine.travel(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), tick=False):
        call_command("directory", "verify-due")
    assert "1 verification task opened" in capsys.readouterr().out
    assert open_tasks() == {("service", Service.objects.get().name)}


def test_the_queue_reads_in_a_fixed_number_of_queries(maintainer: User) -> None:
    client = signed_in_client(maintainer)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/directory/verification/").status_code == 200
        return len(captured)

    listed(organization=None, service=1, location=1)
    actions.verification_tasks_open(today=TODAY)
    one = queries_for_page()
    for _ in range(3):
        listed(organization=None, service=None, location=None)
    actions.verification_tasks_open(today=TODAY)
    assert queries_for_page() == one
