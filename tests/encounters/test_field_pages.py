"""The officer's field page: an encounter recorded with a plain POST (htmx only adds the draft
autosave and the score previews), an idempotent submit, drafts that only their officer sees,
and a read-back page that never shows police roles a screen's answers (SECURITY.md 2)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from crossroads.core.models import AuditEvent, DataCategory, User
from crossroads.encounters import actions
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.models import CallForService, Encounter, EncounterDraft
from crossroads.people.models import Person
from crossroads.triage.rules import CallFacts
from tests.factories import make_agency, make_partnership, make_user, signed_in_client

pytestmark = pytest.mark.django_db

NEW = "/encounters/new/"
DRAFT = "/encounters/new/draft/"
PREVIEW = "/encounters/new/screen/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def officer() -> User:
    return make_user(make_agency(type="police", short_name="RPD"), "officer", username="ofc")


def _local(moment: Any) -> str:
    """A time as the page's datetime-local field holds it (the agency's zone)."""
    return timezone.localtime(moment, ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def _form(**changes: Any) -> dict[str, Any]:
    """A typical encounter as the page posts it; a change of None leaves the field out."""
    form = {
        "client_key": str(uuid.uuid4()),
        "occurred_at": _local(timezone.now() - timedelta(hours=1)),
        "signs": ["responding_to_voices", "no_sleep", "hopeless_statements"],
        "deescalation": ["time_and_distance", "calm_voice"],
        "highest_force": "none",
        "disposition": "voluntary_transport_crisis_facility",
        "transport_destination": "Alder Crisis Stabilization Unit",
        "minutes_on_scene": "35",
        "screen-phq2-q1": "2",
        "screen-phq2-q2": "1",
        "narrative": "Calm after talking; agreed to go to the crisis unit.",
        **changes,
    }
    return {name: value for name, value in form.items() if value is not None}


def _call_of(agency_user: User) -> CallForService:
    dispatcher = make_user(agency_user.agency, "dispatcher")
    return actions.call_intake(
        by=dispatcher,
        source="911",
        initial_call_type="welfare check",
        facts=CallFacts(behavioural_health=True),
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- the page -------------------------------------------------------------------------------


def test_the_page_lists_every_sign_with_its_cue_and_the_screens(officer: User) -> None:
    client = signed_in_client(officer)
    page = client.get(NEW).content.decode()
    for group in field_guide().signs.values():
        assert escape(group.label) in page
        for sign in group.signs:
            assert f'<label class="usa-checkbox__label" for="sign-{sign.code}">' in page
            assert escape(sign.cue) in page
    assert "PHQ-2" in page and "Little interest or pleasure in doing things" in page
    assert "C-SSRS screener" in page and "AUDIT-C" in page
    assert f'hx-post="{PREVIEW}"' in page and f'hx-post="{DRAFT}"' in page
    keys = {
        re.search(r'name="client_key" value="([0-9a-f-]{36})"', client.get(NEW).content.decode())[1]  # type: ignore[index]
        for _ in range(2)
    }
    assert len(keys) == 2  # a new key each time the page is opened; reused by every submit of it


def test_the_page_is_compressed_and_its_writes_need_the_csrf_token(officer: User) -> None:
    """About 100 kB of radio buttons travel as about 12 kB on a slow link (ADR 0010)."""
    page = signed_in_client(officer).get(NEW, HTTP_ACCEPT_ENCODING="gzip")
    assert page["Content-Encoding"] == "gzip"
    assert len(page.content) < 20_000
    strict = signed_in_client(officer, enforce_csrf_checks=True)
    for url in (NEW, DRAFT, PREVIEW):
        assert strict.post(url, _form(instrument="phq2")).status_code == 403
    assert not Encounter.objects.exists() and not EncounterDraft.objects.exists()


def test_recording_an_encounter_stores_what_the_form_says(officer: User) -> None:
    client = signed_in_client(officer)
    response = client.post(NEW, _form())
    encounter = Encounter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/{encounter.pk}/"
    assert encounter.officer == officer
    assert encounter.signs == ["hopeless_statements", "no_sleep", "responding_to_voices"]
    assert encounter.deescalation == ["calm_voice", "time_and_distance"]
    assert encounter.transport_destination == "Alder Crisis Stabilization Unit"
    assert encounter.minutes_on_scene == 35 and encounter.person is None
    screen = encounter.screens.get()
    assert (screen.instrument, screen.answers, screen.positive) == ("phq2", [2, 1], True)
    assert AuditEvent.objects.get(verb="encounter.submit").detail["screens"] == ["phq2"]
    page = client.get(response["Location"]).content.decode()
    assert "Encounter recorded." in page and "Score 3 of 6" in page


def test_a_person_named_on_the_form_is_recorded_with_the_encounter(officer: User) -> None:
    signed_in_client(officer).post(
        NEW, _form(given_name="Jo", family_name="Rivers", date_of_birth="1990-04-02")
    )
    person = Person.objects.get()
    assert (person.given_name, person.date_of_birth) == ("Jo", date(1990, 4, 2))
    assert Encounter.objects.get().person == person


def test_a_repeated_submit_returns_the_first_encounter(officer: User) -> None:
    """A double tap, or a submit retried after the signal dropped, records one encounter."""
    client = signed_in_client(officer)
    body = _form(given_name="Jo", family_name="Rivers")
    first, again = client.post(NEW, body), client.post(NEW, body)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Encounter.objects.count() == 1
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(verb="person.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "label", "message"),
    [
        ({"disposition": None}, "Disposition", "Choose how the encounter ended."),
        ({"transport_destination": ""}, "Taken to", "say where the person was taken."),
        (
            {"disposition": "involuntary_hold", "hold_legal_basis": ""},
            "Legal basis for the hold",
            "an involuntary hold needs its legal basis.",
        ),
        ({"screen-phq2-q2": None}, "PHQ-2 question 2", "not answered"),
        ({"screen-auditc-a1": "0"}, "AUDIT-C: the person's sex", "needs the respondent's sex"),
        ({"given_name": "Jo"}, "Family name", "Give both names, or leave the person unknown."),
        ({"occurred_at": "2099-01-01T10:00"}, "When it started", "is in the future."),
        ({"minutes_on_scene": "-5"}, "Minutes on scene", "greater than or equal to 0"),
        ({"signs": ["looks_odd"]}, "Signs you saw", "looks_odd is not one of the available"),
    ],
)
def test_a_refused_encounter_names_the_field_and_keeps_the_form(
    officer: User, changes: dict[str, Any], label: str, message: str
) -> None:
    response = signed_in_client(officer).post(NEW, _form(**changes))
    page = response.content.decode()
    assert response.status_code == 400
    summary = _text(page.split('id="error-summary-heading"')[1].split("</ul>")[0])
    assert escape(label) in summary and escape(message) in summary
    assert "Calm after talking" in page  # nothing typed is lost
    assert not Encounter.objects.exists() and not Person.objects.exists()


def test_fields_the_disposition_does_not_use_are_not_kept(officer: User) -> None:
    signed_in_client(officer).post(NEW, _form(disposition="resolved_on_scene"))
    assert Encounter.objects.get().transport_destination == ""


def test_a_call_is_attached_only_if_the_officer_may_see_it(officer: User) -> None:
    client = signed_in_client(officer)
    mine = _call_of(officer)
    page = client.get(f"{NEW}?call={mine.pk}").content.decode()
    assert mine.number in page and f'name="call" value="{mine.pk}"' in page
    client.post(NEW, _form(call=str(mine.pk)))
    assert Encounter.objects.get().call == mine

    theirs = _call_of(make_user(make_agency(type="police"), "officer"))
    assert client.get(f"{NEW}?call={theirs.pk}").status_code == 404
    assert client.get(f"{NEW}?call=not-a-call").status_code == 404
    assert client.post(NEW, _form(call=str(theirs.pk))).status_code == 404
    assert Encounter.objects.count() == 1


# -- score previews -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({"screen-phq2-q1": "1", "screen-phq2-q2": "1"}, ["Score 2 of 6", "Negative"]),
        (
            {"screen-phq2-q1": "2", "screen-phq2-q2": "2"},
            ["Score 4 of 6", "Positive", "Positive screens go on to the full PHQ-9."],
        ),
        ({"screen-phq2-q1": "2"}, ["Not scored yet", "item 2 (PHQ-2 q2): not answered"]),
        ({}, ["The score shows here as you answer."]),
    ],
)
def test_the_score_preview_follows_the_answers(
    officer: User, answers: dict[str, str], shown: list[str]
) -> None:
    response = signed_in_client(officer).post(PREVIEW, {"instrument": "phq2", **answers})
    assert response.status_code == 200
    assert response["X-Crossroads-Fragment"] == "1"
    for text in shown:
        assert escape(text) in response.content.decode()
    assert not Encounter.objects.exists()


def test_a_critical_answer_shows_at_once(officer: User) -> None:
    answers = {"screen-cssrs_screener-c1": "1", "screen-cssrs_screener-c2": "1"}
    answers |= {"screen-cssrs_screener-c3": "0", "screen-cssrs_screener-c4": "1"}
    answers |= {"screen-cssrs_screener-c5": "0", "screen-cssrs_screener-c6": "0"}
    page = (
        signed_in_client(officer)
        .post(PREVIEW, {"instrument": "cssrs_screener", **answers})
        .content.decode()
    )
    assert "High risk: act now" in page
    assert "Act now.</strong> Suicidal intent in the past month" in page


def test_an_unknown_instrument_has_no_preview(officer: User) -> None:
    assert signed_in_client(officer).post(PREVIEW, {"instrument": "tarot"}).status_code == 404


# -- drafts ---------------------------------------------------------------------------------


def _save(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(DRAFT, body, **{**HTMX, **headers})


def test_an_autosave_keeps_the_form_and_audits_only_the_drafts_creation(officer: User) -> None:
    client = signed_in_client(officer)
    body = _form()
    for narrative in ("Calm", "Calm after", "Calm after talking."):
        response = _save(client, {**body, "narrative": narrative})
        assert response.status_code == 200
        assert re.search(r"Draft saved at \d\d:\d\d\.", response.content.decode())
    draft = EncounterDraft.objects.get()
    assert (draft.officer, str(draft.client_key)) == (officer, body["client_key"])
    assert draft.data["narrative"] == ["Calm after talking."]
    assert draft.data["signs"] == body["signs"]
    assert "client_key" not in draft.data and "csrfmiddlewaretoken" not in draft.data
    assert AuditEvent.objects.filter(verb="encounter_draft.create").count() == 1
    assert not Encounter.objects.exists()


def test_a_draft_is_offered_again_and_resumed_by_its_officer_only(officer: User) -> None:
    client = signed_in_client(officer)
    body = _form(given_name="Jo", family_name="Rivers")
    _save(client, body)
    draft = EncounterDraft.objects.get()

    offer = client.get(NEW).content.decode()
    assert "Unsent draft" in offer and f"?draft={draft.pk}" in offer
    page = client.get(f"{NEW}?draft={draft.pk}").content.decode()
    assert f'name="client_key" value="{draft.client_key}"' in page
    assert 'value="responding_to_voices" checked' in page
    assert 'value="Rivers"' in page and "Calm after talking" in page
    assert re.search(r'name="screen-phq2-q1" value="2"[^>]*checked', page)
    assert "Score 3 of 6" in page
    assert "Unsent draft" not in page  # the one being resumed is not offered again
    assert AuditEvent.objects.filter(verb="encounterdraft.read", actor=officer).count() == 1

    colleague = signed_in_client(make_user(officer.agency, "officer"))
    assert "Unsent draft" not in colleague.get(NEW).content.decode()
    assert colleague.get(f"{NEW}?draft={draft.pk}").status_code == 404
    assert colleague.post(f"/encounters/drafts/{draft.pk}/discard/").status_code == 404
    assert EncounterDraft.objects.exists()


def test_submitting_removes_the_draft_and_a_late_autosave_does_not_bring_it_back(
    officer: User,
) -> None:
    client = signed_in_client(officer)
    body = _form()
    _save(client, body)
    client.post(NEW, body)
    assert not EncounterDraft.objects.exists()
    late = _save(client, body)
    assert "Already submitted" in late.content.decode()
    assert not EncounterDraft.objects.exists()


def test_a_draft_expires_a_day_after_its_last_save(officer: User) -> None:
    client = signed_in_client(officer)
    with time_machine.travel(timezone.now() - timedelta(hours=25)):
        actions.encounter_draft_save(
            by=officer, client_key=uuid.uuid4(), data={"narrative": ["old"]}
        )
    old = EncounterDraft.objects.get()
    assert "Unsent draft" not in client.get(NEW).content.decode()
    assert client.get(f"{NEW}?draft={old.pk}").status_code == 404
    # Any later save removes expired drafts, whoever they belong to, each audited.
    _save(signed_in_client(make_user(make_agency(type="police"), "officer")), _form())
    assert not EncounterDraft.objects.filter(pk=old.pk).exists()
    expiry = AuditEvent.objects.get(verb="encounter_draft.expire")
    assert (expiry.object_id, expiry.actor, expiry.agency) == (str(old.pk), None, officer.agency)


def test_an_officer_can_discard_a_draft(officer: User) -> None:
    client = signed_in_client(officer)
    _save(client, _form())
    draft = EncounterDraft.objects.get()
    response = client.post(f"/encounters/drafts/{draft.pk}/discard/")
    assert (response.status_code, response["Location"]) == (302, NEW)
    assert not EncounterDraft.objects.exists()
    assert AuditEvent.objects.filter(verb="encounter_draft.discard", actor=officer).exists()


def test_without_javascript_save_draft_opens_the_draft_again(officer: User) -> None:
    response = signed_in_client(officer).post(DRAFT, _form())
    draft = EncounterDraft.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{NEW}?draft={draft.pk}")


def test_a_draft_too_large_is_refused_and_says_so(officer: User) -> None:
    response = _save(signed_in_client(officer), _form(narrative="x" * 70_000))
    assert response.status_code == 400
    assert "Draft not saved: a draft holds at most" in response.content.decode()
    assert not EncounterDraft.objects.exists()


# -- reading an encounter back --------------------------------------------------------------


def _screens_section(client: Client, encounter: Encounter) -> str:
    page = client.get(f"/encounters/{encounter.pk}/").content.decode()
    return _text(page.split('<section id="screens"')[1].split("</section>")[0].split(">", 1)[1])


RESULT = (
    "PHQ-2 Patient Health Questionnaire-2 Score 4 of 6 Positive "
    "Positive screens go on to the full PHQ-9."
)
SEEN_BY = {
    # Police roles: the result and its flags, never the answers.
    "officer": f"Screens {RESULT} The answer to each question is shown only to clinical staff.",
    "cit_coordinator": f"Screens {RESULT} The answer to each question is shown only to "
    "clinical staff.",
    "program_manager": f"Screens {RESULT} The answer to each question is shown only to "
    "clinical staff.",
    # A partner clinician (screens.items.view): the answers too.
    "clinician": f"Screens {RESULT} Answers Question Answer Little interest or pleasure in "
    "doing things More than half the days Feeling down, depressed, or hopeless More than half "
    "the days",
}


@pytest.mark.parametrize("role", sorted(SEEN_BY))
def test_each_role_sees_a_screen_as_it_may(officer: User, role: str) -> None:
    provider = make_agency(type="bh_provider")
    make_partnership(officer.agency, provider, DataCategory.CALLS_AND_ENCOUNTERS)
    signed_in_client(officer).post(
        NEW,
        _form(
            **{"screen-phq2-q1": "2", "screen-phq2-q2": "2"},
            given_name="Jo",
            family_name="Rivers",
        ),
    )
    encounter = Encounter.objects.get()
    reader = make_user(provider if role == "clinician" else officer.agency, role)
    client = signed_in_client(reader)
    assert _screens_section(client, encounter) == SEEN_BY[role]
    page = _text(client.get(f"/encounters/{encounter.pk}/").content.decode())
    assert ("Jo Rivers" in page) is (role in {"officer", "cit_coordinator"})
    if role != "clinician":
        assert "More than half the days" not in page and "Little interest" not in page


def test_another_agency_cannot_read_the_encounter(officer: User) -> None:
    signed_in_client(officer).post(NEW, _form())
    encounter = Encounter.objects.get()
    stranger = signed_in_client(make_user(make_agency(type="police"), "officer"))
    assert stranger.get(f"/encounters/{encounter.pk}/").status_code == 404


def test_the_draft_autosave_needs_the_forms_key(officer: User) -> None:
    response = _save(signed_in_client(officer), {"narrative": "no key"})
    assert response.status_code == 400
    assert "lost its key" in response.content.decode()
    assert not EncounterDraft.objects.exists()
