"""Every write to programs and their cases (ARCHITECTURE rule 2).

Each action runs in one transaction, writes one audit event, and leaves a CaseEvent on the case
it changes, so the case's history and the person's timeline read the same facts. Who may do
what is checked here as well as at the door: a case is worked only by its program's agency
(programs.work), the prosecutor's sign-off and charge decision only by a holder of
programs.sign_off whose office sees the case. `by=None` is the system (the demo loader, the
daily deadline check).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from crossroads.core import access, audit
from crossroads.core.actions import StaleVersion, task_complete, task_raise
from crossroads.core.models import Agency, DataCategory, Task, User
from crossroads.encounters.models import Encounter
from crossroads.people.models import Person
from crossroads.people.queries import known_to_agency
from crossroads.programs import queries
from crossroads.programs.models import (
    Case,
    CaseEvent,
    Conference,
    Contact,
    FollowUp,
    Goal,
    Program,
)
from crossroads.programs.schedule import follow_ups_due
from crossroads.programs.types import ProgramType, answer_text, program_types
from crossroads.programs.workflow import IllegalMove, check_move

# Rules of the tasks a case raises (core.Task raises one per rule and record).
FOLLOW_UP_RULE = "follow_up.due"
VISIT_RULE = "case.visit"
CONFERENCE_RULE = "conference.due"  # numbered: conference.due.0 is the first
INTAKE_OVERDUE_RULE = "lead.intake_overdue"
CHARGE_DECISION_RULE = "lead.charge_decision"  # one per prosecutor's office: ...:<agency id>
TEXT_LENGTH = 500
GOAL_LENGTH = 300


# --- Programs -----------------------------------------------------------------------------------


def program_create(
    *,
    by: User | None,
    agency: Agency,
    type: str,
    name: str,
    slug: str,
    settings: Mapping[str, object] | None = None,
    at: datetime | None = None,
) -> Program:
    """A program an agency runs, of one of the types in program_types.yaml, with the agency's own
    timings (`settings`, checked against the type: a bad one names its field)."""
    program = Program(
        agency=agency,
        type=type,
        name=name.strip(),
        slug=slug,
        settings=dict(settings or {}),
        created_at=at or timezone.now(),
    )
    program.full_clean()
    with transaction.atomic():
        program.save()
        audit.record(
            by=by, verb="program.create", obj=program, agency=agency, detail={"type": type}
        )
    return program


def program_configure(
    *, by: User | None, program: Program, settings: Mapping[str, object]
) -> Program:
    """Replace the program's own settings. Cases already open keep the dates they were given;
    new dates follow the new settings."""
    program.settings = dict(settings)
    program.full_clean()
    with transaction.atomic():
        Program.objects.filter(pk=program.pk).update(settings=program.settings)
        audit.record(
            by=by,
            verb="program.configure",
            obj=program,
            agency=program.agency,
            detail={"settings": sorted(program.settings)},
        )
    return program


# --- Who may act --------------------------------------------------------------------------------


def works_for(user: User, agency_id: object) -> bool:
    """Staff of the agency who work its cases."""
    return user.agency_id == agency_id and user.can("programs.work")


def _require_worker(by: User, case: Case, field: str = "case") -> None:
    if not works_for(by, case.agency_id):
        raise ValidationError({field: f"Only {case.agency} staff who work cases can do this."})


def _require_open(case: Case, field: str = "case") -> None:
    if case.closed_at is not None:
        raise ValidationError({field: "The case is closed."})


def _check_case_manager(manager: User, program: Program) -> None:
    if not (works_for(manager, program.agency_id) and manager.is_active):
        raise ValidationError(
            {"case_manager": f"Choose someone of {program.agency} who works cases."}
        )


def _check_answerable(by: User, program: Program, item: str, *, enrolling: bool) -> None:
    """A sign-off item only by the prosecutor whose office sees the program's cases. Any other
    item by whoever enrols the person (the officer who screened them), and after that by the
    program's own staff who work cases."""
    spec = program.spec
    entry = spec.item(item)
    if entry is None:
        raise ValidationError({"item": f"{item!r} is not on the {spec.label} checklist."})
    if entry.sign_off:
        if not (by.can("programs.sign_off") and queries.prosecutor_sees(by, program)):
            raise ValidationError({"item": f"Only the prosecutor can answer “{entry.label}”."})
    elif not enrolling and not works_for(by, program.agency_id):
        raise ValidationError(
            {"item": f"Only {program.agency} staff who work cases can answer “{entry.label}”."}
        )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("program", "agency").get(pk=case.pk)


def _event(
    case: Case, kind: str, by: User | None, at: datetime, value: str = "", note: str = ""
) -> None:
    CaseEvent.objects.create(
        case=case, kind=kind, value=value[:60], note=note[:TEXT_LENGTH], at=at, by=by
    )


# --- Enrolment ----------------------------------------------------------------------------------


def _check_enrolment(
    by: User, program: Program, person: Person, encounter: Encounter | None, entry_path: str
) -> None:
    spec = program.spec
    if not program.active:
        raise ValidationError({"program": f"{program} no longer takes new cases."})
    if program.agency_id != by.agency_id and program.agency_id not in queries.referral_partners(by):
        raise ValidationError(
            {"program": f"Your agency has no partnership to refer people to {program.agency}."}
        )
    if not known_to_agency(by.agency_id, person):
        raise ValidationError({"person": "Your agency has no record of this person."})
    if encounter is not None and encounter.agency_id != by.agency_id:
        raise ValidationError({"encounter": "Only the agency that met the person can enrol them."})
    if encounter is not None and encounter.person_id not in (None, person.pk):
        raise ValidationError({"encounter": "The encounter is about someone else."})
    if entry_path not in spec.entry_paths:
        paths = ", ".join(p.replace("_", " ") for p in spec.entry_paths)
        raise ValidationError({"entry_path": f"{spec.label} takes people by: {paths}."})


def case_open(
    *,
    by: User,
    program: Program,
    person: Person,
    entry_path: str,
    encounter: Encounter | None = None,
    eligibility: Mapping[str, bool | None] | None = None,
    case_manager: User | None = None,
    at: datetime,
) -> Case:
    """Enrol a person: the case belongs to the program's agency, starts in the type's first
    status, and gets its schedule (follow-ups with reminders, a QRT visit, a first LEAD case
    conference; a LEAD charge held until the intake deadline).

    Without a case manager named, the enrolling staff member manages the case if they work the
    program's cases; otherwise it waits, unassigned, on the agency's caseload."""
    spec = program.spec
    _check_enrolment(by, program, person, encounter, entry_path)
    answers = {code: a for code, a in (eligibility or {}).items() if a is not None}
    for item in answers:
        _check_answerable(by, program, item, enrolling=True)
    manager = case_manager or (by if works_for(by, program.agency_id) else None)
    if manager is not None:
        _check_case_manager(manager, program)
    case = Case(
        program=program,
        agency_id=program.agency_id,
        person=person,
        encounter=encounter,
        referred_by_agency_id=by.agency_id if by.agency_id != program.agency_id else None,
        entry_path=entry_path,
        status=spec.initial,
        eligibility={code: answer_text(a) for code, a in answers.items()},
        case_manager=manager,
        opened_by=by,
        opened_at=at,
    )
    if spec.charge_tracking and spec.intake_deadline_days:
        case.charge_status = Case.Charge.HELD
        case.intake_deadline_at = at + timedelta(days=spec.intake_deadline_days)
    try:
        with transaction.atomic():
            if Case.objects.filter(program=program, person=person, closed_at__isnull=True).exists():
                raise ValidationError(
                    {"person": f"{person} already has an open case in {program}."}
                )
            case.save()
            _opening_events(case, by, at, answers)
            _schedule(case, spec, start=encounter.occurred_at if encounter else at, by=by)
            audit.record(
                by=by,
                verb="case.open",
                obj=case,
                detail={"program": str(program.pk), "entry_path": entry_path},
            )
    except IntegrityError:  # the same person enrolled by someone else at this moment
        raise ValidationError(
            {"person": f"{person} already has an open case in {program}."}
        ) from None
    return case


def _opening_events(case: Case, by: User, at: datetime, answers: Mapping[str, bool]) -> None:
    spec = case.program.spec
    _event(case, CaseEvent.Kind.OPENED, by, at, value=case.entry_path)
    for code, answer in answers.items():
        item = spec.item(code)
        kind = CaseEvent.Kind.SIGN_OFF if item and item.sign_off else CaseEvent.Kind.ELIGIBILITY
        _event(case, kind, by, at, value=f"{code}={answer_text(answer)}")
    if case.charge_status == Case.Charge.HELD:
        _event(case, CaseEvent.Kind.CHARGE, by, at, value=Case.Charge.HELD)


def _schedule(case: Case, spec: ProgramType, *, start: datetime, by: User) -> None:
    """The case's dated work, each item on the agency's one work list (core.Task)."""
    for label, due_at in follow_ups_due(start, spec.follow_up_hours):
        follow_up = FollowUp.objects.create(case=case, label=label, due_at=due_at)
        _raise(case, f"{label} follow-up due", due_at, by, about=follow_up, rule=FOLLOW_UP_RULE)
    if spec.visit_within_days:
        due_at = start + timedelta(days=spec.visit_within_days)
        _raise(case, "Outreach visit due", due_at, by, about=case, rule=VISIT_RULE)
    if spec.conference_every_days:
        due_at = case.opened_at + timedelta(days=spec.conference_every_days)
        _raise(
            case, "First case conference due", due_at, by, about=case, rule=f"{CONFERENCE_RULE}.0"
        )


def _raise(
    case: Case, title: str, due_at: datetime, by: User | None, *, about: Case | FollowUp, rule: str
) -> Task:
    return task_raise(
        agency=case.agency,
        title=title,
        due_at=due_at,
        by=by,
        assignee=case.case_manager,
        about=about,
        rule=rule,
    )


# --- The checklist and the workflow ---------------------------------------------------------


def case_answer_eligibility(
    *, by: User, case: Case, item: str, answer: bool | None, at: datetime | None = None
) -> Case:
    """Answer one checklist item (None: not known yet). Only while the checklist still decides
    the case's next step; the prosecutor's sign-off only by the prosecutor."""
    at = at or timezone.now()
    spec = case.program.spec
    _check_answerable(by, case.program, item, enrolling=False)
    with transaction.atomic():
        case = _locked(case)
        _require_open(case, "item")
        if not spec.statuses[case.status].decided_by_eligibility:
            label = spec.statuses[case.status].label
            raise ValidationError({"item": f"The checklist is settled: the case is {label}."})
        if answer is None:
            case.eligibility.pop(item, None)
        else:
            case.eligibility[item] = answer_text(answer)
        case.version += 1
        case.save(update_fields=["eligibility", "version"])
        entry = spec.item(item)
        kind = CaseEvent.Kind.SIGN_OFF if entry and entry.sign_off else CaseEvent.Kind.ELIGIBILITY
        _event(case, kind, by, at, value=f"{item}={answer_text(answer)}")
        audit.record(by=by, verb="case.eligibility.answer", obj=case, detail={"item": item})
    return case


def case_move(
    *,
    by: User,
    case: Case,
    to: str,
    note: str = "",
    placement_type: str = "",
    expected_version: int,
    at: datetime | None = None,
) -> Case:
    """Move the case to one of the statuses its type allows from here. A status with nowhere
    further to go closes the case (its label is the reason unless a note is given)."""
    at = at or timezone.now()
    _require_worker(by, case, "to")
    with transaction.atomic():
        case = _locked(case)
        if case.version != expected_version:
            raise StaleVersion(case.version)
        _require_open(case, "to")
        spec = case.program.spec
        try:
            check_move(spec, case.status, to, case.answers, placement_type)
        except IllegalMove as refusal:
            raise ValidationError({refusal.field: refusal.message}) from None
        moved_from, case.status = case.status, to
        case.version += 1
        _event(case, CaseEvent.Kind.STATUS, by, at, value=to, note=note)
        if spec.statuses[to].records_placement:
            case.placement_type, case.placed_at = placement_type, at
        if _intake_in_time(case, spec, to, at):
            case.charge_status = Case.Charge.NOT_FILED
            _event(
                case,
                CaseEvent.Kind.CHARGE,
                by,
                at,
                value=Case.Charge.NOT_FILED,
                note="Intake completed before the deadline.",
            )
            _complete_tasks(case, by, rules=[f"{CHARGE_DECISION_RULE}:", INTAKE_OVERDUE_RULE])
        if to in spec.closed_statuses:
            _close(case, by, at, note.strip() or spec.statuses[to].label)
        case.save()
        audit.record(by=by, verb="case.move", obj=case, detail={"from": moved_from, "to": to})
    return case


def _intake_in_time(case: Case, spec: ProgramType, to: str, at: datetime) -> bool:
    return (
        spec.charge_tracking
        and to == spec.intake_status
        and case.charge_status == Case.Charge.HELD
        and case.intake_deadline_at is not None
        and at <= case.intake_deadline_at
    )


def _complete_tasks(case: Case, by: User | None, *, rules: Iterable[str] | None = None) -> None:
    """Mark the case's open tasks done (those whose rule starts with one of `rules`, or all)."""
    open_tasks = queries.tasks_about(case).filter(done_at__isnull=True)
    if rules is not None:
        matching = Q()
        for rule in rules:
            matching |= Q(rule__startswith=rule)
        open_tasks = open_tasks.filter(matching)
    for task in open_tasks:
        task_complete(task=task, by=by, note="Done with the case's step.")


def _close(case: Case, by: User | None, at: datetime, reason: str) -> None:
    case.closed_at, case.closure_reason = at, reason[:TEXT_LENGTH]
    _event(case, CaseEvent.Kind.CLOSED, by, at, value=case.status, note=reason)
    _complete_tasks(case, by)


def case_close(*, by: User, case: Case, reason: str, at: datetime | None = None) -> Case:
    """Close the case whatever its status (the person moved away, died, asked to stop)."""
    at = at or timezone.now()
    reason = reason.strip()
    _require_worker(by, case, "reason")
    if not reason:
        raise ValidationError({"reason": "Say why the case is closed."})
    if len(reason) > TEXT_LENGTH:
        raise ValidationError({"reason": f"Use at most {TEXT_LENGTH} characters."})
    with transaction.atomic():
        case = _locked(case)
        _require_open(case, "reason")
        case.version += 1
        _close(case, by, at, reason)
        case.save()
        audit.record(by=by, verb="case.close", obj=case)
    return case


# --- LEAD: the held charge --------------------------------------------------------------------


def case_charge_set(
    *,
    by: User | None,
    case: Case,
    charge_status: str,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """The prosecutor's decision on a held charge: not filed, or filed. Filing keeps the LEAD
    promise: only once the intake deadline passed without intake, or the case closed before it.
    The decision is final. `by=None` records a decision the prosecutor made elsewhere."""
    at = at or timezone.now()
    spec = case.program.spec
    if not spec.charge_tracking:
        raise ValidationError({"charge_status": f"{spec.label} does not hold charges."})
    if by is not None and not (
        by.can("programs.sign_off") and queries.prosecutor_sees(by, case.program)
    ):
        raise ValidationError(
            {"charge_status": "Only the prosecutor decides whether a held charge is filed."}
        )
    if charge_status not in (Case.Charge.NOT_FILED, Case.Charge.FILED):
        raise ValidationError({"charge_status": "Choose not filed or filed."})
    with transaction.atomic():
        case = _locked(case)
        if case.charge_status != Case.Charge.HELD:
            decided = Case.Charge(case.charge_status).label.lower()
            raise ValidationError({"charge_status": f"The charge was already decided: {decided}."})
        deadline = case.intake_deadline_at
        if (
            charge_status == Case.Charge.FILED
            and case.closed_at is None
            and deadline
            and at < deadline
        ):
            raise ValidationError(
                {
                    "charge_status": f"The charge is held until the intake deadline "
                    f"({timezone.localtime(deadline):%d %b %Y}); it can be filed only if intake "
                    "is not complete by then."
                }
            )
        case.charge_status = charge_status
        case.version += 1
        case.save(update_fields=["charge_status", "version"])
        _event(case, CaseEvent.Kind.CHARGE, by, at, value=charge_status, note=note)
        _complete_tasks(case, by, rules=[f"{CHARGE_DECISION_RULE}:"])
        audit.record(
            by=by, verb="case.charge.set", obj=case, detail={"charge_status": charge_status}
        )
    return case


def lead_deadlines_check(*, now: datetime) -> int:
    """Cases still before intake when their deadline passes: a task for the case manager, and one
    for each prosecutor's office that sees the program's cases, to decide on the charge. Nothing
    is filed here: filing is the prosecutor's act. Safe to run as often as wanted (each task is
    raised once). Returns how many cases are past their deadline."""
    charged = [code for code, spec in program_types().items() if spec.charge_tracking]
    candidates = Case.objects.filter(
        program__type__in=charged,
        closed_at__isnull=True,
        charge_status=Case.Charge.HELD,
        intake_deadline_at__lte=now,
    ).select_related("program", "agency", "case_manager")
    overdue = [case for case in candidates if case.awaiting_intake]
    offices = _prosecutors_of({c.agency_id for c in overdue}, now)
    with transaction.atomic():
        for case in overdue:
            _raise(
                case, "LEAD intake deadline passed", now, None, about=case, rule=INTAKE_OVERDUE_RULE
            )
            for office in offices.get(case.agency_id, []):
                task_raise(
                    agency=office,
                    title="Charge decision due: LEAD intake deadline passed",
                    due_at=now,
                    by=None,
                    about=case,
                    rule=f"{CHARGE_DECISION_RULE}:{office.pk}",
                )
        audit.record(by=None, verb="case.deadlines_check", detail={"overdue": len(overdue)})
    return len(overdue)


def _prosecutors_of(agency_ids: set[object], now: datetime) -> dict[object, list[Agency]]:
    """The prosecutor's offices each program agency's participation data flows to."""
    flows = (
        access.flows_in_force(DataCategory.PROGRAM_PARTICIPATION, timezone.localdate(now))
        .filter(source_id__in=agency_ids, recipient__type=Agency.Type.PROSECUTOR)
        .select_related("recipient")
    )
    offices: dict[object, list[Agency]] = {}
    for flow in flows:
        offices.setdefault(flow.source_id, []).append(flow.recipient)
    return offices


# --- Working the case ---------------------------------------------------------------------------


def case_assign(*, by: User, case: Case, case_manager: User, at: datetime | None = None) -> Case:
    """Give the case to a case manager; its open tasks go to them too."""
    at = at or timezone.now()
    _require_worker(by, case, "case_manager")
    _check_case_manager(case_manager, case.program)
    with transaction.atomic():
        case = _locked(case)
        _require_open(case, "case_manager")
        case.case_manager = case_manager
        case.version += 1
        case.save(update_fields=["case_manager", "version"])
        # Part of this audited write: the case's work list follows its manager.
        open_tasks = queries.tasks_about(case).filter(done_at__isnull=True)
        open_tasks.filter(agency_id=case.agency_id).update(assignee=case_manager)
        _event(
            case,
            CaseEvent.Kind.ASSIGNED,
            by,
            at,
            value=str(case_manager.pk),
            note=case_manager.display_name,
        )
        audit.record(
            by=by, verb="case.assign", obj=case, detail={"case_manager": str(case_manager.pk)}
        )
    return case


def goal_add(*, by: User, case: Case, text: str, at: datetime | None = None) -> Goal:
    """A goal the participant set (in their words)."""
    at = at or timezone.now()
    text = text.strip()
    _require_worker(by, case, "text")
    _require_open(case, "text")
    if not text:
        raise ValidationError({"text": "Write the goal."})
    if len(text) > GOAL_LENGTH:
        raise ValidationError({"text": f"Use at most {GOAL_LENGTH} characters."})
    with transaction.atomic():
        goal = Goal.objects.create(case=case, text=text, created_by=by, created_at=at)
        _event(case, CaseEvent.Kind.GOAL, by, at, value=Goal.Status.OPEN, note=text)
        audit.record(by=by, verb="goal.add", obj=goal, detail={"case": str(case.pk)})
    return goal


def goal_set_status(*, by: User, goal: Goal, status: str, at: datetime | None = None) -> Goal:
    """A goal met, dropped, or open again."""
    at = at or timezone.now()
    case = goal.case
    _require_worker(by, case, "status")
    _require_open(case, "status")
    if status not in Goal.Status.values:
        raise ValidationError({"status": "Choose open, met or dropped."})
    with transaction.atomic():
        goal.status, goal.status_at = status, at
        goal.save(update_fields=["status", "status_at"])
        _event(case, CaseEvent.Kind.GOAL, by, at, value=status, note=goal.text)
        audit.record(by=by, verb="goal.status", obj=goal, detail={"status": status})
    return goal


def _check_moment(at: datetime, case: Case, field: str) -> None:
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({field: "This is in the future."})
    if at < case.opened_at.replace(second=0, microsecond=0):  # pages type times to the minute
        raise ValidationError({field: "This is before the case was opened."})


def contact_log(
    *,
    by: User,
    case: Case,
    at: datetime,
    method: str,
    reached: bool,
    note: str = "",
    follow_up: FollowUp | None = None,
) -> Contact:
    """One attempt to reach the person, or a contact with them. Made for a follow-up it is one of
    its attempts; reaching the person closes that follow-up as reached and its reminder."""
    _require_worker(by, case, "method")
    _require_open(case, "method")
    if method not in Contact.Method.values:
        raise ValidationError({"method": "Choose how you tried to reach the person."})
    _check_moment(at, case, "at")
    if follow_up is not None and (follow_up.case_id != case.pk or follow_up.outcome):
        raise ValidationError({"follow_up": "Choose a follow-up of this case still to be made."})
    with transaction.atomic():
        contact = Contact.objects.create(
            case=case, follow_up=follow_up, at=at, by=by, method=method, reached=reached, note=note
        )
        if reached and (case.last_reached_at is None or at > case.last_reached_at):
            case.last_reached_at = at
        # Always marked changed: a contact logged late, with an earlier time, still changes
        # what the analytics snapshot holds for the case (ADR 0021).
        Case.objects.filter(pk=case.pk).update(
            last_reached_at=case.last_reached_at, updated_at=timezone.now()
        )
        if follow_up is not None and reached:
            _follow_up_done(follow_up, FollowUp.Outcome.REACHED, at, by)
        what = f"{follow_up.label} follow-up: " if follow_up else ""
        _event(
            case,
            CaseEvent.Kind.CONTACT,
            by,
            at,
            value=f"{what}{'reached' if reached else 'not reached'}",
            note=note,
        )
        audit.record(
            by=by,
            verb="contact.log",
            obj=contact,
            detail={"case": str(case.pk), "reached": reached},
        )
    return contact


def _follow_up_done(follow_up: FollowUp, outcome: str, at: datetime, by: User) -> None:
    follow_up.outcome, follow_up.outcome_at = outcome, at
    follow_up.save(update_fields=["outcome", "outcome_at"])
    for task in Task.objects.filter(
        about_type=queries.FOLLOW_UP_TYPE, about_id=str(follow_up.pk), done_at__isnull=True
    ):
        task_complete(task=task, by=by, note=FollowUp.Outcome(outcome).label)


def follow_up_close(
    *, by: User, follow_up: FollowUp, outcome: str, at: datetime | None = None
) -> FollowUp:
    """End a follow-up without reaching the person: not reached after every attempt (at least
    one attempt logged), or declined."""
    at = at or timezone.now()
    case = follow_up.case
    _require_worker(by, case, "outcome")
    _require_open(case, "outcome")
    if outcome not in (FollowUp.Outcome.NOT_REACHED, FollowUp.Outcome.DECLINED):
        raise ValidationError({"outcome": "Choose not reached or declined."})
    if follow_up.outcome:
        raise ValidationError({"outcome": "This follow-up is already closed."})
    if outcome == FollowUp.Outcome.NOT_REACHED and not follow_up.attempts.exists():
        raise ValidationError(
            {"outcome": "Log at least one attempt before closing it as not reached."}
        )
    with transaction.atomic():
        _follow_up_done(follow_up, outcome, at, by)
        _event(case, CaseEvent.Kind.FOLLOW_UP, by, at, value=f"{follow_up.label}: {outcome}")
        audit.record(by=by, verb="follow_up.close", obj=follow_up, detail={"outcome": outcome})
    return follow_up


def conference_record(
    *,
    by: User,
    case: Case,
    held_at: datetime,
    attendees: Iterable[str],
    decisions: str,
) -> Conference:
    """A multidisciplinary case conference: who attended and what was decided. Where the type
    meets regularly (LEAD), the next one is put on the work list."""
    _require_worker(by, case, "decisions")
    _require_open(case, "decisions")
    present = [name.strip() for name in attendees if name.strip()]
    if not present:
        raise ValidationError({"attendees": "Name who attended (one a line)."})
    if not decisions.strip():
        raise ValidationError({"decisions": "Write what was decided."})
    _check_moment(held_at, case, "held_at")
    spec = case.program.spec
    with transaction.atomic():
        conference = Conference.objects.create(
            case=case,
            held_at=held_at,
            attendees=present,
            decisions=decisions.strip(),
            recorded_by=by,
        )
        _event(case, CaseEvent.Kind.CONFERENCE, by, held_at, value=f"{len(present)} attended")
        if spec.conference_every_days:
            _complete_tasks(case, by, rules=[CONFERENCE_RULE])
            held = case.conferences.count()
            _raise(
                case,
                "Next case conference due",
                held_at + timedelta(days=spec.conference_every_days),
                by,
                about=case,
                rule=f"{CONFERENCE_RULE}.{held}",
            )
        audit.record(
            by=by,
            verb="conference.record",
            obj=conference,
            detail={"case": str(case.pk), "attendees": len(present)},
        )
    return conference
