"""The one door for protected reads: permission, agency and partnership scoping, audited reads.

Each app's queries.py builds its `<noun>_for(user, id)` functions from these primitives. A
record the user's agency may not see answers 404, so its existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from crossroads.core import audit
from crossroads.core.models import DataFlow, Partnership, User


def signed_in(request: HttpRequest) -> User:
    """The staff member behind a page request: the access middleware lets no one else reach a
    route that is not public (access_matrix.yaml)."""
    return cast(User, request.user)


View = Callable[..., HttpResponseBase]


def in_agency_time(view: View) -> View:
    """A page whose times are typed and shown in the signed-in user's agency's time zone."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with timezone.override(ZoneInfo(signed_in(request).agency.time_zone)):
            return view(request, *args, **kwargs)

    return wrapped


def api_caller(request: HttpRequest) -> User:
    """The staff member behind an API request, as the API's token or session auth found them."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def mfa_verified(user: object) -> bool:
    """Signed in with both factors in this session (django-otp adds `is_verified` per request)."""
    check = getattr(user, "is_verified", None)
    return bool(getattr(user, "is_authenticated", False) and check is not None and check())


def require_permission(user: User, permission: str) -> None:
    """The role check: 403, because the user may know the feature exists."""
    if not user.can(permission):
        raise PermissionDenied(f"Your roles do not include {permission}.")


def require_agency(user: User, *agency_ids: UUID | None) -> None:
    """404 unless the user's agency is one of those named."""
    if user.agency_id not in agency_ids:
        raise Http404


def flows_in_force(category: str, on: date | None) -> models.QuerySet[DataFlow]:
    """The data flows of `category` under partnerships in force on the day (today if None)."""
    day = on or timezone.localdate()
    return DataFlow.objects.filter(
        partnership__in=Partnership.objects.active_on(day), category=category
    )


def partner_agency_ids(user: User, category: str, on: date | None = None) -> set[UUID]:
    """Agencies whose `category` data flows to the user's agency under a partnership in force."""
    flows = flows_in_force(category, on).filter(recipient_id=user.agency_id)
    return set(flows.values_list("source_id", flat=True))


def recipient_agency_ids(user: User, category: str, on: date | None = None) -> set[UUID]:
    """Agencies the user's agency sends `category` data to under a partnership in force."""
    flows = flows_in_force(category, on).filter(source_id=user.agency_id)
    return set(flows.values_list("recipient_id", flat=True))


def visible_agency_ids(user: User, category: str, on: date | None = None) -> set[UUID]:
    return {user.agency_id, *partner_agency_ids(user, category, on)}


def require_flow(
    user: User, *, owner_agency_id: UUID, category: str, on: date | None = None
) -> None:
    """404 unless the record is the user's agency's own or flows to it under a partnership."""
    if owner_agency_id not in visible_agency_ids(user, category, on):
        raise Http404


def record_read(user: User, obj: models.Model) -> None:
    """Audit a read of personal data (SECURITY.md 18)."""
    audit.record(by=user, verb=f"{obj._meta.model_name}.read", obj=obj)


def record_export(user: User, kind: str, rows: int) -> None:
    """Audit a bulk export (SECURITY.md 18: exports are recorded)."""
    audit.record(by=user, verb=f"{kind}.export", detail={"rows": rows})


def record_list_read(user: User, kind: str, count: int) -> None:
    """Audit one read of a list of personal records, with how many were shown."""
    audit.record(by=user, verb=f"{kind}.list", detail={"count": count})
