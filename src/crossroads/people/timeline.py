"""A person's timeline across encounters, referrals, program events, consents and flags, holding
only what the viewer may see (issue 5).

Each kind of record keeps its own rule, applied here through the read it already has:
- encounters: the agency's own, and those a partnership sends it (calls and encounters);
- referrals: the receiving provider reads its referral whole; the sender reads its own facts and,
  of the provider's answers, only what `provider_status_for` lets through the consent door;
- program cases: the program's agency reads every event; the agency that referred the person
  learns that it referred them and, through the consent door, how the person is doing — refused,
  it reads only "No consent on file";
- consents: the parties to them (consent.queries.consents_of).

Flags are not history but a warning in force: pages show `flags_shown_to` above the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from crossroads.consent.actions import disclosure_decide
from crossroads.consent.policy import NO_CONSENT
from crossroads.consent.queries import consents_of
from crossroads.core import access
from crossroads.core.models import DataCategory, User
from crossroads.encounters.models import Encounter
from crossroads.people.models import Person
from crossroads.programs.models import Case, CaseEvent
from crossroads.programs.types import label_of
from crossroads.referrals.models import Referral
from crossroads.referrals.queries import provider_status_for, side_of
from crossroads.referrals.workflow import Side


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # encounter | referral | program | consent
    title: str
    detail: str
    notice: str = ""  # the §2.32 notice beside a disclosed Part 2 item
    url: str = ""


def timeline_for(user: User, person: Person, *, path: str) -> list[Entry]:
    """Everything the user may see about the person, newest first. `path` (page or api) is
    recorded with every disclosure decision the timeline makes."""
    entries = [
        *_encounters(user, person),
        *_referrals(user, person, path),
        *_cases(user, person, path),
        *_consents(user, person),
    ]
    access.record_list_read(user, "timeline_entry", len(entries))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _encounters(user: User, person: Person) -> list[Entry]:
    if not user.can("encounters.view"):
        return []
    agencies = access.visible_agency_ids(user, DataCategory.CALLS_AND_ENCOUNTERS)
    found = Encounter.objects.filter(person=person, agency_id__in=agencies).select_related("agency")
    return [
        Entry(
            at=encounter.occurred_at,
            kind="encounter",
            title=f"Encounter: {encounter.get_disposition_display()}",
            detail=encounter.agency.short_name,
            url=reverse("encounters:encounter_detail", args=[encounter.pk]),
        )
        for encounter in found
    ]


def _referrals(user: User, person: Person, path: str) -> list[Entry]:
    """The person's referrals as the user's side sees them (referrals.queries.side_of): the
    receiver its own answer, the sender the provider's status through the door."""
    found = (
        Referral.objects.filter(Q(agency_id=user.agency_id) | Q(receiving_agency_id=user.agency_id))
        .filter(person=person)
        .select_related("service", "agency", "receiving_agency", "person")
        .prefetch_related("events")
    )
    entries = []
    for referral in found:
        url = reverse("referrals:referral_detail", args=[referral.pk])
        title = f"Referral to {referral.service.name}"
        side = side_of(user, referral)
        if side is Side.RECEIVER:
            detail = referral.get_status_display()
            entries.append(
                Entry(referral.sent_at or referral.created_at, "referral", title, detail, url=url)
            )
        elif side is Side.SENDER and user.can("referrals.view"):
            shown = provider_status_for(user, referral, path)
            entries.append(
                Entry(referral.created_at, "referral", title, shown.label, shown.notice, url)
            )
    return entries


def _cases(user: User, person: Person, path: str) -> list[Entry]:
    if not user.can("programs.view"):
        return []
    # One query for every case's events, not one per case.
    found = (
        Case.objects.filter(person=person)
        .select_related("program", "agency", "person")
        .prefetch_related("events")
    )
    entries: list[Entry] = []
    for case in found:
        if case.agency_id == user.agency_id:
            entries.extend(_case_events(case))
        elif case.referred_by_agency_id == user.agency_id:
            entries.append(_participation(user, case, path))
    return entries


def _case_events(case: Case) -> list[Entry]:
    url = reverse("programs:case_detail", args=[case.pk])
    return [
        Entry(
            at=event.at,
            kind="program",
            title=f"{case.program.name}: {event.get_kind_display().lower()}",
            detail=_event_detail(case, event),
            url=url,
        )
        for event in case.events.all()
    ]


def _event_detail(case: Case, event: CaseEvent) -> str:
    if event.kind == CaseEvent.Kind.STATUS:
        return _status_label(case, event.value)
    if event.kind == CaseEvent.Kind.OPENED:
        return label_of(event.value)  # the entry path
    return event.value


def _status_label(case: Case, code: str) -> str:
    status = case.program.spec.statuses.get(code)
    return status.label if status is not None else code


def _participation(user: User, case: Case, path: str) -> Entry:
    """What the referring agency learns of a case: that it referred the person (its own fact)
    and, only under consent, the status the program gives now."""
    purpose = case.program.spec.disclosure_purpose
    disclosed = disclosure_decide(
        by=user,
        person=case.person,
        discloser=case.agency,
        information=frozenset({"program_participation"}),
        purpose=purpose,
        path=path,
        about=case,
    )
    title = f"Referred to {case.program.name}"
    if not disclosed.allowed:
        return Entry(case.opened_at, "program", title, NO_CONSENT)
    return Entry(
        case.opened_at, "program", title, _status_label(case, case.status), disclosed.notice
    )


def _consents(user: User, person: Person) -> list[Entry]:
    if not user.can("consent.view"):
        return []
    return [
        Entry(
            at=consent.signed_at,
            kind="consent",
            title=f"Consent for {consent.discloser.short_name} to share",
            detail="revoked" if consent.revoked_at else "signed",
            url=reverse("consent:consent_detail", args=[consent.pk]),
        )
        for consent in consents_of(user, person)
    ]
