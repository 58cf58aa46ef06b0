"""JSON twins of the core pages. Handlers call the same queries and actions as the pages."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ConfigDict

from crossroads.core import actions, queries
from crossroads.core.models import Agency, AuditEvent, Partnership, Role, User

router = Router(tags=["core"])


class StrictIn(Schema):
    """Request bodies refuse unknown fields (no mass assignment, SECURITY.md 2)."""

    model_config = ConfigDict(extra="forbid")


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


class AgencyOut(Schema):
    id: UUID
    name: str
    short_name: str
    type: Agency.Type
    part2_program: bool
    jurisdiction: str
    time_zone: str


class MeOut(Schema):
    id: UUID
    username: str
    display_name: str
    agency: AgencyOut
    roles: list[Role]
    permissions: list[str]


@router.get("/me", response=MeOut, url_name="me", summary="Who am I")
def me(request: HttpRequest) -> dict[str, object]:
    user = _me(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "agency": user.agency,
        "roles": sorted(user.role_codes),
        "permissions": sorted(user.permissions),
    }


@router.get("/agencies", response=list[AgencyOut], url_name="agency_list")
def agency_list(request: HttpRequest) -> object:
    return Agency.objects.all()


class FlowOut(Schema):
    source: UUID = Field(alias="source_id")
    recipient: UUID = Field(alias="recipient_id")
    category: str


class PartnershipOut(Schema):
    id: UUID
    name: str
    parties: list[UUID]
    starts_on: date
    ends_on: date | None
    in_force: bool
    flows: list[FlowOut]

    @staticmethod
    def resolve_parties(obj: Partnership) -> list[UUID]:
        return [a.pk for a in obj.parties.all()]

    @staticmethod
    def resolve_in_force(obj: Partnership) -> bool:
        return obj.is_active_on(timezone.localdate())

    @staticmethod
    def resolve_flows(obj: Partnership) -> list[object]:
        return list(obj.flows.all())


@router.get("/partnerships", response=list[PartnershipOut], url_name="partnership_list")
def partnership_list(request: HttpRequest) -> object:
    return queries.partnerships_of(_me(request))


@router.get("/partnerships/{partnership_id}", response=PartnershipOut, url_name="partnership_get")
def partnership_get(request: HttpRequest, partnership_id: UUID) -> object:
    return queries.partnership_for(_me(request), partnership_id)


class StaffOut(Schema):
    id: UUID
    username: str
    first_name: str
    last_name: str
    email: str
    roles: list[Role]
    is_active: bool
    locked: bool
    mfa_enrolled: bool
    version: int

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return sorted(g.role for g in obj.role_grants.all())

    @staticmethod
    def resolve_locked(obj: User) -> bool:
        return obj.locked_at is not None


class StaffIn(StrictIn):
    username: str = Field(min_length=1, max_length=150)
    email: str = Field(min_length=3, max_length=254)
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)


class StaffPage(Schema):
    count: int
    items: list[StaffOut]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/users", response=StaffPage, url_name="user_list")
def user_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, object]:
    page, total = queries.staff_page_for(_me(request), offset=params.offset, limit=params.limit)
    return {"count": total, "items": page}


@router.post("/users", response={201: StaffOut}, url_name="user_list")
def user_create(request: HttpRequest, payload: StaffIn) -> Status[Any]:
    admin = _me(request)
    member = actions.user_create(by=admin, agency=admin.agency, **payload.model_dump())
    return Status(201, queries.staff_of_agency(admin).get(pk=member.pk))


@router.get("/users/{user_id}", response=StaffOut, url_name="user_get")
def user_get(request: HttpRequest, user_id: UUID) -> object:
    return queries.staff_member_for(_me(request), user_id)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(description="Shown once; only its hash is stored.")


class TokenIn(StrictIn):
    name: str = Field(min_length=1, max_length=80)


@router.get("/tokens", response=list[TokenOut], url_name="token_list")
def token_list(request: HttpRequest) -> object:
    return queries.own_tokens(_me(request))


@router.post("/tokens", response={201: TokenCreated}, url_name="token_list")
def token_create(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status[Any]:
    token, secret = actions.api_token_create(by=_me(request), name=payload.name)
    # no-store: neither caches nor the idempotency layer may keep the secret.
    response.headers["Cache-Control"] = "no-store"
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None}, url_name="token_revoke")
def token_revoke(request: HttpRequest, token_id: UUID) -> Status[Any]:
    user = _me(request)
    actions.api_token_revoke(token=queries.own_token_for(user, token_id), by=user)
    return Status(204, None)


class AuditEventOut(Schema):
    seq: int
    at: datetime
    actor_name: str
    verb: str
    object_type: str
    object_id: str
    outcome: AuditEvent.Outcome
    source_ip: str | None
    hash: str


@router.get("/audit/events", response=list[AuditEventOut], url_name="audit_event_list")
@paginate(LimitOffsetPagination)
def audit_event_list(
    request: HttpRequest, verb: str | None = None, since: datetime | None = None
) -> object:
    events = queries.audit_events_of_agency(_me(request))
    if verb:
        events = events.filter(verb__startswith=verb)
    if since:
        events = events.filter(at__gte=since)
    return events


class VerifyOut(Schema):
    length: int
    intact: bool
    breaks: list[str]


@router.post("/audit/verify", response=VerifyOut, url_name="audit_verify")
def audit_verify(request: HttpRequest) -> dict[str, object]:
    length, breaks = actions.audit_chain_verify(by=_me(request))
    return {"length": length, "intact": not breaks, "breaks": [str(b) for b in breaks[:100]]}
