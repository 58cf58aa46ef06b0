"""A referral as each side reads it: the facts both pages list, and the printable summary (PDF).

The sender's summary shows where the referral stands only as the consent door lets it through,
decided again when the PDF is made, with the §2.32 notice beside a disclosed status; the
provider's shows its own status and history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from crossroads.core import pdf
from crossroads.core.models import User
from crossroads.directory import taxonomy
from crossroads.referrals import queries
from crossroads.referrals.models import Referral
from crossroads.referrals.workflow import Side, Status, is_repeat

WHEN = "j M Y, H:i"


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    href: str = ""  # the page the text links to, on the page only
    narrative: bool = False  # free text the person typed: its line breaks are kept


def facts_of(referral: Referral, *, receiver: bool) -> list[Fact]:
    """What the referral asks. The provider reads who sent it; the sender alone may open its
    encounter."""
    site = referral.site
    location = site.location if site else None
    need = taxonomy.crossroads_taxonomy().by_code().get(referral.need)
    facts = [
        Fact("Person", _person(referral)),
        Fact("Service", referral.service.name),
        *([Fact("Where", location.name or "—")] if location else []),
        *([Fact("Need", need.name if need else referral.need)] if referral.need else []),
        Fact("Urgency", referral.get_urgency_display()),
        Fact("Handoff", referral.get_handoff_display()),
    ]
    started = f"{_when(referral.created_at)} ({referral.get_source_display().lower()})"
    if receiver:
        facts += [
            Fact("From", f"{referral.agency.name}: {referral.created_by.display_name}"),
            Fact("Started", started),
        ]
    else:
        facts.append(Fact("Started", f"{started} by {referral.created_by.display_name}"))
        if referral.encounter:
            link = reverse("encounters:encounter_detail", args=[referral.encounter.pk])
            facts.append(Fact("From the encounter", _when(referral.encounter.occurred_at), link))
    return facts + _sending(referral)


def _sending(referral: Referral) -> list[Fact]:
    facts = []
    if referral.sent_at and referral.receiving_agency:
        facts += [
            Fact("Sent", f"{_when(referral.sent_at)} to {referral.receiving_agency.name}"),
            Fact("To acknowledge by", _when(referral.acknowledge_by)),
        ]
    if referral.note:
        facts.append(Fact("Note for the provider", referral.note, narrative=True))
    if referral.consent:
        consent = referral.consent
        signed = f"Signed {date_filter(consent.signed_at, 'j M Y')} by {consent.signed_by}"
        facts.append(Fact("Consent attached", signed))
    return facts


def _person(referral: Referral) -> str:
    person = referral.person
    if person is None:
        return "Not named yet"
    born = f" (born {date_filter(person.date_of_birth, 'j M Y')})" if person.date_of_birth else ""
    return f"{person}{born}"


def _when(moment: datetime | None) -> str:
    return str(date_filter(moment, WHEN))


def document_for(user: User, referral: Referral) -> pdf.Document:
    """The printable summary for the user's side of the referral."""
    receiver = queries.side_of(user, referral) is Side.RECEIVER
    prepared = f"Prepared by {user.display_name}, {user.agency.name}, on {_when(timezone.now())}."
    title = f"Referral to {referral.service.name}"
    facts = [(fact.label, fact.text) for fact in facts_of(referral, receiver=receiver)]
    if receiver:
        return pdf.Document(
            title=title,
            prepared=prepared,
            facts=[("Where it stands", referral.get_status_display()), *facts],
            tables=[_history(referral)],
        )
    status = queries.provider_status_for(user, referral, "pdf")
    stands = status.label + (f" · {_when(status.at)}" if status.at else "")
    return pdf.Document(
        title=title,
        prepared=prepared,
        notice=status.notice,
        facts=[("Where it stands", stands), *facts],
    )


# What the history calls a repeat of the step before it (workflow.REPEATS).
REPEAT_LABELS = {Status.FIRST_SERVICE: "Another service attended"}


@dataclass(frozen=True)
class Step:
    """One move in the provider's history of its referral."""

    at: datetime
    label: str
    by: str
    note: str


def history_of(referral: Referral) -> list[Step]:
    """The referral's moves in the order they happened, for the receiving provider; a further
    service attended reads as such, not as the first service again."""
    steps = []
    previous: Status | None = None
    for event in referral.events.select_related("by").order_by("at", "id"):
        status = Status(event.status)
        repeat = previous is not None and is_repeat(previous, status)
        steps.append(
            Step(
                at=event.at,
                label=REPEAT_LABELS[status] if repeat else event.get_status_display(),
                by=event.by.display_name if event.by else "",
                note=event.note,
            )
        )
        previous = status
    return steps


def _history(referral: Referral) -> pdf.Table:
    return pdf.Table(
        heading="History",
        header=["When", "Status", "By", "Note"],
        rows=[[_when(step.at), step.label, step.by, step.note] for step in history_of(referral)],
        empty="Nothing has happened yet.",
    )
