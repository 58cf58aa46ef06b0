"""Protected reads of referrals. Issue 5 opens them to the receiving provider under consent;
until then a referral is read only by the agency that started it."""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404

from crossroads.core import access
from crossroads.core.models import User
from crossroads.referrals.models import Referral


def referral_for(user: User, referral_id: UUID) -> Referral:
    """A referral the user's agency started (audited); else 404."""
    access.require_permission(user, "referrals.view")
    referral = get_object_or_404(
        Referral.objects.select_related("agency", "service", "site", "created_by"),
        pk=referral_id,
    )
    access.require_agency(user, referral.agency_id)
    access.record_read(user, referral)
    return referral
