"""The accounting of disclosures (SECURITY.md 8, 5): every allowed disclosure of a program's Part 2
records — who received it, what, when, why, how — for the past six years, per person and
agency-wide, on the page and in CSV exports whose first lines carry the §2.32 notice."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from crossroads.consent import actions, queries
from crossroads.consent.models import accounting_window_start
from crossroads.consent.policy import Purpose
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from tests.factories import make_agency, make_consent, make_user, signed_in_client

pytestmark = pytest.mark.django_db
NOTICE = actions.redisclosure_notice()


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police", name="Alder Police"), "officer")


@pytest.fixture
def program() -> Agency:
    return make_agency(type="sud_treatment", part2_program=True)


@pytest.fixture
def intake(program: Agency) -> User:
    return make_user(program, "provider_intake")


@pytest.fixture
def person(officer: User) -> Person:
    return person_create(by=officer, given_name="Sam", family_name="Doe")


def disclose(by: User, person: Person, program: Agency, kinds: set[str]) -> actions.Disclosed:
    return actions.disclosure_decide(
        by=by,
        person=person,
        discloser=program,
        information=frozenset(kinds),
        purpose=Purpose.TREATMENT,
        path="page",
    )


def consented(officer: User, person: Person, program: Agency) -> None:
    make_consent(officer, person, discloser=program, recipients=[officer.agency])


def test_the_accounting_lists_the_allowed_disclosures_of_the_program_alone(
    officer: User, person: Person, program: Agency, intake: User
) -> None:
    consented(officer, person, program)
    allowed = disclose(officer, person, program, {"engagement"})
    assert not disclose(officer, person, program, {"completion"}).allowed  # not consented
    other_program = make_agency(type="bh_provider")
    make_consent(officer, person, discloser=other_program, recipients=[officer.agency])
    assert disclose(officer, person, other_program, {"engagement"}).allowed

    records = queries.disclosures_of(intake, person, timezone.now())
    assert [
        (r.pk, r.recipient, r.recipient_user, r.information, r.purpose, r.path) for r in records
    ] == [(allowed.record.pk, officer.agency, officer, ["engagement"], "treatment", "page")]
    listed = AuditEvent.objects.filter(verb="disclosurerecord.list").order_by("seq")
    assert listed.values_list("detail", flat=True).last() == {"count": 1}


def test_the_accounting_reaches_back_six_years_and_no_further(
    officer: User, person: Person, program: Agency, intake: User
) -> None:
    disclosed_at = datetime(2019, 5, 6, 14, 0, tzinfo=UTC)
    with time_machine.travel(disclosed_at, tick=False):
        consented(officer, person, program)
        disclose(officer, person, program, {"engagement"})
    six_years = disclosed_at + timedelta(days=6 * 365 + 1)
    assert accounting_window_start(six_years) < disclosed_at
    with time_machine.travel(six_years, tick=False):
        assert len(queries.disclosures_of(intake, person, timezone.now())) == 1
    with time_machine.travel(six_years + timedelta(days=2), tick=False):
        assert queries.disclosures_of(intake, person, timezone.now()) == []


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_every_csv_export_starts_with_the_notice(
    officer: User, person: Person, program: Agency, intake: User
) -> None:
    consented(officer, person, program)
    disclose(officer, person, program, {"engagement"})
    client = signed_in_client(intake)
    for url in (
        reverse("consent:person_disclosures_csv", args=[person.pk]),
        reverse("consent:accounting_csv"),
    ):
        rows = _csv(client.get(url))
        assert rows[0] == [NOTICE]
        assert rows[2][:5] == [
            "disclosed_at_utc",
            "person",
            "recipient_agency",
            "recipient_user",
            "information",
        ]
        assert rows[3][1:7] == [
            "Sam Doe",
            "Alder Police",
            officer.display_name,
            "Whether the person is engaged in treatment",
            "Treatment",
            "page",
        ]
        assert rows[3][7].startswith("consent ")
    assert AuditEvent.objects.filter(verb="disclosurerecord.export").count() == 2


def test_the_accounting_pages_carry_the_notice_and_filter_by_date_and_person(
    officer: User, program: Agency, intake: User, django_assert_max_num_queries: Any
) -> None:
    people = [
        person_create(by=officer, given_name=given, family_name="Doe") for given in ("Sam", "Ana")
    ]
    for somebody in people:
        consented(officer, somebody, program)
        for _ in range(3):
            disclose(officer, somebody, program, {"engagement"})
    client = signed_in_client(intake)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("consent:accounting"))
    text = page.content.decode()
    assert page.status_code == 200 and NOTICE in text
    assert text.count("Whether the person is engaged in treatment") == 6

    only_ana = client.get(reverse("consent:accounting"), {"person": "ana"}).content.decode()
    assert only_ana.count("Whether the person is engaged in treatment") == 3
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    later = client.get(reverse("consent:accounting"), {"since": tomorrow}).content.decode()
    assert "Nothing disclosed in this period." in later

    one = client.get(reverse("consent:person_disclosures", args=[people[0].pk]))
    assert NOTICE in one.content.decode()
    assert one.content.decode().count("Whether the person is engaged in treatment") == 3


def test_the_accounting_is_the_disclosers_and_no_one_elses(
    officer: User, person: Person, program: Agency
) -> None:
    consented(officer, person, program)
    disclose(officer, person, program, {"engagement"})
    police_manager = signed_in_client(make_user(officer.agency, "program_manager"))
    own = police_manager.get(reverse("consent:accounting")).content.decode()
    assert "Nothing disclosed in this period." in own
    stranger = signed_in_client(make_user(make_agency(type="bh_provider"), "provider_intake"))
    url = reverse("consent:person_disclosures", args=[person.pk])
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302


def pdf_text(response: Any) -> str:
    """The words of a PDF download, as a reader's copy-and-paste would give them."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_persons_pdf_opens_with_the_notice_and_lists_each_disclosure(
    officer: User, program: Agency, intake: User
) -> None:
    person = person_create(by=officer, given_name="Ánh", family_name="Nguyễn")
    consented(officer, person, program)
    disclose(officer, person, program, {"engagement"})
    client = signed_in_client(intake)

    text = pdf_text(client.get(reverse("consent:person_disclosures_pdf", args=[person.pk])))

    assert text.startswith("Accounting of disclosures: Ánh Nguyễn")
    notice = " ".join(NOTICE.split())
    assert notice in text
    assert text.index(notice) < text.index("Disclosures, newest first")
    for shown in ("Alder Police", officer.display_name, "engaged in treatment", "consent "):
        assert shown in text
    assert AuditEvent.objects.filter(verb="disclosurerecord.export").count() == 1


def test_a_pdf_with_nothing_disclosed_says_so(
    officer: User, person: Person, program: Agency, intake: User
) -> None:
    consented(officer, person, program)  # the program knows the person; nothing disclosed yet
    client = signed_in_client(intake)
    text = pdf_text(client.get(reverse("consent:person_disclosures_pdf", args=[person.pk])))
    assert "Nothing was disclosed." in text


def test_disclosure_exports_allow_five_a_minute_then_429(
    officer: User, person: Person, program: Agency, intake: User
) -> None:
    """SECURITY.md 17: the CSVs and the PDF count together, per user."""
    consented(officer, person, program)
    client = signed_in_client(intake)
    urls = [
        reverse("consent:person_disclosures_csv", args=[person.pk]),
        reverse("consent:person_disclosures_pdf", args=[person.pk]),
        reverse("consent:accounting_csv"),
    ]
    other = signed_in_client(make_user(intake.agency, "provider_intake"))
    # Half a minute into a one-minute window, so the test never straddles two windows.
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC), tick=False):
        for n in range(5):
            assert client.get(urls[n % 3]).status_code == 200
        refused = [client.get(url) for url in urls]
        assert other.get(urls[0]).status_code == 200
    assert [(r.status_code, r["Retry-After"]) for r in refused] == [(429, "30")] * 3
    assert AuditEvent.objects.filter(verb="disclosurerecord.export", actor=intake).count() == 5
