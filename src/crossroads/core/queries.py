"""Protected reads of the core app, each through the access door."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from crossroads.core import access
from crossroads.core.models import ApiToken, AuditEvent, DataFlow, Partnership, User


def staff_of_agency(user: User) -> QuerySet[User]:
    """The user's agency's accounts, with their roles and second factors, in one round trip each."""
    access.require_permission(user, "users.view")
    return (
        User.objects.filter(agency_id=user.agency_id)
        .prefetch_related("role_grants", "totpdevice_set")
        .order_by("last_name", "first_name")
    )


def staff_page_for(
    user: User, *, offset: int = 0, limit: int | None = None
) -> tuple[list[User], int]:
    """One page of the staff list and the total: personal data, so the page read is audited."""
    staff = staff_of_agency(user)
    end = None if limit is None else offset + limit
    page = list(staff[offset:end])
    access.record_list_read(user, "user", len(page))
    return page, staff.count() if limit is not None else len(page)


def locked_staff_for(user: User) -> list[User]:
    """Locked accounts an administrator should release; shown by name, so the read is audited."""
    locked = list(staff_of_agency(user).filter(locked_at__isnull=False))
    if locked:
        access.record_list_read(user, "user", len(locked))
    return locked


def previous_sign_in(user: User) -> AuditEvent | None:
    """The sign-in before this one, so a person notices one that was not theirs."""
    signed_in = AuditEvent.objects.filter(actor=user, verb="auth.mfa.success").order_by("-seq")
    return signed_in[1:2].first()


def staff_member_for(user: User, staff_id: UUID) -> User:
    """A staff account of the user's own agency (the read is audited); another agency's: 404."""
    access.require_permission(user, "users.view")
    member = get_object_or_404(
        User.objects.select_related("agency").prefetch_related("role_grants", "totpdevice_set"),
        pk=staff_id,
    )
    access.require_agency(user, member.agency_id)
    access.record_read(user, member)
    return member


def partnerships_of(user: User) -> QuerySet[Partnership]:
    flows = DataFlow.objects.select_related("source", "recipient")
    return (
        Partnership.objects.filter(parties=user.agency_id)
        .prefetch_related("parties", Prefetch("flows", queryset=flows))
        .order_by("-starts_on")
    )


def partnership_for(user: User, partnership_id: UUID) -> Partnership:
    """A partnership the user's agency is party to; any other answers 404."""
    return get_object_or_404(partnerships_of(user), pk=partnership_id)


def own_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def own_token_for(user: User, token_id: UUID) -> ApiToken:
    return get_object_or_404(own_tokens(user), pk=token_id)


def audit_events_of_agency(user: User) -> QuerySet[AuditEvent]:
    """The audit trail of the user's agency, newest first."""
    access.require_permission(user, "audit.view")
    return AuditEvent.objects.filter(agency_id=user.agency_id).order_by("-seq")
