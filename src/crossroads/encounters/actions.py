"""Every write of calls for service and field encounters."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import islice
from typing import NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.actions import StaleVersion
from crossroads.core.models import Agency, ImportBatch, User
from crossroads.encounters import bulk
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.history import (
    HistoricCall,
    HistoricScreen,
)
from crossroads.encounters.models import (
    CallForService,
    CallStatusChange,
    CallUnit,
    Encounter,
    EncounterDraft,
    EncounterScreen,
)
from crossroads.people.models import Person
from crossroads.screening.catalog import catalog
from crossroads.screening.scoring import ScreeningInputError, score
from crossroads.training.models import Certification
from crossroads.triage.rules import CallFacts, recommend, refusal, rule_book

FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of other systems drift a little


def call_intake(
    *,
    by: User,
    source: str,
    initial_call_type: str,
    facts: CallFacts,
    response: str | None = None,
    override_reason: str = "",
    location: str = "",
    beat: str = "",
    received_at: datetime | None = None,
    client_key: UUID | None = None,
) -> CallForService:
    """Take a call: triage it, record the responses sent and, if they differ, why.

    A `client_key` seen before returns the call it made, so a resubmitted form takes no second
    call.
    """
    if client_key and (earlier := _taken_with(by, client_key)):
        return earlier
    try:
        book = rule_book(by.agency.triage_rule_book)
    except LookupError as missing:  # an agency set to a book no longer shipped
        raise ValidationError({"agency": str(missing)}) from missing
    recommendation = recommend(book, facts)
    response = response or recommendation.primary
    _check_choice(book.responses, response, recommendation.primary, override_reason)
    if problem := refusal(book, facts, response):
        raise ValidationError({"response": problem})
    received_at = _checked_time(received_at, "received_at")
    call = CallForService(
        agency=by.agency,
        client_key=client_key,
        source=source,
        initial_call_type=initial_call_type.strip(),
        behavioural_health=facts.behavioural_health,
        flag_set_by=CallForService.FlagSetBy.CALL_TAKER,
        received_at=received_at,
        location=location.strip(),
        beat=beat.strip(),
        facts=facts.model_dump(mode="json"),
        recommendation=recommendation.model_dump(mode="json"),
        response=response,
        also_sent=[unit for unit in recommendation.also if unit != response],
        overridden=response != recommendation.primary,
        override_reason=override_reason.strip() if response != recommendation.primary else "",
        status=CallForService.Status.TRIAGED,
        taken_by=by,
    )
    try:
        with transaction.atomic():
            _number(call)
            call.full_clean()
            call.save()
            CallStatusChange.objects.create(
                call=call, status=call.status, at=call.received_at, by=by
            )
            audit.record(
                by=by,
                verb="call.intake",
                obj=call,
                detail={
                    "response": response,
                    "overridden": call.overridden,
                    "rule_version": recommendation.rule_version,
                },
            )
    except IntegrityError:
        if client_key and (earlier := _taken_with(by, client_key)):
            return earlier  # the same form, submitted twice at once
        raise
    return call


def call_advance(
    *,
    by: User,
    call: CallForService,
    to: str,
    expected_version: int,
    at: datetime | None = None,
    officers: Sequence[User] = (),
    final_call_type: str = "",
    behavioural_health: bool | None = None,
    note: str = "",
) -> CallForService:
    """Move a call one step along its workflow (DOMAIN.md), recording who and when.

    Dispatching names the officers sent; each unit keeps whether its officer was CIT-certified
    at that moment. Dispositioning needs the final call type (reclassification is a measure)
    and may correct the behavioural-health flag from what responders found, marked as theirs.
    `call` comes through the access door (queries.call_for); officers through
    queries.dispatchable_officers.
    """
    with transaction.atomic():
        current = CallForService.objects.select_for_update().get(pk=call.pk)
        if current.version != expected_version:
            raise StaleVersion(current.version)
        moment = _step_time(current, at)
        _check_step(current, to, officers, final_call_type)
        if to == CallForService.Status.DISPATCHED:
            _send_units(current, officers, moment)
        _stamp(current, to, moment, final_call_type)
        _reflag(current, to, behavioural_health)
        current.status = to
        current.version += 1
        current.save()
        CallStatusChange.objects.create(call=current, status=to, at=moment, by=by, note=note)
        audit.record(
            by=by,
            verb="call.advance",
            obj=current,
            detail={
                "to": to,
                "units": len(officers),
                "final_call_type": current.final_call_type,
                "behavioural_health": current.behavioural_health,
            },
        )
    return current


def _step_time(call: CallForService, at: datetime | None) -> datetime:
    """When the step happened: given or now; never before the call's last step."""
    moment = _checked_time(at, "at")
    last = call.changes.order_by("-at").values_list("at", flat=True).first() or call.received_at
    if moment < last:
        raise ValidationError({"at": f"is before the call's last step ({last:%Y-%m-%d %H:%M})."})
    return moment


def _check_step(
    call: CallForService, to: str, officers: Sequence[User], final_call_type: str
) -> None:
    allowed = call.next_steps
    if to not in allowed:
        names = ", ".join(allowed) or "none: the call is closed"
        raise ValidationError(
            {"to": f"a {call.status} call cannot become {str(to)!r}; next steps: {names}."}
        )
    if to == CallForService.Status.DISPATCHED and not officers:
        raise ValidationError({"officers": "name the officers sent."})
    if to == CallForService.Status.DISPOSITIONED and not final_call_type.strip():
        raise ValidationError({"final_call_type": "give the call type it turned out to be."})


def _send_units(call: CallForService, officers: Sequence[User], moment: datetime) -> None:
    certified = Certification.objects.cit_certified(
        [officer.pk for officer in officers], _local_day(call.agency, moment)
    )
    CallUnit.objects.bulk_create(
        CallUnit(
            call=call, officer=officer, cit_certified=officer.pk in certified, dispatched_at=moment
        )
        for officer in officers
    )


def _stamp(call: CallForService, to: str, moment: datetime, final_call_type: str) -> None:
    """Copy the step's time to the call's own columns, which reports read."""
    if to == CallForService.Status.DISPATCHED:
        call.dispatched_at = call.dispatched_at or moment
    elif to == CallForService.Status.ON_SCENE:
        call.arrived_at = moment
    elif to == CallForService.Status.DISPOSITIONED:
        call.cleared_at = moment
        call.final_call_type = final_call_type.strip()


def _reflag(call: CallForService, to: str, behavioural_health: bool | None) -> None:
    """Responders know better than the call-taker whether there was a crisis: their answer,
    given when dispositioning, replaces the flag and is marked as set by an officer."""
    if behavioural_health is None or behavioural_health == call.behavioural_health:
        return
    if to != CallForService.Status.DISPOSITIONED:
        raise ValidationError({"behavioural_health": "is corrected when dispositioning the call."})
    call.behavioural_health = behavioural_health
    call.flag_set_by = CallForService.FlagSetBy.OFFICER


def _taken_with(by: User, client_key: UUID) -> CallForService | None:
    return CallForService.objects.filter(agency=by.agency, client_key=client_key).first()


def _checked_time(moment: datetime | None, field: str) -> datetime:
    """A time from a client: aware, and not in the future (now if none was given)."""
    now = timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):
        raise ValidationError({field: "give a time zone (for example 2026-11-26T09:30Z)."})
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError({field: "is in the future."})
    return moment


def _local_day(agency: Agency, moment: datetime) -> date:
    """The calendar day of a moment where the agency is: certifications run by local dates."""
    return moment.astimezone(ZoneInfo(agency.time_zone)).date()


def _check_choice(responses: dict[str, str], chosen: str, recommended: str, reason: str) -> None:
    if chosen not in responses:
        raise ValidationError({"response": f"{chosen!r} is not a response: {sorted(responses)}."})
    if chosen != recommended and not reason.strip():
        raise ValidationError(
            {
                "override_reason": (
                    f"You chose {responses[chosen]} instead of the recommended "
                    f"{responses[recommended]}: say why."
                )
            }
        )


def _number(call: CallForService) -> None:
    """Call numbers run per agency and year (in its time zone): C26-000001. The agency row is
    the lock, so two call-takers never get the same number."""
    agency = Agency.objects.select_for_update().get(pk=call.agency_id)
    call.year = call.received_at.astimezone(ZoneInfo(agency.time_zone)).year
    last = CallForService.objects.filter(agency=agency, year=call.year).aggregate(
        last=Max("sequence")
    )["last"]
    call.sequence = (last or 0) + 1
    call.number = f"C{call.year % 100:02d}-{call.sequence:06d}"


def encounter_submit(
    *,
    by: User,
    client_key: UUID,
    occurred_at: datetime,
    disposition: str,
    call: CallForService | None = None,
    person: Person | None = None,
    signs: Iterable[str] = (),
    deescalation: Iterable[str] = (),
    weapon_present: bool = False,
    highest_force: str = Encounter.Force.NONE,
    subject_injured: bool = False,
    officer_injured: bool = False,
    hold_legal_basis: str = "",
    transport_destination: str = "",
    minutes_on_scene: int | None = None,
    custody_transfer_minutes: int | None = None,
    narrative: str = "",
    screens: Iterable[ScreenGiven] = (),
) -> Encounter:
    """Record an encounter and the screens given during it, each scored now.

    The client's key makes a retried submit return the first record.

    `call` and `person` come through the access door (queries), so they are the officer's to use.
    """
    if earlier := Encounter.objects.filter(agency=by.agency, client_key=client_key).first():
        return earlier
    guide = field_guide()
    signs, deescalation = sorted(set(signs)), sorted(set(deescalation))
    _check_codes("signs", signs, guide.sign_codes)
    _check_codes("deescalation", deescalation, guide.technique_codes)
    if highest_force == Encounter.Force.UNSPECIFIED:
        raise ValidationError(
            {"highest_force": "say which force was used (unspecified is for imports)."}
        )
    if disposition == Encounter.Disposition.INVOLUNTARY_HOLD and not hold_legal_basis.strip():
        raise ValidationError({"hold_legal_basis": "an involuntary hold needs its legal basis."})
    if disposition in Encounter.TRANSPORTS and not transport_destination.strip():
        raise ValidationError({"transport_destination": "say where the person was taken."})
    if person is not None and person.agency_id != by.agency_id:
        raise ValidationError({"person": "record encounters with your agency's person records."})
    occurred_at = _checked_time(occurred_at, "occurred_at")
    scored = [_scored(index, screen) for index, screen in enumerate(screens)]
    encounter = Encounter(
        agency=by.agency,
        call=call,
        person=person,
        officer=by,
        officer_cit_certified=bool(
            Certification.objects.cit_certified([by.pk], _local_day(by.agency, occurred_at))
        ),
        client_key=client_key,
        occurred_at=occurred_at,
        signs=signs,
        deescalation=deescalation,
        weapon_present=weapon_present,
        highest_force=highest_force,
        subject_injured=subject_injured,
        officer_injured=officer_injured,
        disposition=disposition,
        hold_legal_basis=hold_legal_basis.strip(),
        transport_destination=transport_destination.strip(),
        minutes_on_scene=minutes_on_scene,
        custody_transfer_minutes=custody_transfer_minutes,
        narrative=narrative.strip(),
        guide_version=guide.version,
        submitted_at=timezone.now(),
    )
    # The related records came through the access door, and the one-per-client-key constraint
    # is the database's (a race ends in the IntegrityError below): checking either again here
    # would cost four queries on every submit.
    encounter.full_clean(
        exclude=["agency", "officer", "call", "person"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            encounter.save()
            for screen in scored:
                screen.encounter = encounter
            EncounterScreen.objects.bulk_create(scored)
            # The officer's autosaved form is now the record (ADR 0010).
            EncounterDraft.objects.filter(officer=by, client_key=client_key).delete()
            audit.record(
                by=by,
                verb="encounter.submit",
                obj=encounter,
                detail={
                    "disposition": disposition,
                    "highest_force": highest_force,
                    "screens": [screen.instrument for screen in scored],
                },
            )
    except IntegrityError:
        if earlier := Encounter.objects.filter(agency=by.agency, client_key=client_key).first():
            return earlier  # the same submit, retried while the first was being written
        raise
    return encounter


class ScreenGiven(NamedTuple):
    """A screen as the officer or clinician entered it: answers in item order."""

    instrument: str
    answers: list[int | None]
    sex: str | None = None


def _scored(index: int, given: ScreenGiven) -> EncounterScreen:
    """Score a screen, or refuse it naming the screen and the item at fault."""
    field = f"screens[{index}]"
    instrument = catalog().get(given.instrument)
    if instrument is None:
        raise ValidationError({field: f"unknown instrument {given.instrument!r}."})
    try:
        result = score(instrument, given.answers, sex=given.sex)
    except ScreeningInputError as error:
        raise ValidationError({field: f"{instrument.code}: {error}"}) from error
    return EncounterScreen(
        instrument=instrument.code,
        answers=list(given.answers),
        sex=given.sex or "",
        result=result.as_dict(),
        positive=result.positive,
    )


def _check_codes(field: str, given: list[str], known: frozenset[str]) -> None:
    if unknown := [code for code in given if code not in known]:
        raise ValidationError({field: f"unknown codes {unknown}; see GET /api/v1/field-guide."})


def calls_import(
    *,
    by: User | None,
    agency: Agency,
    records: Iterable[HistoricCall],
    source: ImportSource,
    progress: Callable[[int], None] = lambda _: None,
    tally: Callable[[], tuple[int, int]] | None = None,
) -> ImportBatch:
    """Load past calls in bulk, all or nothing, with one audit event for the whole import.

    Calls whose external id the agency already has are skipped, so importing a file again adds
    nothing. An encounter with a person reference (the source system's person id) is linked to
    the agency's person with that reference, created (without a name) the first time it comes;
    the audit event counts the persons created, and each points at the batch.
    The producer has validated the records (a mapping names every bad value by line and column);
    this writes them. `progress` gets the number of records handled so far.
    A producer that learns how many rows it read and rejected only as it goes (a file streamed
    through a mapping) passes `tally`, asked once the records are consumed; an exception raised
    by the records' iterator undoes the whole import.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            agency=agency,
            kind="calls",
            mapping=source.mapping,
            file_name=source.file_name,
            sha256=source.sha256,
            rows_read=source.rows_read,
            rows_rejected=source.rows_rejected,
            by=by,
            started_at=timezone.now(),
        )
        known = set(
            CallForService.objects.filter(agency=agency)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        people = {
            ref: key.hex
            for ref, key in Person.objects.filter(agency=agency)
            .exclude(external_ref="")
            .order_by()
            .values_list("external_ref", "pk")
        }
        handled = 0
        with bulk.HistoricWriter(
            agency=agency,
            batch=batch,
            guide_version=field_guide().version,
            connection=connection,
            scored=_scored_historic,
            people=people,
        ) as writer:
            for chunk in _chunks(records, IMPORT_CHUNK):
                fresh = []
                for record in chunk:
                    if record.external_id not in known:
                        known.add(record.external_id)  # also a repeat within the records
                        fresh.append(record)
                writer.write(fresh)
                batch.rows_written += len(fresh)
                batch.rows_skipped += len(chunk) - len(fresh)
                handled += len(chunk)
                progress(handled)
        if tally is not None:
            batch.rows_read, batch.rows_rejected = tally()
        batch.finished_at = timezone.now()
        batch.save()
        audit.record(
            by=by,
            agency=agency,
            verb="calls.import",
            obj=batch,
            detail={
                "file": source.file_name,
                "sha256": source.sha256,
                "mapping": source.mapping,
                "written": batch.rows_written,
                "skipped": batch.rows_skipped,
                "rejected": batch.rows_rejected,
                "people_created": writer.people_created,
            },
        )
    return batch


class ImportSource(NamedTuple):
    """Where imported records came from, for the batch record and its audit event."""

    file_name: str
    sha256: str
    mapping: str = ""
    rows_read: int = 0
    rows_rejected: int = 0


# Records prepared and written per round: enough that per-statement costs vanish, few enough
# that a chunk's rows stay a few megabytes.
IMPORT_CHUNK = 10_000


def _chunks(records: Iterable[HistoricCall], size: int) -> Iterator[list[HistoricCall]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _scored_historic(encounter_id: UUID, screen: HistoricScreen) -> EncounterScreen:
    scored = _scored(0, ScreenGiven(screen.instrument, list(screen.answers), screen.sex))
    scored.encounter_id = encounter_id
    return scored


DRAFT_MAX_CHARS = 60_000  # the longest narrative and every screen fit; a draft is no file store


def encounter_draft_save(
    *,
    by: User,
    client_key: UUID,
    data: Mapping[str, Sequence[str]],
    at: datetime | None = None,
) -> EncounterDraft | None:
    """Keep an officer's unsent encounter form on the server, under the form's client key.

    The first save of a draft is audited; later saves of it are not (ADR 0010). Returns None,
    keeping nothing, once the encounter with this key is submitted: an autosave that arrives
    after the submit must not bring the draft back. Drafts past their lifetime are removed.
    """
    fields = _draft_fields(data)
    now = at or timezone.now()
    if Encounter.objects.filter(agency=by.agency, client_key=client_key).exists():
        return None
    with transaction.atomic():
        draft, created = EncounterDraft.objects.update_or_create(
            officer=by,
            client_key=client_key,
            defaults={"data": fields, "updated_at": now},
            create_defaults={"data": fields, "created_at": now, "updated_at": now},
        )
        if created:
            audit.record(by=by, verb="encounter_draft.create", obj=draft)
    encounter_drafts_expire(at=now)
    return draft


def encounter_draft_discard(*, by: User, draft: EncounterDraft) -> None:
    """The officer throws a draft away. `draft` comes through queries.encounter_draft_for."""
    with transaction.atomic():
        audit.record(by=by, verb="encounter_draft.discard", obj=draft)
        draft.delete()


def encounter_drafts_expire(*, by: User | None = None, at: datetime | None = None) -> int:
    """Remove every draft not saved for EncounterDraft.LIFETIME, auditing each removal.

    Run by the system (`by=None`) whenever a draft is saved, so expired personal data does not
    wait for its owner to come back.
    """
    cutoff = (at or timezone.now()) - EncounterDraft.LIFETIME
    with transaction.atomic():
        expired = list(
            EncounterDraft.objects.select_for_update(of=("self",))
            .filter(updated_at__lt=cutoff)
            .select_related("officer__agency")
        )
        for draft in expired:
            audit.record(
                by=by, verb="encounter_draft.expire", obj=draft, agency=draft.officer.agency
            )
        EncounterDraft.objects.filter(pk__in=[draft.pk for draft in expired]).delete()
    return len(expired)


def _draft_fields(data: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The form's fields as typed: name -> values, empty ones left out, within the size limit."""
    fields = {
        str(name): [values] if isinstance(values, str) else [str(value) for value in values]
        for name, values in data.items()
    }
    fields = {name: values for name, values in fields.items() if any(values)}
    if len(json.dumps(fields)) > DRAFT_MAX_CHARS:
        raise ValidationError(
            {"data": f"a draft holds at most {DRAFT_MAX_CHARS:,} characters; submit it instead."}
        )
    return fields
