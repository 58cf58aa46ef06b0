"""Program pages: the caseload, programs and their cases, enrolment, the case page with every
step of its work, and the prosecutor's sign-off list.

Times are typed and shown in the user's agency's time zone. Each form on the case page posts to
its own route; a refused form comes back on the case page with status 422 (409 for a case that
changed meanwhile) and its error beside the field, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core import actions as core_actions
from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.actions import StaleVersion
from crossroads.core.forms import add_validation_errors, uuid_or_none
from crossroads.core.models import User
from crossroads.encounters.models import Encounter
from crossroads.encounters.queries import encounter_for
from crossroads.people.actions import person_create
from crossroads.people.models import Person
from crossroads.people.queries import person_known_to
from crossroads.programs import actions, queries
from crossroads.programs.forms import (
    AssignForm,
    ChargeForm,
    CloseForm,
    ConferenceForm,
    ContactForm,
    EligibilityForm,
    EnrolForm,
    FollowUpCloseForm,
    GoalForm,
    MoveForm,
    ProgramChoiceForm,
)
from crossroads.programs.models import Case, CaseEvent, FollowUp, Goal, Program
from crossroads.programs.queries import CaseRead
from crossroads.programs.schedule import days_left, follow_up_label
from crossroads.programs.types import ProgramType, answer_text, label_of
from crossroads.programs.workflow import IllegalMove, decided_move, moves_for


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.agency.time_zone)


def _now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


# --- The caseload, programs, the sign-off list ------------------------------------------------


@in_agency_time
def caseload(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    everyone = request.GET.get("everyone") == "1"
    load = queries.caseload(user, timezone.now(), everyone=everyone)
    # Each section: its anchor, heading, rows, and what a row's `since` date means there.
    sections = [
        ("overdue", "Overdue", load.overdue, ""),
        ("today", "Due today", load.due_today, ""),
        ("not-reached", "Not reached lately", load.not_reached, "last reached or enrolled"),
    ]
    if load.unassigned is not None:
        sections.insert(2, ("unassigned", "Unassigned", load.unassigned, "enrolled"))
    return render(
        request,
        "programs/caseload.html",
        {
            "load": load,
            "sections": sections,
            "may_see_everyone": queries.may_see_everyone(user),
            "signs_off": user.can("programs.sign_off"),
        },
    )


def program_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    context = {"programs": queries.programs_of(user), "can_enrol": user.can("programs.enrol")}
    return render(request, "programs/program_list.html", context)


@in_agency_time
def program_detail(request: HttpRequest, program_id: UUID) -> HttpResponse:
    user = signed_in(request)
    program = queries.program_for(user, program_id)
    spec = program.spec
    by_status = queries.program_cases(user, program)
    groups = [
        (code, "Closed" if code == "closed" else spec.statuses[code].label, cases)
        for code, cases in by_status.items()
    ]
    context = {
        "program": program,
        "spec": spec,
        "groups": groups,
        "entry_labels": [label_of(code) for code in spec.entry_paths],
        "follow_ups": [follow_up_label(hours) for hours in spec.follow_up_hours],
        "can_enrol": user.can("programs.enrol"),
    }
    return render(request, "programs/program_detail.html", context)


@in_agency_time
def sign_off_list(request: HttpRequest) -> HttpResponse:
    found = queries.sign_off_list(signed_in(request), timezone.now())
    return render(request, "programs/sign_off_list.html", {"found": found})


# --- Enrolment ----------------------------------------------------------------------------------


def _source(user: User, data: Any) -> tuple[Person | None, Encounter | None]:
    """The person to enrol, named by ?person= or by an encounter of the user's agency (through
    their doors: another agency's answers 404); neither means a new person."""
    encounter_id, person_id = uuid_or_none(data.get("encounter")), uuid_or_none(data.get("person"))
    malformed = (data.get("encounter") and not encounter_id) or (
        data.get("person") and not person_id
    )
    if malformed:
        raise Http404
    encounter = encounter_for(user, encounter_id) if encounter_id else None
    if person_id:
        return person_known_to(user, person_id, "programs.enrol"), encounter
    return (encounter.person if encounter else None), encounter


@in_agency_time
def case_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    data = request.POST if request.method == "POST" else request.GET
    person, encounter = _source(user, data)
    programs = queries.programs_open_to(user)
    choice = ProgramChoiceForm(data if "program" in data else None, programs=programs)
    context: dict[str, Any] = {"person": person, "encounter": encounter, "choice": choice}
    if not choice.is_valid():
        status = 422 if request.method == "POST" else 200
        return render(request, "programs/case_new.html", context, status=status)
    program: Program = choice.cleaned_data["program"]
    form = EnrolForm(
        request.POST if request.method == "POST" else None,
        spec=program.spec,
        needs_name=person is None,
        may_sign_off=user.can("programs.sign_off"),
    )
    context.update(program=program, form=form)
    if request.method == "POST" and form.is_valid():
        case = _enrolled(user, program, person, encounter, form)
        if case is not None:
            return _after_enrolment(request, user, case)
    status = 422 if request.method == "POST" else 200
    return render(request, "programs/case_new.html", context, status=status)


def _enrolled(
    user: User,
    program: Program,
    person: Person | None,
    encounter: Encounter | None,
    form: EnrolForm,
) -> Case | None:
    """The case, and the person's record if they had none, in one transaction."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if person is None:
                person = person_create(
                    by=user,
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                )
            return actions.case_open(
                by=user,
                program=program,
                person=person,
                entry_path=data["entry_path"],
                encounter=encounter,
                eligibility=form.answers(),
                at=timezone.now(),
            )
    except ValidationError as error:
        add_validation_errors(form, error)
        return None


def _after_enrolment(request: HttpRequest, user: User, case: Case) -> HttpResponse:
    if case.agency_id == user.agency_id:
        messages.success(request, f"{case.person} is enrolled in {case.program}.")
        return redirect("programs:case_detail", case_id=case.pk)
    # Another agency's program: its staff take the case from here; the referring agency does
    # not read it.
    messages.success(
        request,
        f"{case.person} is referred to {case.program} ({case.agency}). "
        "Its staff take it from here.",
    )
    return redirect("programs:caseload")


# --- The case page ------------------------------------------------------------------------------


@in_agency_time
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _case_page(request, queries.case_read(signed_in(request), case_id))


def _case_page(
    request: HttpRequest,
    read: CaseRead,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in(request)
    case, spec = read.case, read.case.program.spec
    can_work = not read.as_partner and actions.works_for(user, case.agency_id)
    can_work = can_work and case.closed_at is None
    # Not for a partner reading the case (the prosecutor's office): it may not know the person.
    shows_timeline = not read.as_partner and user.can("people.timeline")
    signs_off = user.can("programs.sign_off") and queries.prosecutor_sees(user, case.program)
    events = queries.events_seen(read)
    answered = queries.who_answered(events)
    deciding = case.closed_at is None and spec.statuses[case.status].decided_by_eligibility
    editable = [
        item.code
        for item in spec.eligibility
        if deciding and ((item.sign_off and signs_off) or (not item.sign_off and can_work))
    ]
    page_forms: dict[str, forms.Form | None] = {
        "move_form": MoveForm(prefix="move", spec=spec, initial={"version": case.version})
        if can_work
        else None,
        "check_form": EligibilityForm(prefix="check", spec=spec, codes=editable, case=case)
        if editable
        else None,
        "charge_form": ChargeForm(prefix="charge")
        if signs_off and case.charge_status == Case.Charge.HELD
        else None,
        "assign_form": AssignForm(
            prefix="assign",
            workers=queries.case_workers(case),
            initial={"case_manager": case.case_manager_id},
        )
        if can_work
        else None,
        "goal_form": GoalForm(prefix="goal") if can_work else None,
        "contact_form": ContactForm(
            prefix="contact", case=case, initial={"at": _now_to_the_minute()}
        )
        if can_work
        else None,
        "conference_form": ConferenceForm(
            prefix="conference", initial={"held_at": _now_to_the_minute()}
        )
        if can_work
        else None,
        "close_form": CloseForm(prefix="close") if can_work else None,
    }
    page_forms.update(bound or {})
    now = timezone.now()
    moves = moves_for(spec, case.status, case.answers) if can_work else []
    context: dict[str, Any] = {
        **page_forms,
        "read": read,
        "case": case,
        "spec": spec,
        "status_label": spec.statuses[case.status].label,
        "entry_label": label_of(case.entry_path),
        "placement_label": label_of(case.placement_type) if case.placement_type else "",
        "can_work": can_work,
        "shows_timeline": shows_timeline,
        "signs_off": signs_off,
        "moves": [(code, spec.statuses[code].label) for code in moves],
        "needs_placement": any(spec.statuses[code].records_placement for code in moves),
        "blocked": _why_no_move(case, spec) if can_work else "",
        "checklist": [
            (item, answer_text(case.answers.get(item.code)), answered.get(item.code))
            for item in spec.eligibility
        ],
        "history": [(event, _history_line(event, spec)) for event in events],
        **_deadline(case, now, _zone(user)),
    }
    if not read.as_partner:
        context.update(_work_parts(case, bound or {}))
    return render(request, "programs/case_detail.html", context, status=status)


def _why_no_move(case: Case, spec: ProgramType) -> str:
    """Why a status the checklist decides offers no move yet (the items to answer, or those
    that rule the person out)."""
    if not spec.statuses[case.status].decided_by_eligibility:
        return ""
    try:
        decided_move(spec, case.status, case.answers)
    except IllegalMove as refusal:
        return refusal.message
    return ""


def _deadline(case: Case, now: datetime, zone: ZoneInfo) -> dict[str, int]:
    if case.intake_deadline_at is None:
        return {}
    left = days_left(case.intake_deadline_at, now, zone)
    return {"deadline_days": left, "deadline_passed": -left}


def _history_line(event: CaseEvent, spec: ProgramType) -> str:
    """One event of the case's history in words."""
    kind, value, note = event.kind, event.value, event.note
    Kind = CaseEvent.Kind
    if kind in (Kind.ELIGIBILITY, Kind.SIGN_OFF):
        code, _, answer = value.partition("=")
        item = spec.item(code)
        words = {"yes": "yes", "no": "no"}.get(answer, "not known yet")
        return f"{item.label if item else code}: {words}"
    status = spec.statuses.get(value)
    charge = Case.Charge(value).label.lower() if value in Case.Charge.values else value
    lines: dict[str, str] = {
        Kind.OPENED: f"Enrolled: {label_of(value)}",
        Kind.STATUS: f"Moved to {status.label if status else value}",
        Kind.CHARGE: f"Charge {charge}",
        Kind.ASSIGNED: f"Assigned to {note}",
        Kind.GOAL: f"Goal {value}: {note}",
        Kind.CONTACT: f"Contact: {value}",
        Kind.FOLLOW_UP: f"Follow-up {value.replace('_', ' ')}",
        Kind.CONFERENCE: f"Case conference ({value})",
        Kind.CLOSED: "Closed",
    }
    line = lines.get(kind, value)
    explained = kind in (Kind.STATUS, Kind.CHARGE, Kind.CLOSED) and note
    return f"{line} — {note}" if explained else line


def _work_parts(case: Case, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """What only the program's own staff see: goals, follow-ups, contacts, tasks, conferences."""
    follow_ups = list(case.follow_ups.prefetch_related("attempts"))
    return {
        "goals": list(case.goals.all()),
        "follow_ups": [
            (f, bound.get(f"follow_up_{f.pk}") or FollowUpCloseForm(prefix=f"followup-{f.pk}"))
            for f in follow_ups
        ],
        "contacts": list(case.contacts.select_related("by", "follow_up")),
        # Open tasks first by due time, then done ones newest first, on every database (SQLite
        # sorts NULLs first, PostgreSQL last).
        "tasks": list(
            queries.case_tasks(case).order_by(F("done_at").desc(nulls_first=True), "due_at")
        ),
        "conferences": list(case.conferences.select_related("recorded_by")),
    }


# --- Each form of the case page -----------------------------------------------------------------


def _submitted(
    request: HttpRequest,
    read: CaseRead,
    name: str,
    form: forms.Form,
    act: Callable[[forms.Form], object],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Run the action with what the form read; back to the case on success, else the case page
    with the form's errors (422; 409 if the case changed meanwhile). Nothing is written when
    refused."""
    conflict = False
    if form.is_valid():
        try:
            act(form)
        except ValidationError as error:
            add_validation_errors(form, error)
        except StaleVersion as stale:
            form.add_error(None, f"{stale} Look at it again before you move it.")
            conflict = True
        else:
            messages.success(request, done)
            url = reverse("programs:case_detail", kwargs={"case_id": read.case.pk})
            return redirect(f"{url}#{anchor}")
    refreshed = CaseRead(
        Case.objects.select_related(*queries.CASE_RELATED).get(pk=read.case.pk),
        read.as_partner,
        read.notice,
    )
    return _case_page(request, refreshed, {name: form}, status=409 if conflict else 422)


def _work(request: HttpRequest, case_id: UUID) -> tuple[User, CaseRead]:
    user = signed_in(request)
    return user, CaseRead(queries.case_to_work(user, case_id), as_partner=False)


@require_POST
@in_agency_time
def case_move(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    form = MoveForm(request.POST, prefix="move", spec=read.case.program.spec)

    def act(form: forms.Form) -> object:
        data = form.cleaned_data
        return actions.case_move(
            by=user,
            case=read.case,
            to=data["to"],
            note=data["note"],
            placement_type=data["placement_type"],
            expected_version=data["version"],
        )

    return _submitted(request, read, "move_form", form, act, "Status changed.", "status")


@require_POST
@in_agency_time
def case_eligibility(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Save the checklist answers that changed, all or none."""
    user = signed_in(request)
    read = queries.case_read(user, case_id)
    case = read.case
    spec = case.program.spec
    # Only the items the page offered this user come back; the others keep their answers.
    codes = [i.code for i in spec.eligibility if f"check-item-{i.code}" in request.POST]
    form = EligibilityForm(request.POST, prefix="check", spec=spec, codes=codes, case=case)

    def act(form: forms.Form) -> object:
        form = cast(EligibilityForm, form)
        changed = {
            code: answer
            for code, answer in form.answers().items()
            if answer != case.answers.get(code)
        }
        with transaction.atomic():
            for code, answer in changed.items():
                actions.case_answer_eligibility(by=user, case=case, item=code, answer=answer)
        return changed

    return _submitted(request, read, "check_form", form, act, "Answers saved.", "eligibility")


@require_POST
@in_agency_time
def case_charge(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = signed_in(request)
    read = queries.case_read(user, case_id)
    form = ChargeForm(request.POST, prefix="charge")

    def act(form: forms.Form) -> object:
        return actions.case_charge_set(by=user, case=read.case, **form.cleaned_data)

    return _submitted(
        request, read, "charge_form", form, act, "Charge decision recorded.", "charge"
    )


@require_POST
@in_agency_time
def case_assign(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    form = AssignForm(request.POST, prefix="assign", workers=queries.case_workers(read.case))

    def act(form: forms.Form) -> object:
        return actions.case_assign(by=user, case=read.case, **form.cleaned_data)

    return _submitted(request, read, "assign_form", form, act, "Case manager assigned.", "assign")


@require_POST
@in_agency_time
def goal_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)

    def act(form: forms.Form) -> object:
        return actions.goal_add(by=user, case=read.case, **form.cleaned_data)

    form = GoalForm(request.POST, prefix="goal")
    return _submitted(request, read, "goal_form", form, act, "Goal added.", "goals")


@require_POST
@in_agency_time
def goal_status(request: HttpRequest, case_id: UUID, goal_id: int) -> HttpResponse:
    user, read = _work(request, case_id)
    goal = get_object_or_404(Goal, pk=goal_id, case=read.case)
    try:
        actions.goal_set_status(by=user, goal=goal, status=request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _case_page(request, read, status=422)
    messages.success(request, "Goal updated.")
    return redirect(reverse("programs:case_detail", kwargs={"case_id": case_id}) + "#goals")


@require_POST
@in_agency_time
def contact_log(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    form = ContactForm(request.POST, prefix="contact", case=read.case)

    def act(form: forms.Form) -> object:
        form = cast(ContactForm, form)
        return actions.contact_log(by=user, case=read.case, **form.action_arguments())

    return _submitted(request, read, "contact_form", form, act, "Contact logged.", "contacts")


@require_POST
@in_agency_time
def follow_up_close(request: HttpRequest, case_id: UUID, follow_up_id: int) -> HttpResponse:
    user, read = _work(request, case_id)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id, case=read.case)
    form = FollowUpCloseForm(request.POST, prefix=f"followup-{follow_up.pk}")

    def act(form: forms.Form) -> object:
        return actions.follow_up_close(by=user, follow_up=follow_up, **form.cleaned_data)

    name = f"follow_up_{follow_up.pk}"
    return _submitted(request, read, name, form, act, "Follow-up closed.", "follow-ups")


@require_POST
@in_agency_time
def conference_record(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    form = ConferenceForm(request.POST, prefix="conference")

    def act(form: forms.Form) -> object:
        form = cast(ConferenceForm, form)
        return actions.conference_record(by=user, case=read.case, **form.action_arguments())

    done = "Conference recorded."
    return _submitted(request, read, "conference_form", form, act, done, "conferences")


@require_POST
@in_agency_time
def case_close(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    form = CloseForm(request.POST, prefix="close")

    def act(form: forms.Form) -> object:
        return actions.case_close(by=user, case=read.case, **form.cleaned_data)

    return _submitted(request, read, "close_form", form, act, "Case closed.", "status")


@require_POST
def task_done(request: HttpRequest, case_id: UUID, task_id: UUID) -> HttpResponse:
    user, read = _work(request, case_id)
    task = get_object_or_404(queries.case_tasks(read.case), pk=task_id)
    core_actions.task_complete(task=task, by=user)
    messages.success(request, f"Done: {task.title}.")
    return redirect(reverse("programs:case_detail", kwargs={"case_id": case_id}) + "#tasks")
