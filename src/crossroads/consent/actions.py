"""Every write to consent records, and the one door every Part 2 disclosure goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from crossroads.consent.models import Consent, CourtOrder, DisclosureRecord, EmergencyAccess
from crossroads.consent.policy import Decision, Disclosure, Purpose, Reason, decide
from crossroads.core import audit
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.people.models import Person


@cache
def redisclosure_notice() -> str:
    """The §2.32 notice every disclosed Part 2 item carries, on every path (SECURITY.md 5)."""
    return Path(__file__).with_name("notice_2_32.txt").read_text().strip()


@dataclass(frozen=True)
class Disclosed:
    """The answer of the door: the decision, and the notice to show beside an allowed item."""

    decision: Decision
    record: DisclosureRecord

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    @property
    def notice(self) -> str:
        return redisclosure_notice() if self.allowed else ""


def disclosure_decide(
    *,
    by: User,
    person: Person,
    discloser: Agency,
    information: frozenset[str],
    purpose: Purpose,
    path: str,
    about: models.Model | None = None,
    at: datetime | None = None,
) -> Disclosed:
    """Decide, at this moment, whether `discloser` may show `by` these kinds of information about
    `person`, and record the decision (SECURITY.md 4, 8).

    Never cached: each page, API answer, CSV or PDF that would show the item calls this. The
    person's consents from the discloser are locked while deciding, so a revocation racing the
    disclosure waits for it (or it for the revocation): one of them wins, never both."""
    with transaction.atomic():
        consents = list(
            Consent.objects.select_for_update()
            .filter(person=person, discloser=discloser)
            .prefetch_related("recipients")
            .order_by("signed_at", "id")
        )
        # The lock above is taken first; the moment of disclosure is after it.
        moment = at or timezone.now()
        asked = Disclosure(
            patient_id=person.pk,
            discloser_id=discloser.pk,
            recipient_id=by.agency_id,
            recipient_classes=frozenset({by.agency.type}),
            purpose=purpose,
            information=information,
            at=moment,
        )
        orders, emergencies = _overrides(person, discloser, by.agency)
        decision = decide(
            [c.terms() for c in consents],
            asked,
            [o.override() for o in orders] + [e.override() for e in emergencies],
        )
        record = DisclosureRecord.objects.create(
            person=person,
            discloser=discloser,
            recipient_id=by.agency_id,
            recipient_user=by,
            information=sorted(information),
            purpose=purpose.value,
            path=path,
            about_type=about._meta.label_lower if about is not None else "",
            about_id=str(about.pk) if about is not None else "",
            at=moment,
            allowed=decision.allowed,
            reason=decision.reason.value,
            **_basis(decision, asked, consents, orders, emergencies),
        )
        audit.record(
            by=by,
            verb="disclosure.decide",
            obj=record,
            outcome=AuditEvent.Outcome.SUCCESS if decision.allowed else AuditEvent.Outcome.DENIED,
            detail={"reason": decision.reason.value, "path": path},
        )
    return Disclosed(decision, record)


def _overrides(
    person: Person, discloser: Agency, recipient: Agency
) -> tuple[list[CourtOrder], list[EmergencyAccess]]:
    scope = Q(person=person, discloser=discloser, recipient=recipient)
    orders = list(CourtOrder.objects.filter(scope, status=CourtOrder.Status.APPROVED))
    emergencies = list(EmergencyAccess.objects.filter(scope))
    return orders, emergencies


def _basis(
    decision: Decision,
    asked: Disclosure,
    consents: list[Consent],
    orders: list[CourtOrder],
    emergencies: list[EmergencyAccess],
) -> dict[str, object]:
    """Which consent, order or emergency allowed the disclosure, for the accounting."""
    if decision.reason is Reason.COVERED:
        return {"consent": next(c for c in consents if decide([c.terms()], asked).allowed)}
    if decision.reason is Reason.COURT_ORDER:
        covering = (o for o in orders if (terms := o.override()) and terms.covers(asked))
        return {"court_order": next(covering)}
    if decision.reason is Reason.EMERGENCY:
        return {"emergency": next(e for e in emergencies if e.override().covers(asked))}
    return {}
