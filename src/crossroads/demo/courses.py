"""The demo county's training calendar: the week-long CIT course that ended a few days ago, with
its roll, hours and knowledge checks, waiting for the coordinator to complete it (completing it
certifies the night-watch officers on it, and the coverage page shows the gaps they close); a
refresher ahead for officers whose certification lapses soon; and the 911 course for dispatchers.
Everything is written through the training actions, as a coordinator would.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from crossroads.core.models import Agency, User
from crossroads.training import actions, knowledge
from crossroads.training.curricula import shipped
from crossroads.training.models import Certification, RosterAssignment, TrainingSession

ON_THE_COURSE = 8  # the night-watch officers on the CIT course that just ended
MISSED_MODULE = "de_escalation"  # one of them missed a day: no certification until made up
PRE_RIGHT, POST_RIGHT = 0.55, 0.85  # chance of a right answer before and after the week


@dataclass
class Calendar:
    sessions: list[TrainingSession] = field(default_factory=list)


def load(
    agencies: dict[str, Agency], staff: Sequence[User], *, seed: int, now: datetime
) -> Calendar:
    """The sessions of the calendar above, written through the training actions."""
    rng = random.Random(f"{seed}/training")  # nosec B311  (synthetic data)
    police, dispatch = agencies["rpd"], agencies["e911"]
    today = now.astimezone(ZoneInfo(police.time_zone)).date()
    coordinator = next(u for u in staff if u.username == "cit.coordinator")
    calendar = Calendar()
    calendar.sessions.append(_course_just_ended(police, coordinator, today, rng))
    calendar.sessions.append(_refresher_ahead(police, coordinator, today))
    dispatchers = [u for u in staff if u.agency_id == dispatch.pk and u.can("calls.intake")]
    calendar.sessions.append(
        _scheduled(dispatch, "dispatcher_cit", today + timedelta(days=17), dispatchers[:4])
    )
    return calendar


def _course_just_ended(
    police: Agency, coordinator: User, today: date, rng: random.Random
) -> TrainingSession:
    """Monday to Friday of last week, on the roll the officers of the night watches who have
    never been certified; checks before the Monday and on the Friday."""
    monday = today - timedelta(days=today.weekday() + 7)
    friday = monday + timedelta(days=4)
    session = actions.session_create(
        by=None,
        agency=police,
        course="cit",
        starts_on=monday,
        ends_on=friday,
        location="Riverton PD training room and county site visits",
        instructors=[coordinator],
    )
    spec = shipped().by_code()["cit"]
    for n, officer in enumerate(_never_certified_on_nights(police, today)[:ON_THE_COURSE]):
        hours = {m.code: m.hours for m in spec.modules}
        if n == ON_THE_COURSE - 1:
            hours[MISSED_MODULE] = Decimal(4)
        actions.attendance_record(
            by=None, session=session, officer=officer, expected_version=session.version,
            module_hours=hours,
        )  # fmt: skip
        session.refresh_from_db()
        _take_checks(session, officer, monday, friday, rng)
    return session


def _never_certified_on_nights(police: Agency, today: date) -> list[User]:
    certified = set(
        Certification.objects.filter(agency=police, course="cit").values_list(
            "officer_id", flat=True
        )
    )
    on_nights = RosterAssignment.objects.filter(
        agency=police, squad__shift__code="night", ends_on__isnull=True
    ).select_related("officer")
    return sorted(
        (a.officer for a in on_nights if a.officer_id not in certified),
        key=lambda officer: officer.username,
    )


def _take_checks(
    session: TrainingSession,
    officer: User,
    monday: date,
    friday: date,
    rng: random.Random,
) -> None:
    """The check before, on the Monday morning, and after, on the Friday afternoon."""
    bank = knowledge.load_bank("cit")
    zone = ZoneInfo(session.agency.time_zone)
    taken = (
        (knowledge.PRE, datetime.combine(monday, time(8), tzinfo=zone), PRE_RIGHT),
        (knowledge.POST, datetime.combine(friday, time(16), tzinfo=zone), POST_RIGHT),
    )
    for phase, at, right in taken:
        answers = {
            item.code: item.correct if rng.random() < right else _wrong(item, rng)
            for item in bank.items
        }
        actions.check_submit(by=officer, session=session, phase=phase, answers=answers, at=at)


def _wrong(item: knowledge.Item, rng: random.Random) -> str:
    return rng.choice(sorted(code for code in item.options if code != item.correct))


def _refresher_ahead(police: Agency, coordinator: User, today: date) -> TrainingSession:
    """The refresher a month ahead, for the officers whose certification lapses before then
    or soon after: they renew rather than retake the week."""
    lapsing = (
        Certification.objects.filter(
            agency=police,
            course="cit",
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=120),
        )
        .select_related("officer")
        .order_by("expires_on")
    )
    session = actions.session_create(
        by=None,
        agency=police,
        course="cit_refresher",
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=30),
        location="Riverton PD training room",
        instructors=[coordinator],
    )
    for held in lapsing:
        actions.attendance_record(
            by=None, session=session, officer=held.officer, expected_version=session.version
        )
        session.refresh_from_db()
    return session


def _scheduled(
    agency: Agency, course: str, starts_on: date, roll: Sequence[User]
) -> TrainingSession:
    session = actions.session_create(
        by=None, agency=agency, course=course, starts_on=starts_on, ends_on=starts_on
    )
    for person in roll:
        actions.attendance_record(
            by=None, session=session, officer=person, expected_version=session.version
        )
        session.refresh_from_db()
    return session
