"""Protected reads of programs and cases (ARCHITECTURE rule 3).

A case belongs to its program's agency: its staff holding programs.view read it. One other
reader exists: a prosecutor's office to which the program's agency sends program-participation
data under a partnership in force reads that program's criminal-justice (LEAD) cases, for the
sign-off and the charge decision, and only the parts it needs (status, checklist, charge,
history; not contacts, goals, conferences or tasks). When the program is a 42 CFR Part 2
program, that read is a disclosure: it goes through consent.actions.disclosure_decide at that
moment, and without consent the case answers 404, like a case the office cannot see. Everyone
else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from crossroads.consent.actions import disclosure_decide
from crossroads.consent.policy import Purpose
from crossroads.core import access
from crossroads.core.models import Agency, DataCategory, Task, User
from crossroads.core.roles import role_book
from crossroads.programs.models import Case, CaseEvent, FollowUp, Program
from crossroads.programs.schedule import Due, due_bucket, end_of_day
from crossroads.programs.types import program_types

# What a partner (the prosecutor's office) reads of a case's history.
PARTNER_EVENTS = frozenset(
    {
        CaseEvent.Kind.OPENED,
        CaseEvent.Kind.STATUS,
        CaseEvent.Kind.ELIGIBILITY,
        CaseEvent.Kind.SIGN_OFF,
        CaseEvent.Kind.CHARGE,
        CaseEvent.Kind.CLOSED,
    }
)
CASE_RELATED = ("program", "program__agency", "agency", "person", "case_manager")


# --- Programs -----------------------------------------------------------------------------------


def programs_of(user: User) -> list[Program]:
    """The user's agency's programs, each with `open_cases` counted."""
    access.require_permission(user, "programs.view")
    return list(
        Program.objects.filter(agency_id=user.agency_id).annotate(
            open_cases=Count("cases", filter=Q(cases__closed_at__isnull=True))
        )
    )


def program_for(user: User, program_id: UUID) -> Program:
    """A program of the user's agency; another agency's answers 404."""
    access.require_permission(user, "programs.view")
    program = get_object_or_404(Program.objects.select_related("agency"), pk=program_id)
    access.require_agency(user, program.agency_id)
    return program


def program_cases(user: User, program: Program, *, closed_shown: int = 50) -> dict[str, list[Case]]:
    """The program's open cases by status, in the type's order, then the newest closed ones
    under "closed" (the list read is audited)."""
    spec = program.spec
    cases = Case.objects.filter(program=program).select_related("person", "case_manager")
    by_status: dict[str, list[Case]] = {
        code: [] for code in spec.statuses if code not in spec.closed_statuses
    }
    for case in cases.filter(closed_at__isnull=True).order_by("opened_at"):
        by_status.setdefault(case.status, []).append(case)
    by_status["closed"] = list(
        cases.filter(closed_at__isnull=False).order_by("-closed_at")[:closed_shown]
    )
    access.record_list_read(user, "case", sum(len(group) for group in by_status.values()))
    return by_status


def referral_partners(user: User) -> set[UUID]:
    """Agencies the user's agency may refer people to, under a partnership in force."""
    return access.recipient_agency_ids(user, DataCategory.REFERRALS)


def programs_open_to(user: User) -> QuerySet[Program]:
    """Programs the user may enrol people in: their agency's own, and those of agencies it
    refers people to under a partnership in force."""
    agencies = {user.agency_id, *referral_partners(user)}
    return Program.objects.filter(agency_id__in=agencies, active=True).select_related("agency")


# --- Cases --------------------------------------------------------------------------------------


def prosecutor_sees(user: User, program: Program) -> bool:
    """A prosecutor's office reads a criminal-justice program's cases when the program's agency
    sends it program participation under a partnership in force (or runs the program itself)."""
    if not program.spec.criminal_justice:
        return False
    if user.agency_id == program.agency_id:
        return True
    return user.agency.type == Agency.Type.PROSECUTOR and program.agency_id in (
        access.partner_agency_ids(user, DataCategory.PROGRAM_PARTICIPATION)
    )


@dataclass(frozen=True)
class CaseRead:
    """A case as one user may read it: whole (its agency's staff), or as a partner (the
    prosecutor's office) with the §2.32 notice when it came from a Part 2 program."""

    case: Case
    as_partner: bool
    notice: str = ""


def _disclosed(user: User, case: Case, path: str) -> str:
    """The notice to show with a Part 2 program's case read by a partner; 404 without consent."""
    if not case.agency.part2_program:
        return ""
    disclosed = disclosure_decide(
        by=user,
        person=case.person,
        discloser=case.agency,
        information=frozenset({"program_participation"}),
        purpose=Purpose.MONITORING,
        path=path,
        about=case,
    )
    if not disclosed.allowed:
        raise Http404
    return disclosed.notice


def case_read(user: User, case_id: UUID, *, path: str = "page") -> CaseRead:
    """The case if the user's agency runs its program, or reads it as the prosecutor (audited);
    else 404."""
    access.require_permission(user, "programs.view")
    case = get_object_or_404(Case.objects.select_related(*CASE_RELATED), pk=case_id)
    as_partner = case.agency_id != user.agency_id
    if as_partner and not prosecutor_sees(user, case.program):
        raise Http404
    notice = _disclosed(user, case, path) if as_partner else ""
    access.record_read(user, case)
    return CaseRead(case, as_partner, notice)


def case_to_work(user: User, case_id: UUID, permission: str = "programs.work") -> Case:
    """A case of the user's own agency, to work on (or, with `referrals.start`, to refer its
    participant from); anyone else's answers 404."""
    access.require_permission(user, permission)
    case = get_object_or_404(Case.objects.select_related(*CASE_RELATED), pk=case_id)
    access.require_agency(user, case.agency_id)
    access.record_read(user, case)
    return case


CASE_TYPE = Case._meta.label_lower  # how core.Task names what a task is about
FOLLOW_UP_TYPE = FollowUp._meta.label_lower


def tasks_about(case: Case) -> QuerySet[Task]:
    """Every agency's tasks about the case or one of its follow-ups (the prosecutor's office
    has its own about a LEAD case)."""
    follow_ups = [str(pk) for pk in case.follow_ups.values_list("pk", flat=True)]
    return Task.objects.filter(
        Q(about_type=CASE_TYPE, about_id=str(case.pk))
        | Q(about_type=FOLLOW_UP_TYPE, about_id__in=follow_ups)
    )


def case_tasks(case: Case) -> QuerySet[Task]:
    """The case's tasks on its own agency's work list."""
    return tasks_about(case).filter(agency_id=case.agency_id).select_related("assignee", "done_by")


def case_workers(case: Case) -> QuerySet[User]:
    """The staff of the case's agency who may manage it."""
    roles = [
        code for code, spec in role_book().roles.items() if "programs.work" in spec.permissions
    ]
    return (
        User.objects.filter(agency_id=case.agency_id, is_active=True, role_grants__role__in=roles)
        .distinct()
        .order_by("last_name", "first_name")
    )


# --- The caseload -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    case: Case
    what: str
    due_at: datetime | None = None  # None in "not reached"
    since: datetime | None = None  # not reached since then


@dataclass
class Caseload:
    everyone: bool
    due_today: list[CaseloadRow] = field(default_factory=list)
    overdue: list[CaseloadRow] = field(default_factory=list)
    not_reached: list[CaseloadRow] = field(default_factory=list)
    # Open cases nobody manages yet, for those who may take them on (None: not theirs to work).
    unassigned: list[CaseloadRow] | None = None


def may_see_everyone(user: User) -> bool:
    return user.can("programs.supervise")


def caseload(user: User, now: datetime, everyone: bool = False) -> Caseload:
    """What is due today, what is overdue (open tasks, follow-ups, LEAD intake deadlines) and
    who has not been reached in the program's N days: for the user's own cases, or the whole
    agency's for supervisors. For those who work the agency's cases, also the open cases no one
    manages yet (referred in, or opened by someone who does not work cases), which reach no one's
    own caseload until assigned. A fixed number of queries, however long the caseload."""
    access.require_permission(user, "programs.view")
    if everyone and not may_see_everyone(user):
        raise PermissionDenied("Only program managers and CIT coordinators see every caseload.")
    zone = ZoneInfo(user.agency.time_zone)
    horizon = end_of_day(now, zone)
    cases = Case.objects.filter(agency_id=user.agency_id, closed_at__isnull=True)
    if not everyone:
        cases = cases.filter(case_manager=user)
    cases = cases.select_related("program", "person")
    due = [*_due_tasks(user, cases, horizon, everyone), *_due_follow_ups(cases, horizon)]
    due += _due_deadlines(cases, horizon)
    load = Caseload(everyone=everyone)
    for row in sorted(due, key=lambda r: (r.due_at or now, str(r.case.pk))):
        overdue = row.due_at and due_bucket(row.due_at, now, zone) is Due.OVERDUE
        (load.overdue if overdue else load.due_today).append(row)
    load.not_reached = _not_reached(user, cases, now)
    if user.can("programs.work"):  # as case_to_work decides: the agency's cases, to work
        load.unassigned = _unassigned(user)
    shown = [load.due_today, load.overdue, load.not_reached, load.unassigned or []]
    access.record_list_read(user, "caseload", sum(len(rows) for rows in shown))
    return load


def _due_tasks(
    user: User, cases: QuerySet[Case], horizon: datetime, everyone: bool
) -> list[CaseloadRow]:
    """Open tasks about the cases (a follow-up's reminder shows as the follow-up itself)."""
    tasks = Task.objects.filter(
        agency_id=user.agency_id,
        done_at__isnull=True,
        about_type=CASE_TYPE,
        due_at__lt=horizon,
    )
    if not everyone:
        tasks = tasks.filter(assignee=user)
    tasks_list = list(tasks)
    by_id = cases.in_bulk([UUID(t.about_id) for t in tasks_list])
    return [
        CaseloadRow(by_id[UUID(t.about_id)], t.title, due_at=t.due_at)
        for t in tasks_list
        if UUID(t.about_id) in by_id
    ]


def _due_follow_ups(cases: QuerySet[Case], horizon: datetime) -> list[CaseloadRow]:
    follow_ups = FollowUp.objects.filter(
        case__in=cases.values("pk"), outcome="", due_at__lt=horizon
    ).select_related("case", "case__program", "case__person")
    return [CaseloadRow(f.case, f"{f.label} follow-up", due_at=f.due_at) for f in follow_ups]


def _due_deadlines(cases: QuerySet[Case], horizon: datetime) -> list[CaseloadRow]:
    """LEAD cases still before intake whose deadline falls today or has passed."""
    held = cases.filter(charge_status=Case.Charge.HELD, intake_deadline_at__lt=horizon)
    return [
        CaseloadRow(case, "Intake deadline", due_at=case.intake_deadline_at)
        for case in held
        if case.awaiting_intake
    ]


def _not_reached(user: User, cases: QuerySet[Case], now: datetime) -> list[CaseloadRow]:
    """Cases whose person was not reached (or, never reached, not since enrolment) within their
    program's `not_reached_days`."""
    programs = Program.objects.filter(agency_id=user.agency_id)
    stale = Q(pk__in=[])
    for program in programs:
        cutoff = now - timedelta(days=program.spec.not_reached_days)
        stale |= Q(program_id=program.pk, since__lt=cutoff)
    quiet = cases.annotate(since=Coalesce("last_reached_at", "opened_at")).filter(stale)
    return [
        CaseloadRow(
            case,
            f"Not reached in {case.program.spec.not_reached_days} days",
            since=case.since,
        )
        for case in quiet.order_by("since")
    ]


def _unassigned(user: User) -> list[CaseloadRow]:
    """The agency's open cases with no case manager, oldest first."""
    waiting = Case.objects.filter(
        agency_id=user.agency_id, closed_at__isnull=True, case_manager__isnull=True
    )
    return [
        CaseloadRow(case, "Not assigned yet", since=case.opened_at)
        for case in waiting.select_related("program", "person").order_by("opened_at")
    ]


# --- The prosecutor's sign-off list -----------------------------------------------------------


@dataclass
class SignOffList:
    awaiting: list[CaseRead] = field(default_factory=list)
    charge_due: list[CaseRead] = field(default_factory=list)


def sign_off_list(user: User, now: datetime) -> SignOffList:
    """Criminal-justice cases the user's office sees that wait for it: a sign-off still
    unanswered while the checklist decides the case, or a held charge whose intake deadline
    passed before intake. A Part 2 program's case is listed only when its disclosure is allowed
    now (and the notice goes with it)."""
    access.require_permission(user, "programs.sign_off")
    agencies = {user.agency_id}
    if user.agency.type == Agency.Type.PROSECUTOR:
        agencies |= access.partner_agency_ids(user, DataCategory.PROGRAM_PARTICIPATION)
    types = {code: spec for code, spec in program_types().items() if spec.criminal_justice}
    deciding = {
        code
        for spec in types.values()
        for code, s in spec.statuses.items()
        if s.decided_by_eligibility
    }
    candidates = (
        Case.objects.filter(
            Q(status__in=deciding) | Q(charge_status=Case.Charge.HELD, intake_deadline_at__lte=now),
            agency_id__in=agencies,
            program__type__in=types,
            closed_at__isnull=True,
        )
        .select_related(*CASE_RELATED)
        .order_by("opened_at")
    )
    found = SignOffList()
    for case in candidates:
        spec = case.program.spec
        waiting = spec.statuses[case.status].decided_by_eligibility and any(
            item.sign_off and case.answers.get(item.code) is None for item in spec.eligibility
        )
        overdue = (
            case.awaiting_intake
            and case.intake_deadline_at is not None
            and case.intake_deadline_at <= now
        )
        if not (waiting or overdue):
            continue
        read = _partner_row(user, case)
        if read is not None:
            (found.awaiting if waiting else found.charge_due).append(read)
    access.record_list_read(user, "case", len(found.awaiting) + len(found.charge_due))
    return found


def _partner_row(user: User, case: Case) -> CaseRead | None:
    as_partner = case.agency_id != user.agency_id
    if not as_partner:
        return CaseRead(case, False)
    try:
        return CaseRead(case, True, _disclosed(user, case, "page"))
    except Http404:
        return None


def events_seen(read: CaseRead) -> list[CaseEvent]:
    events = read.case.events.select_related("by")
    if read.as_partner:
        events = events.filter(kind__in=PARTNER_EVENTS)
    return list(events)


def who_answered(events: list[CaseEvent]) -> dict[str, CaseEvent]:
    """Each checklist item's latest answer event (who and when)."""
    latest: dict[str, CaseEvent] = {}
    for event in events:
        if event.kind in (CaseEvent.Kind.ELIGIBILITY, CaseEvent.Kind.SIGN_OFF):
            latest[event.value.split("=", 1)[0]] = event
    return latest
