"""Every write of calls for service and field encounters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import NamedTuple
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import Agency, ImportBatch, User
from crossroads.encounters.field_guide import field_guide
from crossroads.encounters.history import (
    HistoricCall,
    HistoricEncounter,
    HistoricScreen,
    HistoricUnit,
)
from crossroads.encounters.models import (
    CallForService,
    CallUnit,
    Encounter,
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
    book = rule_book()
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
    encounter.full_clean()
    try:
        with transaction.atomic():
            encounter.save()
            for screen in scored:
                screen.encounter = encounter
            EncounterScreen.objects.bulk_create(scored)
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
) -> ImportBatch:
    """Load past calls in bulk, all or nothing, with one audit event for the whole import.

    Calls whose external id the agency already has are skipped, so importing a file again adds
    nothing. The producer has validated the records (a mapping names every bad value by line
    and column); this writes them. `progress` gets the number of records handled so far.
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
        handled = 0
        for chunk in _chunks(records, IMPORT_CHUNK):
            fresh = [record for record in chunk if record.external_id not in known]
            known.update(record.external_id for record in fresh)
            _write_historic(agency, batch, fresh)
            batch.rows_written += len(fresh)
            batch.rows_skipped += len(chunk) - len(fresh)
            handled += len(chunk)
            progress(handled)
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


IMPORT_CHUNK = 5_000


def _chunks(records: Iterable[HistoricCall], size: int) -> Iterator[list[HistoricCall]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _write_historic(agency: Agency, batch: ImportBatch, records: list[HistoricCall]) -> None:
    """Insert one chunk of calls with their units, encounters and screens."""
    calls, units, encounters, screens = [], [], [], []
    zone = ZoneInfo(agency.time_zone)
    for record in records:
        call = _historic_call(agency, batch, record, zone)
        calls.append(call)
        units += [_historic_unit(call, unit) for unit in record.units]
        for index, given in enumerate(record.encounters):
            encounter = _historic_encounter(agency, call, record, index, given)
            encounters.append(encounter)
            screens += [_scored_historic(encounter, screen) for screen in given.screens]
    CallForService.objects.bulk_create(calls)
    CallUnit.objects.bulk_create(units)
    Encounter.objects.bulk_create(encounters)
    EncounterScreen.objects.bulk_create(screens)


def _historic_call(
    agency: Agency, batch: ImportBatch, record: HistoricCall, zone: ZoneInfo
) -> CallForService:
    return CallForService(
        agency=agency,
        number=record.external_id,
        year=record.received_at.astimezone(zone).year,
        external_id=record.external_id,
        import_batch=batch,
        source=record.source,
        initial_call_type=record.initial_call_type,
        final_call_type=record.final_call_type,
        behavioural_health=record.behavioural_health,
        flag_set_by=CallForService.FlagSetBy.IMPORT,
        received_at=record.received_at,
        dispatched_at=record.dispatched_at,
        arrived_at=record.arrived_at,
        cleared_at=record.cleared_at,
        location=record.location,
        precinct=record.precinct,
        sector=record.sector,
        beat=record.beat,
        response=record.response,
        status=record.status,
    )


def _historic_unit(call: CallForService, unit: HistoricUnit) -> CallUnit:
    return CallUnit(
        call=call,
        officer_id=unit.officer,
        external_officer_id=unit.external_officer_id,
        cit_certified=unit.cit_certified,
        dispatched_at=unit.dispatched_at,
    )


def _historic_encounter(
    agency: Agency, call: CallForService, record: HistoricCall, index: int, given: HistoricEncounter
) -> Encounter:
    return Encounter(
        agency=agency,
        call=call,
        officer_id=given.officer,
        officer_cit_certified=given.officer_cit_certified,
        # Derived from the source's id, so the same record always gets the same key.
        client_key=uuid5(IMPORT_NAMESPACE, f"{agency.pk}/{record.external_id}/{index}"),
        occurred_at=given.occurred_at,
        signs=sorted(given.signs),
        deescalation=sorted(given.deescalation),
        weapon_present=given.weapon_present,
        highest_force=given.highest_force,
        subject_injured=given.subject_injured,
        officer_injured=given.officer_injured,
        disposition=given.disposition,
        hold_legal_basis=given.hold_legal_basis,
        transport_destination=given.transport_destination,
        minutes_on_scene=given.minutes_on_scene,
        custody_transfer_minutes=given.custody_transfer_minutes,
        guide_version=field_guide().version,
        submitted_at=given.occurred_at,
    )


IMPORT_NAMESPACE = UUID("6f1d3a52-9a0c-4c47-8f0e-3f0b7c2f1e64")


def _scored_historic(encounter: Encounter, screen: HistoricScreen) -> EncounterScreen:
    scored = _scored(0, ScreenGiven(screen.instrument, list(screen.answers), screen.sex))
    scored.encounter = encounter
    return scored
