"""Every write of calls for service."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import Agency, User
from crossroads.encounters.models import CallForService
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
    received_at = _checked_time(received_at)
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


def _checked_time(received_at: datetime | None) -> datetime:
    now = timezone.now()
    if received_at is None:
        return now
    if timezone.is_naive(received_at):
        raise ValidationError({"received_at": "give a time zone (for example 2026-11-26T09:30Z)."})
    if received_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"received_at": "is in the future."})
    return received_at


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
