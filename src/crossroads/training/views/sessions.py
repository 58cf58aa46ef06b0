"""Courses, sessions, attendance, knowledge checks and certifications.

Every view runs in the user's agency's time zone, so "today" (a session that has ended, a
certification that lapses) is the agency's day. A refused form comes back on its page with the
reason beside the field and status 422 (409 for a session that changed since the page was
read), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crossroads.core.access import in_agency_time, signed_in
from crossroads.core.actions import StaleVersion
from crossroads.core.forms import add_validation_errors
from crossroads.core.models import User
from crossroads.training import actions, knowledge, queries
from crossroads.training.curricula import RENEWAL_GRACE_MONTHS, CourseSpec
from crossroads.training.forms import (
    CertificationFilterForm,
    CheckForm,
    CourseForm,
    HoursForm,
    PeriodForm,
    RollAddForm,
    SessionEditForm,
    SessionForm,
    VersionForm,
)
from crossroads.training.models import (
    Attendance,
    Certification,
    Course,
    KnowledgeCheck,
    TrainingSession,
)
from crossroads.training.queries import Show

Done = TypeVar("Done")
IMPROVEMENT_DAYS = 365  # the period a course's improvement covers when none is asked


def _acted(form: forms.Form, act: Callable[[], Done]) -> tuple[Done | None, int]:
    """Run the action for a valid form: (its result, 200), else (None, 422), or 409 when the
    session changed since the page was read. The reasons go on the form."""
    if not form.is_valid():
        return None, 422
    try:
        return act(), 200
    except ValidationError as error:
        add_validation_errors(form, error)
        return None, 422
    except StaleVersion as stale:
        form.add_error(None, f"{stale} Look at the session again.")
        return None, 409


# --- Home ---------------------------------------------------------------------------------------


@in_agency_time
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    context = {
        "mine": queries.my_training(user, timezone.localdate()),
        "manages": user.can("training.manage"),
        "permissions": user.permissions,  # for the links of the other parts of training
    }
    return render(request, "training/home.html", context)


# --- Courses ------------------------------------------------------------------------------------


def course_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    context = {"courses": queries.courses_for(user), "can_add": user.can("training.manage")}
    return render(request, "training/course_list.html", context)


@in_agency_time
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    course = queries.course_for(user, code)
    manages = user.can("training.manage")
    context: dict[str, Any] = {
        "course": course,
        "spec": course.spec,
        "manages": manages,
        "grace_months": RENEWAL_GRACE_MONTHS,
    }
    status = 200
    if manages and course.spec.item_bank:
        period = PeriodForm(request.GET or None)
        until = timezone.localdate()
        since = until - timedelta(days=IMPROVEMENT_DAYS - 1)
        if period.is_bound and period.is_valid():
            since = period.cleaned_data["since"] or since
            until = period.cleaned_data["until"] or until
        elif period.is_bound:
            status = 422
        sessions, cohort = queries.course_improvement(user, code, since, until)
        context.update(
            period=period,
            since=since,
            until=until,
            sessions=sessions,
            cohort=cohort,
            min_cohort=knowledge.MIN_COHORT,
        )
    return render(request, "training/course_detail.html", context, status=status)


def course_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = CourseForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render(request, "training/course_new.html", {"form": form})

    def act() -> Course:
        return actions.course_create(by=user, agency=user.agency, **form.cleaned_data)

    course, status = _acted(form, act)
    if course is None:
        return render(request, "training/course_new.html", {"form": form}, status=status)
    messages.success(request, f"{form.cleaned_data['name']} is added to your courses.")
    return redirect("training:course_detail", code=form.cleaned_data["code"])


# --- Sessions -----------------------------------------------------------------------------------


@in_agency_time
def session_list(request: HttpRequest) -> HttpResponse:
    scheduled, past = queries.sessions_of(signed_in(request))
    context = {"scheduled": scheduled, "past": past, "today": timezone.localdate()}
    return render(request, "training/session_list.html", context)


@in_agency_time
def session_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = SessionForm(
        request.POST if request.method == "POST" else None,
        initial={"course": request.GET.get("course", "")},
        courses=queries.courses_for(user),
        staff=queries.staff_of(user.agency_id),
    )
    if request.method != "POST":
        return render(request, "training/session_new.html", {"form": form})

    def act() -> TrainingSession:
        return actions.session_create(by=user, agency=user.agency, **form.cleaned_data)

    session, status = _acted(form, act)
    if session is None:
        return render(request, "training/session_new.html", {"form": form}, status=status)
    messages.success(request, "Session scheduled. Add the officers who attend it.")
    return redirect("training:session_detail", session_id=session.pk)


@in_agency_time
def session_detail(request: HttpRequest, session_id: UUID) -> HttpResponse:
    return _session_page(request, queries.session_for(signed_in(request), session_id))


@in_agency_time
def session_edit(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Change a scheduled session's days, place and instructors (its course stays)."""
    user = signed_in(request)
    session = queries.session_for(user, session_id)
    form = SessionEditForm(
        request.POST if request.method == "POST" else None,
        initial={
            "starts_on": session.starts_on,
            "ends_on": session.ends_on,
            "location": session.location,
            "instructors": list(session.instructors.all()),
            "version": session.version,
        },
        staff=queries.staff_of(session.agency_id),
    )
    context = {
        "session": session,
        "spec": queries.session_spec(session),
        "form": form,
        "editable": session.status == TrainingSession.Status.SCHEDULED,
    }
    if request.method != "POST":
        return render(request, "training/session_edit.html", context)

    def act() -> TrainingSession:
        plan = dict(form.cleaned_data)
        version = plan.pop("version")
        return actions.session_update(by=user, session=session, expected_version=version, **plan)

    done, status = _acted(form, act)
    if done is None:
        return render(request, "training/session_edit.html", context, status=status)
    messages.success(request, "Session changed.")
    return redirect("training:session_detail", session_id=session.pk)


def _session_page(
    request: HttpRequest,
    session: TrainingSession,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The session, its roll with hours and scores, and (while scheduled) its forms; `bound`
    replaces a form with the one just refused."""
    if bound:  # refused: show the session as it now stands (a conflict moved its version)
        session.refresh_from_db()
    bound = bound or {}
    spec = queries.session_spec(session)
    roll = queries.session_roll(session, spec)
    editable = session.status == TrainingSession.Status.SCHEDULED
    refused_hours = bound.get("hours")
    rows = [
        (
            row,
            refused_hours
            if refused_hours is not None
            and refused_hours.data.get("officer") == str(row.officer.pk)
            else _hours_form(spec, row),
        )
        for row in roll
    ]
    trainees = queries.trainees_of(session.agency_id).exclude(attendance__session=session)
    context: dict[str, Any] = {
        "session": session,
        "spec": spec,
        "rows": rows,
        "editable": editable,
        "ended": session.ends_on <= timezone.localdate(),
        "certifying": [row for row in roll if row.will_certify],
        "not_certifying": [row for row in roll if not row.will_certify],
        "add_form": bound.get("add") or RollAddForm(prefix="add", trainees=trainees),
        "version_form": bound.get("version") or VersionForm(),
        "certifies_until": spec.expires_on(session.ends_on),
        "grace_months": RENEWAL_GRACE_MONTHS,
        "instructors": list(session.instructors.all()),
    }
    return render(request, "training/session_detail.html", context, status=status)


def _hours_form(spec: CourseSpec, row: queries.RollRow) -> HoursForm:
    initial = {f"module_hours.{module.code}": hours for module, hours in row.hours if hours}
    return HoursForm(initial=initial, spec=spec, auto_id=f"hours-{row.officer.pk}-%s")


def _back_to(session: TrainingSession, anchor: str) -> HttpResponse:
    response = redirect("training:session_detail", session_id=session.pk)
    response["Location"] += f"#{anchor}"
    return response


@require_POST
@in_agency_time
def session_attendance(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Add an officer to the roll (the form `add`), or record one's hours (the form `hours`)."""
    user = signed_in(request)
    session = queries.session_for(user, session_id)
    if "add-officer" not in request.POST:
        return _record_hours(request, user, session)
    trainees = queries.trainees_of(session.agency_id).exclude(attendance__session=session)
    form = RollAddForm(request.POST, prefix="add", trainees=trainees)

    def act() -> Attendance:
        return actions.attendance_record(
            by=user,
            session=session,
            officer=form.cleaned_data["officer"],
            expected_version=form.cleaned_data["version"],
        )

    done, status = _acted(form, act)
    if done is None:
        return _session_page(request, session, {"add": form}, status)
    messages.success(request, f"{form.cleaned_data['officer'].display_name} is on the roll.")
    return _back_to(session, "roll")


@require_POST
@in_agency_time
def session_roll_remove(request: HttpRequest, session_id: UUID, officer_id: UUID) -> HttpResponse:
    """Take someone off the roll, with their hours and their checks of the session."""
    user = signed_in(request)
    session = queries.session_for(user, session_id)
    officer = queries.session_person(session, officer_id)
    form = VersionForm(request.POST)

    def act() -> TrainingSession:
        return actions.attendance_remove(
            by=user, session=session, officer=officer, expected_version=form.cleaned_data["version"]
        )

    done, status = _acted(form, act)
    if done is None:
        return _session_page(request, session, {"version": form}, status)
    messages.success(request, f"{officer.display_name} is off the roll.")
    return _back_to(session, "roll")


def _record_hours(request: HttpRequest, user: User, session: TrainingSession) -> HttpResponse:
    officer = request.POST.get("officer", "")
    form = HoursForm(
        request.POST, spec=queries.session_spec(session), auto_id=f"hours-{officer}-%s"
    )

    def act() -> Attendance:
        attendance = session.roll.filter(officer_id=form.cleaned_data["officer"]).first()
        if attendance is None:
            raise ValidationError({"officer": "is not on this session's roll."})
        return actions.attendance_record(
            by=user,
            session=session,
            officer=attendance.officer,
            module_hours=form.module_hours(),
            expected_version=form.cleaned_data["version"],
        )

    done, status = _acted(form, act)
    if done is None:
        return _session_page(request, session, {"hours": form}, status)
    messages.success(request, "Hours recorded.")
    return _back_to(session, "roll")


@require_POST
@in_agency_time
def session_complete(request: HttpRequest, session_id: UUID) -> HttpResponse:
    user = signed_in(request)
    session = queries.session_for(user, session_id)
    form = VersionForm(request.POST)

    def act() -> list[Certification]:
        return actions.session_complete(
            by=user, session=session, expected_version=form.cleaned_data["version"]
        )

    certified, status = _acted(form, act)
    if certified is None:
        return _session_page(request, session, {"version": form}, status)
    messages.success(
        request, f"Session completed: {len(certified)} certified ({', '.join(_names(certified))})."
    )
    return _back_to(session, "completion")


def _names(certified: list[Certification]) -> list[str]:
    return [certification.officer.display_name for certification in certified] or ["no one"]


@require_POST
@in_agency_time
def session_cancel(request: HttpRequest, session_id: UUID) -> HttpResponse:
    user = signed_in(request)
    session = queries.session_for(user, session_id)
    form = VersionForm(request.POST)

    def act() -> TrainingSession:
        return actions.session_cancel(
            by=user, session=session, expected_version=form.cleaned_data["version"]
        )

    done, status = _acted(form, act)
    if done is None:
        return _session_page(request, session, {"version": form}, status)
    messages.success(request, "Session cancelled.")
    return redirect("training:session_list")


@in_agency_time
def session_report(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = queries.session_for(signed_in(request), session_id)
    spec = queries.session_spec(session)
    officers, cohort = queries.session_improvement(queries.session_roll(session, spec))
    context = {
        "session": session,
        "spec": spec,
        "officers": officers,
        "cohort": cohort,
        "min_cohort": knowledge.MIN_COHORT,
    }
    return render(request, "training/session_report.html", context)


# --- The officer's knowledge check --------------------------------------------------------------


@in_agency_time
def session_check(request: HttpRequest, session_id: UUID, phase: str) -> HttpResponse:
    """An officer on the roll takes the check before or after the session (on a phone)."""
    if phase not in knowledge.PHASE_WORDS:
        raise Http404
    user = signed_in(request)
    session, _ = queries.session_to_take(user, session_id)
    spec = queries.session_spec(session)
    if spec.item_bank is None:
        raise Http404
    bank = knowledge.load_bank(spec.item_bank)
    form = CheckForm(request.POST if request.method == "POST" else None, bank=bank)
    context: dict[str, Any] = {
        "session": session,
        "spec": spec,
        "phase_words": knowledge.PHASE_WORDS[phase],
        "form": form,
        "closed": queries.check_closed(session, user, phase, timezone.localdate()),
    }
    if request.method != "POST":
        return render(request, "training/check_take.html", context)

    def act() -> KnowledgeCheck:
        return actions.check_submit(by=user, session=session, phase=phase, answers=form.answers())

    check, status = _acted(form, act)
    if check is None:
        return render(request, "training/check_take.html", context, status=status)
    messages.success(
        request,
        f"Thank you. You answered {check.score} of {check.max_score} correctly "
        f"{knowledge.PHASE_WORDS[phase]}.",
    )
    return redirect("training:home")


# --- Certifications -----------------------------------------------------------------------------


@in_agency_time
def certification_list(request: HttpRequest) -> HttpResponse:
    form = CertificationFilterForm(request.GET or None)
    show = Show(form.cleaned_data["show"] or Show.CURRENT) if form.is_valid() else Show.CURRENT
    rows = queries.certifications_of(signed_in(request), timezone.localdate(), show)
    status = 422 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "rows": rows, "show": show}
    return render(request, "training/certification_list.html", context, status=status)
