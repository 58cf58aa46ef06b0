"""Every write to referrals (ARCHITECTURE rule 2)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from crossroads.core import audit
from crossroads.core.models import User
from crossroads.directory.models import Service, ServiceAtLocation
from crossroads.encounters.models import Encounter
from crossroads.referrals.models import Referral


def referral_start(
    *,
    by: User,
    service: Service,
    site: ServiceAtLocation | None,
    encounter: Encounter | None,
    need: str,
    at: datetime,
) -> Referral:
    """A draft referral to a directory service, for the person of an encounter if there is one.

    The encounter must be the sender's own agency's: a partner who may read it did not meet the
    person, so it cannot refer them."""
    if site is not None and site.service_id != service.id:
        raise ValidationError({"site": "This place does not offer that service."})
    if encounter is not None and encounter.agency_id != by.agency_id:
        raise ValidationError({"encounter": "Only the agency that met the person can refer them."})
    with transaction.atomic():
        referral = Referral.objects.create(
            agency_id=by.agency_id,
            encounter=encounter,
            person_id=encounter.person_id if encounter else None,
            service=service,
            site=site,
            need=need,
            created_by=by,
            created_at=at,
        )
        audit.record(
            by=by,
            verb="referral.start",
            obj=referral,
            detail={"service": str(service.id), "need": need},
        )
    return referral
