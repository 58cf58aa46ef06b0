"""Protected reads of calls: the agency's own, and those a partnership sends it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crossroads.core import access
from crossroads.core.models import DataCategory, Role, User
from crossroads.encounters.models import CallForService, Encounter, EncounterDraft

CATEGORY = DataCategory.CALLS_AND_ENCOUNTERS


def calls_visible_to(user: User) -> QuerySet[CallForService]:
    access.require_permission(user, "calls.view")
    agencies = access.visible_agency_ids(user, CATEGORY)
    # Units and steps are part of every call the API returns: two queries, not two per call.
    return (
        CallForService.objects.filter(agency_id__in=agencies)
        .select_related("agency", "taken_by")
        .prefetch_related("units", "changes")
    )


def recent_calls_for(user: User, limit: int = 50) -> list[CallForService]:
    """The newest calls the user may see; the list read is audited."""
    calls = list(calls_visible_to(user)[:limit])
    access.record_list_read(user, "callforservice", len(calls))
    return calls


def call_for(user: User, call_id: UUID) -> CallForService:
    """A call of the user's agency or one shared with it under an MOU (audited); else 404."""
    access.require_permission(user, "calls.view")
    call = get_object_or_404(
        CallForService.objects.select_related("agency", "taken_by").prefetch_related(
            "changes__by", "units__officer__agency"
        ),
        pk=call_id,
    )
    access.require_flow(user, owner_agency_id=call.agency_id, category=CATEGORY)
    access.record_read(user, call)
    return call


def dispatch_agency_ids(user: User) -> set[UUID]:
    """The agencies whose officers the user may send: the user's own, and those its calls go to
    under an MOU in force (a 911 centre's police departments). The caller checks permission."""
    return {user.agency_id, *access.recipient_agency_ids(user, CATEGORY)}


def dispatchable_officers(user: User) -> QuerySet[User]:
    """Officers the user may send: of the user's agency, or of one its calls go to under an MOU."""
    access.require_permission(user, "calls.update")
    agencies = dispatch_agency_ids(user)
    return (
        User.objects.filter(agency_id__in=agencies, is_active=True, locked_at__isnull=True)
        .filter(role_grants__role__in=[Role.OFFICER, Role.CIT_COORDINATOR])
        .select_related("agency")
        .distinct()
        .order_by("agency__name", "last_name", "first_name")
    )


def override_counts(user: User, days: int = 30) -> dict[str, int]:
    """How often the agency's call-takers chose another response than triage recommended."""
    since = timezone.now() - timedelta(days=days)
    calls = CallForService.objects.filter(agency_id=user.agency_id, received_at__gte=since)
    return calls.aggregate(calls=Count("pk"), overridden=Count("pk", filter=Q(overridden=True)))


def encounter_for(user: User, encounter_id: UUID) -> Encounter:
    """An encounter of the user's agency or shared with it under an MOU (audited); else 404."""
    access.require_permission(user, "encounters.view")
    encounter = get_object_or_404(Encounter.objects.select_related("agency"), pk=encounter_id)
    access.require_flow(user, owner_agency_id=encounter.agency_id, category=CATEGORY)
    access.record_read(user, encounter)
    return encounter


def screens_seen_by(user: User, encounter: Encounter) -> list[dict[str, Any]]:
    """The encounter's screens as this user may see them. Item-level answers go only to roles
    holding screens.items.view: police roles never receive them (SECURITY.md 2)."""
    items = user.can("screens.items.view")
    return [
        {
            "instrument": screen.instrument,
            "result": screen.result,
            "answers": screen.answers if items else None,
        }
        for screen in encounter.screens.all()
    ]


def encounter_drafts_of(user: User, limit: int = 5) -> list[EncounterDraft]:
    """The user's own unexpired drafts, newest first. Pages show only when each was saved, so
    listing them reads no personal data and is not audited (ADR 0010)."""
    access.require_permission(user, "encounters.record")
    fresh = EncounterDraft.objects.filter(
        officer=user,
        updated_at__gte=timezone.now() - EncounterDraft.LIFETIME,
    )
    return list(fresh.only("id", "client_key", "updated_at")[:limit])


def encounter_draft_for(user: User, draft_id: UUID) -> EncounterDraft:
    """The user's own unexpired draft (the read is audited); anyone else's answers 404."""
    access.require_permission(user, "encounters.record")
    draft = get_object_or_404(
        EncounterDraft,
        pk=draft_id,
        officer=user,
        updated_at__gte=timezone.now() - EncounterDraft.LIFETIME,
    )
    access.record_read(user, draft)
    return draft
