"""Edits an organisation makes to its own listing are reviewed before they go live (issue 4):
until approved, search and the API show the old values; a stale edit is refused; a rejection
says why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crossroads.core import actions as core_actions
from crossroads.core.models import AuditEvent, User
from crossroads.directory import actions
from crossroads.directory.models import ProposedChange, SearchEntry, Service, VerificationTask
from tests.factories import make_agency, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


@pytest.fixture
def intake() -> User:
    return make_user(make_agency(type="sud_treatment"), "provider_intake", username="ines")


@pytest.fixture
def maintainer() -> User:
    return make_user(make_agency(type="community_org"), "directory_maintainer", username="mo")


@pytest.fixture
def service(intake: User) -> Service:
    return make_service("Harbor Detox", agency=intake.agency, description="Medically managed.")


def propose(user: User, service: Service, **changes: Any) -> ProposedChange:
    return actions.change_propose(by=user, record=service, changes=changes)


def hsds_name(user: User, service: Service) -> str:
    _token, secret = core_actions.api_token_create(by=user, name="read")
    response = Client().get(
        f"/api/v1/hsds/services/{service.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    return str(response.json()["name"])


def test_a_proposed_edit_is_not_live_until_approved(
    intake: User, maintainer: User, service: Service
) -> None:
    change = propose(intake, service, name="Harbor Withdrawal Centre", minimum_age=18)
    assert change.previous == {"name": "Harbor Detox", "minimum_age": None}
    service.refresh_from_db()
    assert service.name == "Harbor Detox"
    assert SearchEntry.objects.get(service=service).name == "Harbor Detox"
    assert hsds_name(maintainer, service) == "Harbor Detox"

    with time_machine.travel(NOON, tick=False):
        actions.change_approve(by=maintainer, change=change)
    service.refresh_from_db()
    change.refresh_from_db()
    assert (service.name, service.minimum_age) == ("Harbor Withdrawal Centre", 18.0)
    assert service.last_verified_on == date(2026, 11, 26)
    assert service.last_modified == NOON
    assert (change.status, change.reviewed_by) == ("approved", maintainer)
    assert SearchEntry.objects.get(service=service).name == "Harbor Withdrawal Centre"
    assert hsds_name(maintainer, service) == "Harbor Withdrawal Centre"
    verbs = AuditEvent.objects.filter(verb__startswith="directory.change_").values_list(
        "verb", "detail"
    )
    assert list(verbs.order_by("seq")) == [
        ("directory.change_propose", {"table": "service", "record": str(service.pk),
                                      "fields": ["minimum_age", "name"]}),
        ("directory.change_approve", {"table": "service", "fields": ["minimum_age", "name"]}),
    ]  # fmt: skip


def test_approving_counts_as_verifying(intake: User, maintainer: User, service: Service) -> None:
    actions.verification_tasks_open(today=date(2026, 11, 26))
    assert VerificationTask.objects.filter(record_id=service.pk, status="open").exists()
    actions.change_approve(by=maintainer, change=propose(intake, service, wait_time="2 days"))
    assert not VerificationTask.objects.filter(record_id=service.pk, status="open").exists()


def test_an_edit_to_a_listing_changed_since_is_refused_as_stale(
    intake: User, maintainer: User, service: Service
) -> None:
    first = propose(intake, service, name="Harbor Withdrawal Centre")
    second = propose(intake, service, name="Harbor Detox Centre", description="Walk-in.")
    actions.change_approve(by=maintainer, change=first)
    with pytest.raises(
        actions.StaleProposal, match=r"changed after this edit was proposed \(name\)"
    ):
        actions.change_approve(by=maintainer, change=second)
    service.refresh_from_db()
    second.refresh_from_db()
    assert (
        service.name == "Harbor Withdrawal Centre" and service.description == "Medically managed."
    )
    assert second.status == "pending"


def test_a_rejection_needs_a_note_and_leaves_the_listing(
    intake: User, maintainer: User, service: Service
) -> None:
    change = propose(intake, service, description="Closed for good.")
    with pytest.raises(ValidationError) as refused:
        actions.change_reject(by=maintainer, change=change, note="   ")
    assert "say why" in refused.value.message_dict["note"][0]
    actions.change_reject(by=maintainer, change=change, note="Call us: you are still open.")
    change.refresh_from_db()
    service.refresh_from_db()
    assert (change.status, change.review_note) == ("rejected", "Call us: you are still open.")
    assert service.description == "Medically managed."
    with pytest.raises(ValidationError, match="already reviewed"):
        actions.change_approve(by=maintainer, change=change)
    assert AuditEvent.objects.filter(verb="directory.change_reject").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"status": "inactive"}, "status", "not a field you can edit"),
        ({"name": "  "}, "name", "is required"),
        ({"email": "not-an-address"}, "email", "not an email address"),
        ({"url": "javascript:alert(1)"}, "url", "not a web address"),
        ({"minimum_age": 200}, "minimum_age", "between 0 and 120"),
        ({"minimum_age": "eighteen"}, "minimum_age", "number of years"),
        ({"minimum_age": 65, "maximum_age": 18}, "maximum_age", "below the minimum age (65)"),
        ({"alert": "x" * 4001}, "alert", "at most 4,000"),
        ({"name": "Harbor Detox"}, "changes", "nothing differs"),
    ],
)
def test_a_bad_edit_names_the_field_and_keeps_nothing(
    intake: User, service: Service, changes: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        propose(intake, service, **changes)
    assert reason in " ".join(refused.value.message_dict[field])
    assert not ProposedChange.objects.exists()


def test_only_the_agency_keeping_the_listing_proposes_edits(service: Service) -> None:
    stranger = make_user(make_agency(type="sud_treatment"), "provider_intake")
    with pytest.raises(PermissionDenied):
        propose(stranger, service, name="Mine now")
    client = signed_in_client(stranger)
    assert client.get(f"/directory/listings/service/{service.pk}/edit/").status_code == 404
    assert client.get(f"/directory/listings/hammock/{service.pk}/edit/").status_code == 404
    clinician = signed_in_client(make_user(service.organization.agency, "clinician"))
    assert clinician.get(f"/directory/listings/service/{service.pk}/edit/").status_code == 403


def test_the_provider_proposes_on_a_page_and_is_told_it_waits(
    intake: User, service: Service
) -> None:
    client = signed_in_client(intake)
    url = f"/directory/listings/service/{service.pk}/edit/"
    form = client.get(url).content.decode()
    assert 'value="Harbor Detox"' in form and "Eligibility description" in form
    response = client.post(url, {"name": "Harbor Detox", "description": "Walk-in, 24/7."})
    assert response.status_code == 302
    listings = client.get(response["Location"]).content.decode()
    assert "waiting for review by the directory maintainer" in listings
    assert "Waiting for review" in listings
    change = ProposedChange.objects.get()
    assert change.changes == {"description": "Walk-in, 24/7."}  # only what was changed
    assert "1 edit to this service is waiting for review" in client.get(url).content.decode()
    blank = client.post(url, {"name": ""})
    assert blank.status_code == 400 and "This field is required." in blank.content.decode()
    refused = client.post(url, {"name": "Harbor Detox", "email": "nope"})
    assert refused.status_code == 400
    assert 'id="id_email_error"' in refused.content.decode()
    assert "is not an email address." in refused.content.decode()
    assert ProposedChange.objects.count() == 1


def test_the_maintainer_reviews_field_by_field_on_a_page(
    intake: User, maintainer: User, service: Service
) -> None:
    stale = propose(intake, service, name="Harbor Detox Centre")
    change = propose(intake, service, name="Harbor Withdrawal", eligibility_description="18+")
    client = signed_in_client(maintainer)
    page = client.get("/directory/changes/").content.decode()
    assert "Service: Harbor Detox" in page and "Eligibility description" in page
    assert "<ins>Harbor Withdrawal</ins>" in page

    rejected = client.post(f"/directory/changes/{stale.pk}/reject/", {})
    assert rejected.status_code == 400
    assert "Say why, so the provider can correct it." in rejected.content.decode()
    assert client.post(f"/directory/changes/{change.pk}/approve/").status_code == 302
    refused = client.post(f"/directory/changes/{stale.pk}/approve/")
    assert refused.status_code == 400
    assert "Reject it and ask the provider to propose it again." in refused.content.decode()
    note = {f"change-{stale.pk.hex}-note": "Superseded by the approved name."}
    assert client.post(f"/directory/changes/{stale.pk}/reject/", note).status_code == 302
    own = signed_in_client(intake).get("/directory/listings/").content.decode()
    assert "Superseded by the approved name." in own and "Approved and live" in own


def test_the_api_proposes_approves_and_refuses_a_stale_edit_with_409(
    intake: User, maintainer: User, service: Service
) -> None:
    def post(user: User, url: str, body: dict[str, Any] | None = None) -> Any:
        _token, secret = core_actions.api_token_create(by=user, name="api")
        return Client().post(
            url, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    body = {"record_table": "service", "record_id": str(service.pk), "changes": {"name": "A"}}
    first = post(intake, "/api/v1/directory/changes", body)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    second = post(intake, "/api/v1/directory/changes", {**body, "changes": {"name": "B"}})
    bad = post(intake, "/api/v1/directory/changes", {**body, "changes": {"fees": "free"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fees"

    approved = post(maintainer, f"/api/v1/directory/changes/{first.json()['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    stale = post(maintainer, f"/api/v1/directory/changes/{second.json()['id']}/approve")
    assert stale.status_code == 409 and "changed after" in stale.json()["detail"]
    reject_url = f"/api/v1/directory/changes/{second.json()['id']}/reject"
    assert post(maintainer, reject_url, {"note": ""}).status_code == 422
    assert post(maintainer, reject_url, {"note": "Superseded."}).json()["status"] == "rejected"


def test_the_review_page_reads_in_a_fixed_number_of_queries(
    intake: User, maintainer: User, service: Service
) -> None:
    client = signed_in_client(maintainer)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/directory/changes/").status_code == 200
        return len(captured)

    propose(intake, service, name="One")
    one = queries_for_page()
    for n in range(3):
        propose(intake, make_service(agency=intake.agency), alert=f"Alert {n}")
    assert queries_for_page() == one
