"""Every write to referrals (ARCHITECTURE rule 2): start a draft, edit it, send it, move it
along the closed loop (workflow.py says which moves are legal and whose), and remind a sender
whose referral nobody acknowledged in time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crossroads.consent.models import Consent
from crossroads.consent.policy import Purpose
from crossroads.core import audit
from crossroads.core.actions import StaleVersion, task_complete, task_raise
from crossroads.core.models import Task, User
from crossroads.directory import taxonomy
from crossroads.directory.models import Service, ServiceAtLocation
from crossroads.encounters.models import Encounter
from crossroads.people.models import Person
from crossroads.programs.models import Case
from crossroads.referrals.models import Referral, ReferralEvent
from crossroads.referrals.queries import provider_of, side_of
from crossroads.referrals.workflow import (
    ACKNOWLEDGEMENTS,
    IllegalMove,
    Side,
    Status,
    check_move,
    is_repeat,
)

NOTE_LENGTH = 2000  # the note for the provider
EVENT_NOTE_LENGTH = ReferralEvent._meta.get_field("note").max_length or 500
REASON_LENGTH = Referral._meta.get_field("decline_reason").max_length or 500
UNACKNOWLEDGED = "referral.unacknowledged"  # the rule of the sender's reminder task
NOT_IN_CROSSROADS = (
    "This provider does not receive referrals through Crossroads: give the person the listing, "
    "or send the FHIR export."
)


def referral_start(
    *,
    by: User,
    service: Service,
    site: ServiceAtLocation | None,
    encounter: Encounter | None,
    need: str,
    at: datetime,
    case: Case | None = None,
    person: Person | None = None,
    urgency: str = Referral.Urgency.TODAY,
    handoff: str = Referral.Handoff.WARM,
    note: str = "",
) -> Referral:
    """A draft referral to a directory service, from an encounter, a program case, or a walk-in.

    The encounter or case must be the sender's own agency's: a partner who may read it did not
    meet the person, so it cannot refer them. A walk-in names the person directly (one of the
    agency's own people) or nobody yet; a draft without a person cannot be sent."""
    if site is not None and site.service_id != service.id:
        raise ValidationError({"site": "This place does not offer that service."})
    if encounter is not None and case is not None:
        raise ValidationError({"case": "Refer from the encounter or from the case, not both."})
    if encounter is not None and encounter.agency_id != by.agency_id:
        raise ValidationError({"encounter": "Only the agency that met the person can refer them."})
    if case is not None and case.agency_id != by.agency_id:
        raise ValidationError({"case": "Only the agency running the program can refer from it."})
    if need and need not in taxonomy.crossroads_taxonomy().codes("category"):
        raise ValidationError({"need": "Choose a need from the directory's categories."})
    _check_choices(urgency=urgency, handoff=handoff)
    _check_note(note)
    with transaction.atomic():
        referral = Referral.objects.create(
            agency_id=by.agency_id,
            source=_source(encounter, case),
            encounter=encounter,
            case=case,
            person=_person(by, encounter, case, person),
            service=service,
            site=site,
            need=need,
            urgency=urgency,
            handoff=handoff,
            note=note.strip(),
            created_by=by,
            created_at=at,
        )
        ReferralEvent.objects.create(referral=referral, status=Status.DRAFT, at=at, by=by)
        audit.record(
            by=by,
            verb="referral.start",
            obj=referral,
            detail={"service": str(service.id), "need": need, "source": referral.source},
        )
    return referral


def _source(encounter: Encounter | None, case: Case | None) -> str:
    if encounter is not None:
        return Referral.Source.ENCOUNTER
    if case is not None:
        return Referral.Source.CASE
    return Referral.Source.WALK_IN


def _person(
    by: User, encounter: Encounter | None, case: Case | None, given: Person | None
) -> Person | None:
    """The person referred: the encounter's or the case's, or the walk-in given directly."""
    known = encounter.person if encounter is not None else case.person if case else None
    if given is None:
        return known
    if known is not None and known.pk != given.pk:
        raise ValidationError({"person": "This is not the person of the encounter or case."})
    if known is None and given.agency_id != by.agency_id:
        raise ValidationError({"person": "Only a person your agency met can be referred."})
    return given


def _check_choices(*, urgency: str, handoff: str) -> None:
    if urgency not in Referral.Urgency.values:
        raise ValidationError({"urgency": f"Choose one of {', '.join(Referral.Urgency.values)}."})
    if handoff not in Referral.Handoff.values:
        raise ValidationError({"handoff": f"Choose one of {', '.join(Referral.Handoff.values)}."})


def _check_note(note: str) -> None:
    if len(note.strip()) > NOTE_LENGTH:
        raise ValidationError({"note": f"Use at most {NOTE_LENGTH} characters."})


def _locked(referral: Referral, expected_version: int) -> Referral:
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.version != expected_version:
        raise StaleVersion(current.version)
    return current


def referral_update(
    *,
    by: User,
    referral: Referral,
    urgency: str,
    handoff: str,
    note: str,
    consent: Consent | None,
    expected_version: int,
) -> Referral:
    """Edit a draft: its urgency, handoff, note for the provider, and the consent under which
    the provider may tell the sender how it went (the person's, given to that provider)."""
    _check_choices(urgency=urgency, handoff=handoff)
    _check_note(note)
    with transaction.atomic():
        current = _locked(referral, expected_version)
        if current.agency_id != by.agency_id:
            raise ValidationError({"referral": "Only the agency that started it can edit it."})
        if current.status != Status.DRAFT:
            raise ValidationError({"status": "Only a draft can be edited: this one was sent."})
        if consent is not None:
            _check_consent(current, consent)
        edited = {"urgency": urgency, "handoff": handoff, "note": note.strip()}
        changed = sorted(name for name, value in edited.items() if getattr(current, name) != value)
        if consent != current.consent:
            changed.append("consent")
        for name, value in edited.items():
            setattr(current, name, value)
        current.consent = consent
        current.version += 1
        current.save()
        audit.record(
            by=by,
            verb="referral.update",
            obj=current,
            detail={"changed": changed, "consent": str(consent.pk) if consent else None},
        )
    return current


def _check_consent(referral: Referral, consent: Consent) -> None:
    """A consent to attach is the referral person's, given to the provider that keeps the
    service's listing (the one that will answer)."""
    if referral.person_id is None or consent.person_id != referral.person_id:
        raise ValidationError({"consent": "This consent is not the referred person's."})
    provider = provider_of(referral.service)
    if provider is None:
        raise ValidationError({"consent": NOT_IN_CROSSROADS})
    if consent.discloser_id != provider.pk:
        raise ValidationError(
            {"consent": f"This consent is not for {provider.name}, which keeps this listing."}
        )


def referral_send(
    *, by: User, referral: Referral, expected_version: int, at: datetime | None = None
) -> Referral:
    """Send a draft to the agency that keeps the service's listing; its inbox shows it from now
    on, and its acknowledgement is due within the time set for the referral's urgency."""
    return referral_move(
        by=by, referral=referral, to=Status.SENT, expected_version=expected_version, at=at
    )


def referral_move(
    *,
    by: User,
    referral: Referral,
    to: str,
    note: str = "",
    reason: str = "",
    scheduled_for: datetime | None = None,
    expected_version: int,
    at: datetime | None = None,
) -> Referral:
    """Move a referral one step along its loop, as the side the user's agency holds (the sender
    sends; the receiving provider makes every later move). Each move is a ReferralEvent, dated
    `at` (a step recorded after the fact) or now."""
    target = _status(to)
    note, reason = note.strip(), reason.strip()
    if len(note) > EVENT_NOTE_LENGTH:
        raise ValidationError({"note": f"Use at most {EVENT_NOTE_LENGTH} characters."})
    now = at or timezone.now()
    with transaction.atomic():
        current = _locked(referral, expected_version)
        side = side_of(by, current)
        if side is None:
            raise ValidationError(
                {"status": "Only the agency that sent it or the one that receives it can move it."}
            )
        _check_in_order(current, now)
        previous = Status(current.status)
        try:
            check_move(previous, target, side)
        except IllegalMove as illegal:
            raise ValidationError({"status": str(illegal)}) from None
        _apply(current, target, now=now, reason=reason, scheduled_for=scheduled_for)
        if target in ACKNOWLEDGEMENTS and current.acknowledged_at is None:
            current.acknowledged_at = now
            _close_reminder(current, by)
        current.status = target
        current.version += 1
        current.save()
        ReferralEvent.objects.create(referral=current, status=target, at=now, by=by, note=note)
        audit.record(
            by=by,
            verb=f"referral.{target}",
            obj=current,
            detail={"from": previous.value, "side": side.value},
        )
    return current


def _check_in_order(referral: Referral, at: datetime) -> None:
    """A step recorded after the fact still comes after the step it follows."""
    last = referral.events.order_by("-at").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise ValidationError({"at": "A step cannot come before the one it follows."})


def _status(to: str) -> Status:
    try:
        return Status(to)
    except ValueError:
        raise ValidationError({"status": f"{to!r} is not a referral status."}) from None


def _apply(
    referral: Referral,
    to: Status,
    *,
    now: datetime,
    reason: str,
    scheduled_for: datetime | None,
) -> None:
    """What reaching `to` records beyond the status itself (`referral` still stands where it
    was)."""
    if to is Status.SENT:
        _address(referral, now)
    elif to is Status.DECLINED:
        if not reason:
            raise ValidationError({"reason": "Say why the referral is declined."})
        if len(reason) > REASON_LENGTH:
            raise ValidationError({"reason": f"Use at most {REASON_LENGTH} characters."})
        referral.decline_reason = reason
    elif to is Status.SCHEDULED:
        if scheduled_for is None:
            raise ValidationError({"scheduled_for": "Give the appointment's date and time."})
        if timezone.is_naive(scheduled_for):
            raise ValidationError({"scheduled_for": "Give the time with its time zone."})
        referral.scheduled_for = scheduled_for
    elif to is Status.FIRST_SERVICE and not is_repeat(Status(referral.status), to):
        # a further service attended keeps the first's time: engagement is counted from it
        referral.first_service_at = now


def _address(referral: Referral, now: datetime) -> None:
    """Sending fixes who receives the referral, by when it must be acknowledged, and the purpose
    of whatever the provider may tell the sender."""
    if referral.person_id is None:
        raise ValidationError(
            {"person": "Say whom the referral is for: the provider needs to know who is coming."}
        )
    provider = provider_of(referral.service)
    if provider is None:
        raise ValidationError({"service": NOT_IN_CROSSROADS})
    if referral.consent is not None and referral.consent.discloser_id != provider.pk:
        raise ValidationError({"consent": f"This consent is not for {provider.name}."})
    hours = settings.REFERRAL_ACKNOWLEDGE_HOURS[referral.urgency]
    referral.receiving_agency = provider
    referral.sent_at = now
    referral.acknowledge_by = now + timedelta(hours=hours)
    referral.disclosure_purpose = _purpose(referral)


def _purpose(referral: Referral) -> Purpose:
    """A referral from a program case is made for the program's purpose; any other, for
    treatment."""
    case = referral.case
    return case.program.spec.disclosure_purpose if case is not None else Purpose.TREATMENT


def _close_reminder(referral: Referral, by: User) -> None:
    """The provider answered: the sender's reminder, if one was raised, is done."""
    reminder = Task.objects.filter(
        about_type=Referral._meta.label_lower,
        about_id=str(referral.pk),
        rule=UNACKNOWLEDGED,
        done_at__isnull=True,
    ).first()
    if reminder is not None:
        task_complete(task=reminder, by=by)


def referral_acknowledgements_check(*, now: datetime) -> int:
    """The system's sweep: every sent referral past its acknowledgement time with no answer
    raises one task for the person who sent it. Running it again raises nothing new (a rule
    raises its task once). Returns how many tasks it raised; a sweep that raised any is
    audited once, beside each task's own event."""
    with transaction.atomic():
        overdue = list(
            Referral.objects.filter(
                status=Status.SENT, acknowledged_at__isnull=True, acknowledge_by__lte=now
            ).select_related("agency", "created_by", "service")
        )
        reminded = set(
            Task.objects.filter(
                about_type=Referral._meta.label_lower,
                about_id__in=[str(referral.pk) for referral in overdue],
                rule=UNACKNOWLEDGED,
            ).values_list("about_id", flat=True)
        )
        due = [referral for referral in overdue if str(referral.pk) not in reminded]
        for referral in due:
            task_raise(
                agency=referral.agency,
                assignee=referral.created_by,
                rule=UNACKNOWLEDGED,
                about=referral,
                due_at=now,
                title=f"No answer yet to your referral to {referral.service.name}"[:200],
                by=None,
            )
        if due:
            audit.record(
                by=None, verb="referral.acknowledgements_check", detail={"raised": len(due)}
            )
    return len(due)


def referrals_expire(*, now: datetime) -> int:
    """The system's sweep: a referral sent more than REFERRAL_EXPIRE_DAYS ago that its provider
    never accepted or declined expires, and its sender sees "Expired" (their own fact). Returns
    how many expired; audited once per sweep, each referral keeping its ReferralEvent."""
    cutoff = now - timedelta(days=settings.REFERRAL_EXPIRE_DAYS)
    with transaction.atomic():
        stale = list(
            Referral.objects.select_for_update().filter(
                status__in=[Status.SENT, Status.RECEIVED], sent_at__lte=cutoff
            )
        )
        for referral in stale:
            check_move(Status(referral.status), Status.EXPIRED, Side.SYSTEM)
            referral.status = Status.EXPIRED
            referral.version += 1
            referral.save(update_fields=["status", "version"])
            ReferralEvent.objects.create(
                referral=referral, status=Status.EXPIRED, at=now, by=None, note="No answer in time."
            )
        if stale:
            audit.record(by=None, verb="referral.expire", detail={"expired": len(stale)})
    return len(stale)
