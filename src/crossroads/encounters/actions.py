"""Every write of calls for service."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import Agency, User
from crossroads.encounters.models import CallForService
from crossroads.triage.rules import CallFacts, recommend, refusal, rule_book


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
) -> CallForService:
    """Take a call: triage it, record the response chosen and, if it differs, why."""
    book = rule_book()
    recommendation = recommend(book, facts)
    response = response or recommendation.primary
    _check_choice(book.responses, response, recommendation.primary, override_reason)
    if problem := refusal(book, facts, response):
        raise ValidationError({"response": problem})
    call = CallForService(
        agency=by.agency,
        source=source,
        initial_call_type=initial_call_type.strip(),
        behavioural_health=facts.behavioural_health,
        flag_set_by=CallForService.FlagSetBy.CALL_TAKER,
        received_at=received_at or timezone.now(),
        location=location.strip(),
        beat=beat.strip(),
        facts=facts.model_dump(mode="json"),
        recommendation=recommendation.model_dump(mode="json"),
        response=response,
        overridden=response != recommendation.primary,
        override_reason=override_reason.strip() if response != recommendation.primary else "",
        status=CallForService.Status.TRIAGED,
        taken_by=by,
    )
    with transaction.atomic():
        call.number = _next_number(by.agency, call.received_at)
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
    return call


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


def _next_number(agency: Agency, received_at: datetime) -> str:
    """Call numbers run per agency and year: C26-000001. The agency row is the lock."""
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    prefix = f"C{received_at:%y}-"
    last = (
        CallForService.objects.filter(agency=agency, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:06d}"
