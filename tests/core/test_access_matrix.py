"""SECURITY.md 1: every route is declared, and every declaration holds for every kind of caller.

Walks every route and method as anonymous, as each role, and as the same role in another
agency. Adding a route without declaring it in core/access_matrix.yaml, or without a case here,
fails this file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.text import slugify

from crossroads.core import actions
from crossroads.core.access_matrix import PASSWORD, PUBLIC, matrix
from crossroads.core.models import DataCategory, Role, Task, User
from crossroads.directory import actions as directory_actions
from crossroads.directory import taxonomy
from crossroads.directory.models import VerificationTask
from crossroads.encounters import actions as call_actions
from crossroads.people.actions import flag_set, person_create
from crossroads.programs.actions import goal_add
from crossroads.programs.models import Case as ProgramCase
from crossroads.referrals.actions import referral_send, referral_start
from crossroads.training.actions import assignment_record, attendance_record, session_create
from crossroads.training.models import Squad
from crossroads.triage.rules import CallFacts
from tests.factories import (
    PNG_BYTES,
    agency_for_role,
    make_agency,
    make_case,
    make_consent,
    make_court_order,
    make_partnership,
    make_program,
    make_roster,
    make_service,
    make_site,
    make_user,
    signed_in_client,
)


def declared_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from declared_routes(
                entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}"


@dataclass
class Stage:
    """One role's world: the actor, a colleague, their own token, a partnership of theirs."""

    actor: User
    colleague: User
    outsider: User  # the same role, in another agency of the same kind


Kwargs = Callable[[Stage], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    kwargs: Kwargs = lambda stage: {}
    body: dict[str, Any] | None = None
    scoped: bool = False  # names one agency's object: other agencies get 404
    scoped_methods: frozenset[str] = frozenset()  # as `scoped`, for these methods only
    answers: int | None = None  # the status of a let-through call, where it is fixed


def _own_token(stage: Stage) -> dict[str, Any]:
    token, _ = actions.api_token_create(by=stage.actor, name="walk")
    return {"token_id": token.pk}


def _partnership(stage: Stage) -> dict[str, Any]:
    partner = make_agency(type="bh_provider")
    mou = make_partnership(stage.actor.agency, partner, DataCategory.REFERRALS)
    return {"partnership_id": mou.pk}


def _call_taken(stage: Stage) -> dict[str, Any]:
    call = call_actions.call_intake(
        by=stage.colleague,
        source="911",
        initial_call_type="welfare check",
        facts=CallFacts(behavioural_health=True),
    )
    return {"call_id": call.pk}


def _encounter(stage: Stage) -> dict[str, Any]:
    encounter = call_actions.encounter_submit(
        by=stage.colleague,
        client_key=uuid.uuid4(),
        occurred_at=timezone.now(),
        disposition="resolved_on_scene",
    )
    return {"encounter_id": encounter.pk}


def _own_draft(stage: Stage) -> dict[str, Any]:
    """A draft is its officer's alone: the actor's own (anyone else, even a colleague, gets 404)."""
    draft = call_actions.encounter_draft_save(
        by=stage.actor, client_key=uuid.uuid4(), data={"narrative": ["walk"]}
    )
    assert draft is not None
    return {"draft_id": draft.pk}


def _person(stage: Stage) -> dict[str, Any]:
    person = person_create(by=stage.colleague, given_name="Sam", family_name="Doe")
    return {"person_id": person.pk}


def _referral(stage: Stage) -> dict[str, Any]:
    referral = referral_start(
        by=stage.colleague,
        service=make_service(),
        site=None,
        encounter=None,
        need="crisis-line",
        at=timezone.now(),
    )
    return {"referral_id": referral.pk}


def _received_referral(stage: Stage) -> dict[str, Any]:
    """A referral another agency sent to a service the actor's agency keeps."""
    sender = make_user(make_agency(), "officer")
    person = person_create(by=sender, given_name="Sam", family_name="Doe")
    service = make_service(agency=stage.actor.agency)
    draft = referral_start(
        by=sender,
        service=service,
        site=None,
        encounter=None,
        person=person,
        need="",
        at=timezone.now(),
    )
    referral_send(by=sender, referral=draft, expected_version=draft.version)
    return {"referral_id": draft.pk}


def _consent(stage: Stage) -> dict[str, Any]:
    """A consent naming the actor's agency as a recipient, recorded by the program that
    discloses, with an uploaded signed form and an expiry event still to happen."""
    clinician = make_user(make_agency(type="bh_provider"), "clinician")
    person = person_create(by=clinician, given_name="Sam", family_name="Doe")
    consent = make_consent(
        clinician,
        person,
        recipients=[stage.actor.agency],
        expiry_event="completion of the program",
        signature="uploaded",
        signed_form=PNG_BYTES,
    )
    return {"consent_id": consent.pk}


def _court_order(stage: Stage) -> dict[str, Any]:
    """A pending court order that another person of the actor's agency recorded, with the
    court's document uploaded."""
    recorder = make_user(stage.actor.agency, "agency_admin")
    person = person_create(by=recorder, given_name="Sam", family_name="Doe")
    order = make_court_order(
        recorder,
        person,
        discloser=make_agency(type="bh_provider"),
        recipient=stage.actor.agency,
        document=PNG_BYTES,
    )
    return {"order_id": order.pk}


def _flag(stage: Stage) -> dict[str, Any]:
    person = person_create(by=stage.colleague, given_name="Flo", family_name="Doe")
    flag = flag_set(by=stage.colleague, person=person, kind="dementia", days=30)
    return {"person_id": person.pk, "flag_id": flag.pk}


def _colleague(stage: Stage) -> dict[str, Any]:
    return {"user_id": stage.colleague.pk}


def _own_site(stage: Stage) -> dict[str, Any]:
    """A site whose listing the actor's agency keeps: its staff report the site's capacity."""
    return {"site_id": make_site(agency=stage.actor.agency).pk}


def _own_listing(stage: Stage) -> dict[str, Any]:
    return {"table": "service", "record_id": make_service(agency=stage.actor.agency).pk}


def _verification_task(stage: Stage) -> dict[str, Any]:
    """Maintainers work on every agency's listings: a task about one nobody has verified."""
    organization_id = make_service().organization_id
    directory_actions.verification_tasks_open(today=timezone.localdate())
    task = VerificationTask.objects.get(record_id=organization_id)
    return {"task_id": task.pk}


def _proposed_change(stage: Stage) -> dict[str, Any]:
    provider = make_user(make_agency(type="bh_provider"), "provider_intake")
    service = make_service(agency=provider.agency)
    change = directory_actions.change_propose(
        by=provider, record=service, changes={"name": "Walked"}
    )
    return {"change_id": change.pk}


def _hsds_service(stage: Stage) -> dict[str, Any]:
    return {"service_id": make_service().pk}


def _hsds_site(stage: Stage) -> dict[str, Any]:
    return {"service_at_location_id": make_site().pk}


def _hsds_organization(stage: Stage) -> dict[str, Any]:
    return {"organization_id": make_service().organization_id}


def _hsds_taxonomy(stage: Stage) -> dict[str, Any]:
    return {"taxonomy_id": taxonomy.TAXONOMY_ID}


def _hsds_term(stage: Stage) -> dict[str, Any]:
    return {"taxonomy_term_id": taxonomy.term_id("crisis-line")}


def _program(stage: Stage) -> dict[str, Any]:
    return {"program_id": make_program(stage.actor.agency).pk}


def _program_case(stage: Stage) -> ProgramCase:
    """A case in a CIT follow-up program of the actor's agency, referred by a police partner."""
    return make_case(make_program(stage.actor.agency))


def _case(stage: Stage) -> dict[str, Any]:
    return {"case_id": _program_case(stage).pk}


def _case_goal(stage: Stage) -> dict[str, Any]:
    """Only a case worker adds a goal; anyone else is refused before the goal is looked up."""
    case = _program_case(stage)
    works = stage.actor.can("programs.work")
    goal_id = goal_add(by=stage.actor, case=case, text="walk").pk if works else 1
    return {"case_id": case.pk, "goal_id": goal_id}


def _case_follow_up(stage: Stage) -> dict[str, Any]:
    case = _program_case(stage)
    return {"case_id": case.pk, "follow_up_id": case.follow_ups.all()[0].pk}


def _case_task(stage: Stage) -> dict[str, Any]:
    case = _program_case(stage)
    follow_up = case.follow_ups.all()[0]
    return {"case_id": case.pk, "task_id": Task.objects.get(about_id=str(follow_up.pk)).pk}


def _training_session(stage: Stage) -> dict[str, Any]:
    """A naloxone session of the actor's agency, running today, with the actor on its roll
    where their roles take training (its checks are for those on the roll)."""
    today = timezone.localdate()
    session = session_create(
        by=None, agency=stage.actor.agency, course="naloxone", starts_on=today, ends_on=today
    )
    if stage.actor.can("training.view"):
        attendance_record(by=None, session=session, officer=stage.actor, expected_version=1)
    return {"session_id": session.pk}


def _training_roll_entry(stage: Stage) -> dict[str, Any]:
    return {**_training_session(stage), "officer_id": stage.actor.pk}


def _training_check(stage: Stage) -> dict[str, Any]:
    return {**_training_session(stage), "phase": "pre"}


def _roster_assignment(stage: Stage) -> dict[str, Any]:
    """A patrol officer of the actor's agency in one of its squads (the roster made once). A
    caller who cannot keep a roster is refused before the assignment is looked up, and their
    agency may have no patrol officers: theirs is a police department's."""
    agency, today = stage.actor.agency, timezone.localdate()
    if not stage.actor.can("training.manage"):
        agency = make_agency(type=agency_for_role("officer"))
    squad = Squad.objects.filter(agency=agency).first() or next(
        iter(make_roster(agency, today).squads.values())
    )
    officer = make_user(agency, "officer")
    assignment = assignment_record(by=None, officer=officer, squad=squad, starts_on=today)
    return {"assignment_id": assignment.pk}


CASES: dict[str, Case] = {
    "people:person_timeline": Case(_person, scoped=True),
    "people:flag_set": Case(_person, body={"kind": "dementia", "days": "5"}, scoped=True),
    "people:flag_clear": Case(_flag, scoped=True),
    "api-v1:person_timeline": Case(_person, scoped=True),
    "core:login": Case(body={}),
    "core:healthz": Case(),
    # The public transparency pages: a police department's page answers even before its
    # figures are published ("not published yet").
    "transparency:index": Case(answers=200),
    "transparency:agency": Case(
        lambda stage: {"slug": slugify(make_agency(type="police").short_name)}, answers=200
    ),
    "transparency:how_we_count": Case(answers=200),
    "core:mfa_verify": Case(body={"token": "000000"}),
    "core:mfa_enrol": Case(body={"token": "000000"}),
    "core:logout": Case(),
    "core:home": Case(),
    "core:account": Case(),
    "core:mfa_reset": Case(),
    "core:token_create": Case(body={"name": "walk"}),
    "core:token_revoke": Case(_own_token, scoped=True),
    "core:agency_list": Case(),
    "core:partnership_detail": Case(_partnership, scoped=True),
    "core:user_list": Case(),
    "core:user_create": Case(body={}),
    "core:user_detail": Case(_colleague, scoped=True),
    "core:user_roles": Case(_colleague, body={}, scoped=True),
    "core:user_unlock": Case(_colleague, scoped=True),
    "core:user_deactivate": Case(_colleague, scoped=True),
    "core:audit_list": Case(),
    "core:audit_verify": Case(),
    "core:audit_export": Case(),
    "encounters:call_list": Case(),
    "encounters:call_intake": Case(body={}),
    "encounters:triage_preview": Case(body={"behavioural_health": "on"}),
    "encounters:call_detail": Case(_call_taken, scoped=True),
    "encounters:call_advance": Case(_call_taken, body={}, scoped=True),
    "encounters:encounter_new": Case(body={}),
    "encounters:encounter_draft_save": Case(body={"client_key": str(uuid.uuid4())}),
    "encounters:encounter_draft_discard": Case(_own_draft, scoped=True),
    "encounters:screen_preview": Case(body={"instrument": "phq2", "screen-phq2-q1": "1"}),
    "encounters:encounter_detail": Case(_encounter, scoped=True),
    "referrals:referral_start": Case(body={}, answers=422),  # no service named
    "referrals:referral_detail": Case(_referral, scoped=True),
    "referrals:referral_pdf": Case(_referral, scoped=True),
    "referrals:referral_update": Case(_referral, body={}, scoped=True),
    "referrals:referral_send": Case(_referral, body={}, scoped=True),
    "referrals:referral_move": Case(_received_referral, body={}, scoped=True),
    "referrals:inbox": Case(),
    "referrals:sent": Case(),
    "consent:person_consents": Case(_person, scoped=True),
    "consent:consent_new": Case(_person, body={}, scoped=True),  # POST: 422, nothing given
    "consent:consent_detail": Case(_consent, scoped=True),
    "consent:signed_form": Case(_consent, scoped=True),
    "consent:consent_revoke": Case(_consent, body={"version": 1}, scoped=True),
    "consent:consent_event": Case(_consent, body={"event": "expiry"}, scoped=True),  # no day: 422
    "consent:person_disclosures": Case(_person, scoped=True),
    "consent:person_disclosures_csv": Case(_person, scoped=True),
    "consent:person_disclosures_pdf": Case(_person, scoped=True),
    "consent:accounting": Case(),
    "consent:accounting_csv": Case(),
    "consent:court_order_list": Case(),
    "consent:court_order_new": Case(body={}),  # POST without a person: 422
    "consent:court_order_detail": Case(_court_order, scoped=True),
    "consent:court_order_document": Case(_court_order, scoped=True),
    "consent:court_order_decide": Case(_court_order, body={"decision": "approve"}, scoped=True),
    "consent:emergency_new": Case(_person, body={}, scoped=True),
    "consent:emergency_list": Case(),
    "directory:search": Case(),
    "directory:service_detail": Case(lambda stage: {"service_id": make_service().pk}),
    "api-v1:call_list": Case(body={}),
    "api-v1:call_get": Case(_call_taken, scoped=True),
    "api-v1:triage_recommend": Case(body={"behavioural_health": True}),
    "api-v1:call_advance": Case(
        _call_taken, body={"to": "dispatched", "expected_version": 1}, scoped=True
    ),
    "api-v1:encounter_list": Case(body={}),
    "api-v1:encounter_get": Case(_encounter, scoped=True),
    "api-v1:field_guide": Case(),
    "api-v1:person_list": Case(body={}),
    "api-v1:person_get": Case(_person, scoped=True),
    "api-v1:api-root": Case(answers=404),  # only there so ninja can reverse its prefix
    "api-v1:openapi-json": Case(),
    "api-v1:openapi-view": Case(),
    "api-v1:me": Case(),
    "api-v1:agency_list": Case(),
    "api-v1:partnership_list": Case(),
    "api-v1:partnership_get": Case(_partnership, scoped=True),
    "api-v1:user_list": Case(body={}),
    "api-v1:user_get": Case(_colleague, scoped=True),
    "api-v1:token_list": Case(body={"name": "walk"}),
    "api-v1:token_revoke": Case(_own_token, scoped=True),
    "api-v1:audit_event_list": Case(),
    "api-v1:audit_verify": Case(),
    "api-v1:directory_search": Case(answers=200),
    "api-v1:consent_list": Case(body={}),
    "api-v1:consent_get": Case(_consent, scoped=True),
    "api-v1:consent_revoke": Case(_consent, body={"expected_version": 1}, scoped=True),
    "api-v1:consent_event": Case(_consent, body={"event": "expiry"}, scoped=True),
    "api-v1:person_consents": Case(_person, scoped=True),
    "api-v1:person_disclosures": Case(_person, scoped=True),
    "api-v1:court_order_list": Case(body={}),
    "api-v1:court_order_decide": Case(_court_order, body={"approve": True}, scoped=True),
    "api-v1:emergency_access": Case(body={}),
    "api-v1:hsds_root": Case(answers=200),
    "api-v1:hsds_service_list": Case(answers=200),
    "api-v1:hsds_service_get": Case(_hsds_service, answers=200),
    "api-v1:hsds_service_at_location_list": Case(answers=200),
    "api-v1:hsds_service_at_location_get": Case(_hsds_site, answers=200),
    "api-v1:hsds_organization_list": Case(answers=200),
    "api-v1:hsds_organization_get": Case(_hsds_organization, answers=200),
    "api-v1:hsds_taxonomy_list": Case(answers=200),
    "api-v1:hsds_taxonomy_get": Case(_hsds_taxonomy, answers=200),
    "api-v1:hsds_taxonomy_term_list": Case(answers=200),
    "api-v1:hsds_taxonomy_term_get": Case(_hsds_term, answers=200),
    "api-v1:hsds_package": Case(),  # GET: the package; POST without a file: 422
    "directory:capacity": Case(),
    "directory:capacity_report": Case(_own_site, body={}, scoped=True),
    "directory:capacity_history": Case(_own_site, scoped=True),
    "directory:verification_list": Case(),
    "directory:record_verify": Case(_verification_task),
    "directory:change_list": Case(),
    "directory:change_approve": Case(_proposed_change),
    "directory:change_reject": Case(_proposed_change, body={}),
    "directory:listing_list": Case(),
    "directory:listing_edit": Case(_own_listing, body={}, scoped=True),
    # Everyone who searches reads a site's capacity; only its own agency reports it.
    "api-v1:site_capacity": Case(
        _own_site,
        body={"kind": "crisis_bed", "accepting": True},
        scoped_methods=frozenset({"POST"}),
    ),
    "api-v1:capacity_batch": Case(body={"readings": []}),
    "api-v1:verification_task_list": Case(),
    "api-v1:verification_task_verify": Case(_verification_task),
    "api-v1:change_list": Case(body={}),
    "api-v1:change_approve": Case(_proposed_change),
    "api-v1:change_reject": Case(_proposed_change, body={"note": "walk"}),
    "api-v1:referral_list": Case(body={}),
    "api-v1:referral_get": Case(_referral, body={"expected_version": 1}, scoped=True),
    "api-v1:referral_send": Case(_referral, body={"expected_version": 1}, scoped=True),
    "api-v1:referral_move": Case(
        _received_referral, body={"to": "accepted", "expected_version": 2}, scoped=True
    ),
    "api-v1:referral_fhir": Case(_referral, scoped=True),
    "programs:caseload": Case(),
    "programs:program_list": Case(),
    "programs:program_detail": Case(_program, scoped=True),
    "programs:sign_off_list": Case(),
    "programs:case_new": Case(body={}),  # POST without a program: 422
    "programs:case_detail": Case(_case, scoped=True),
    "programs:case_move": Case(_case, body={}, scoped=True),
    "programs:case_eligibility": Case(_case, body={}, scoped=True),
    "programs:case_charge": Case(_case, body={}, scoped=True),
    "programs:case_assign": Case(_case, body={}, scoped=True),
    "programs:goal_add": Case(_case, body={}, scoped=True),
    "programs:goal_status": Case(_case_goal, body={"status": "met"}, scoped=True),
    "programs:contact_log": Case(_case, body={}, scoped=True),
    "programs:follow_up_close": Case(_case_follow_up, body={}, scoped=True),
    "programs:conference_record": Case(_case, body={}, scoped=True),
    "programs:case_close": Case(_case, body={}, scoped=True),
    "programs:task_done": Case(_case_task, scoped=True),
    "api-v1:case_list": Case(body={}),
    "api-v1:case_get": Case(_case, scoped=True),
    "api-v1:case_moves": Case(_case, body={"to": "linked", "expected_version": 1}, scoped=True),
    "api-v1:case_eligibility": Case(_case, body={"item": "none", "answer": True}, scoped=True),
    "api-v1:case_charge": Case(_case, body={"charge_status": "filed"}, scoped=True),
    "api-v1:case_contacts": Case(
        _case, body={"at": "2026-01-01T00:00:00Z", "method": "phone", "reached": False}, scoped=True
    ),
    "api-v1:case_goals": Case(_case, body={"text": "walk"}, scoped=True),
    "api-v1:case_conferences": Case(
        _case,
        body={"held_at": "2026-01-01T00:00:00Z", "attendees": ["walk"], "decisions": "walk"},
        scoped=True,
    ),
    "api-v1:case_close": Case(_case, body={"reason": "walk"}, scoped=True),
    "api-v1:caseload": Case(),
    "training:roster": Case(),
    "training:coverage_target": Case(body={"low_percent": 20, "high_percent": 25}),
    "training:precinct_new": Case(body={}),  # POST with nothing filled in: 422
    "training:shift_new": Case(body={}),
    "training:squad_new": Case(body={}),
    "training:assignment_new": Case(body={}),
    "training:assignment_end": Case(_roster_assignment, body={}, scoped=True),
    "training:on_duty": Case(answers=200),
    "api-v1:training_on_duty": Case(answers=200),
    # CIT coverage of the caller's own agency: no object named, so nothing to scope.
    "training:coverage": Case(answers=200),
    "training:train_next": Case(answers=200),
    "api-v1:training_coverage": Case(answers=200),
    # Outcomes of the caller's own agency and the field reference: no object named.
    "training:outcomes": Case(answers=200),
    "api-v1:training_outcomes": Case(answers=200),
    "training:field_reference": Case(answers=200),
    # Courses, sessions, knowledge checks, certifications. POSTs with nothing filled in: 422.
    "training:home": Case(answers=200),
    "training:course_list": Case(answers=200),
    "training:course_detail": Case(lambda stage: {"code": "naloxone"}, answers=200),
    "training:course_new": Case(body={}),
    "training:session_list": Case(answers=200),
    "training:session_new": Case(body={}),
    "training:session_detail": Case(_training_session, scoped=True),
    "training:session_attendance": Case(_training_session, body={}, scoped=True),
    "training:session_complete": Case(_training_session, body={}, scoped=True),
    "training:session_cancel": Case(_training_session, body={}, scoped=True),
    "training:session_edit": Case(_training_session, body={}, scoped=True),
    "training:session_roll_remove": Case(_training_roll_entry, body={}, scoped=True),
    "training:session_check": Case(_training_check, body={}, scoped=True),
    "training:session_report": Case(_training_session, scoped=True),
    "training:certification_list": Case(answers=200),
    "api-v1:training_courses": Case(answers=200),
    "api-v1:training_certifications": Case(answers=200),
    "api-v1:training_session_checks": Case(
        _training_session, body={"phase": "pre", "answers": {}}, scoped=True
    ),
    # Analytics of the caller's own agency: no object named. Without a snapshot each page says
    # how to make one; the drill-down without a metric named is a 422 (the form's errors).
    "analytics:dashboard": Case(answers=200),
    "analytics:drilldown": Case(),
    "analytics:evaluation": Case(answers=200),
    "analytics:grant_report": Case(answers=200),
    "analytics:parameters": Case(body={"jail_day_cost": "126.06"}),  # POST: saved, 302
}


def test_every_route_is_declared_in_the_matrix_and_has_a_case() -> None:
    routes = set(declared_routes())
    assert routes - set(matrix().root) == set(), "routes missing from access_matrix.yaml"
    assert set(matrix().root) - routes == set(), "access_matrix.yaml names routes that do not exist"
    assert routes - set(CASES) == set(), "routes without a case in this test"


def _call(client: Client, route: str, method: str, case: Case, kwargs: dict[str, Any]) -> int:
    url = reverse(route, kwargs=kwargs)
    if route.startswith("api-v1:"):
        body = json.dumps(case.body or {}) if method in {"POST", "PUT", "PATCH"} else None
        response = client.generic(method, url, body or "", content_type="application/json")
    else:
        form = urlencode(case.body or {})
        response = client.generic(
            method, url, form, content_type="application/x-www-form-urlencoded"
        )
    return response.status_code


def _expected_denial(route: str, level: str, user: User | None) -> int | None:
    """The status the matrix promises for this caller, or None when the caller is let through."""
    if level == PUBLIC:
        return None
    if user is None:
        return 401 if route.startswith("api-v1:") else 302
    if level == PASSWORD or level in user.permissions:
        return None
    return 403


def _walk(stage: Stage, actor: User | None, *, outsider: bool = False) -> list[str]:
    problems = []
    for route, methods in sorted(matrix().root.items()):
        case = CASES[route]
        for method, level in methods.items():
            kwargs = case.kwargs(stage)
            client = signed_in_client(actor) if actor else Client()
            status = _call(client, route, method, case, kwargs)
            denial = _expected_denial(route, level, actor)
            scoped = case.scoped or method in case.scoped_methods
            if denial is None and outsider and scoped and level != PUBLIC:
                denial = 404
            if denial is None and case.answers is not None:
                ok = status == case.answers
            elif denial is None:
                ok = status not in {401, 403, 404, 405} and status < 500
            else:
                ok = status == denial
            if not ok:
                problems.append(
                    f"{method} {route} as {actor.username if actor else 'anonymous'}"
                    f"{' (other agency)' if outsider else ''}: {status}, expected "
                    f"{denial if denial is not None else 'to be let through'}"
                )
    return problems


@pytest.mark.django_db
def test_anonymous_callers_reach_only_public_routes() -> None:
    assert _walk(_stage("agency_admin"), None) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_each_role_gets_what_the_matrix_declares(role: str) -> None:
    stage = _stage(role)
    assert _walk(stage, stage.actor) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_another_agency_gets_404_for_objects_it_does_not_own(role: str) -> None:
    stage = _stage(role)
    assert _walk(stage, stage.outsider, outsider=True) == []


def _stage(role: str) -> Stage:
    kind = agency_for_role(role)
    home, elsewhere = make_agency(type=kind), make_agency(type=kind)
    return Stage(make_user(home, role), make_user(home, role), make_user(elsewhere, role))


@pytest.mark.django_db
def test_undeclared_methods_are_refused() -> None:
    admin = make_user(make_agency(), "agency_admin")
    client = signed_in_client(admin)
    assert client.delete(reverse("core:home")).status_code == 405
    assert client.put(reverse("api-v1:me")).status_code == 405
