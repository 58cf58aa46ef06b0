"""The signed-in pages of the core app. Every write goes through core.actions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from itertools import chain
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.core import access, actions, queries, ratelimit
from crossroads.core.downloads import csv_download
from crossroads.core.forms import (
    AuditFilterForm,
    RolesForm,
    StaffCreateForm,
    TokenCreateForm,
    add_validation_errors,
)
from crossroads.core.models import Agency, AuditEvent, User
from crossroads.core.roles import role_book


def _me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def healthz(request: HttpRequest) -> JsonResponse:
    Agency.objects.exists()  # proves the database answers
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    book = role_book()
    sections = [
        {
            "code": code,
            "spec": book.roles[code],
            "links": [
                item
                for item in book.navigation
                if item.permission in book.roles[code].permissions and item.route != "core:home"
            ],
        }
        for code in sorted(user.role_codes)
    ]
    context: dict[str, Any] = {
        "sections": sections,
        "partnerships": [
            p for p in queries.partnerships_of(user) if p.is_active_on(timezone.localdate())
        ],
        "previous_sign_in": queries.previous_sign_in(user),
    }
    if user.can("users.view"):
        context["staff_count"] = queries.staff_of_agency(user).count()
        context["locked"] = queries.locked_staff_for(user)
    if user.can("audit.view"):
        context["events_today"] = (
            queries.audit_events_of_agency(user).filter(at__date=timezone.localdate()).count()
        )
    return render(request, "core/home.html", context)


# --- My account ------------------------------------------------------------------------------


def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request, TokenCreateForm())


def _account_page(
    request: HttpRequest,
    token_form: TokenCreateForm,
    new_secret: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its token panel when htmx asks for it."""
    user = _me(request)
    template = "core/_tokens.html" if request.headers.get("HX-Request") else "core/account.html"
    return render(
        request,
        template,
        {
            "device": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
            "tokens": queries.own_tokens(user),
            "token_form": token_form,
            "new_secret": new_secret,
        },
        status=status,
    )


@require_POST
def mfa_reset(request: HttpRequest) -> HttpResponse:
    """Start moving the second factor to a new phone; the current one stays until confirmed."""
    actions.mfa_enrolment_start(by=_me(request))
    return redirect("core:mfa_enrol")


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    try:
        _token, secret = actions.api_token_create(by=_me(request), name=form.cleaned_data["name"])
    except ValidationError as error:
        add_validation_errors(form, error)
        return _account_page(request, form, status=400)
    return _account_page(request, TokenCreateForm(), new_secret=secret)


@require_POST
def token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    user = _me(request)
    actions.api_token_revoke(token=queries.own_token_for(user, token_id), by=user)
    return _account_page(request, TokenCreateForm())


# --- Agencies and partnerships ---------------------------------------------------------------


def agency_list(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    return render(
        request,
        "core/agency_list.html",
        {
            "agencies": Agency.objects.all(),
            "partnerships": queries.partnerships_of(user),
            "today": timezone.localdate(),
        },
    )


def partnership_detail(request: HttpRequest, partnership_id: UUID) -> HttpResponse:
    partnership = queries.partnership_for(_me(request), partnership_id)
    return render(
        request,
        "core/partnership_detail.html",
        {
            "partnership": partnership,
            "active": partnership.is_active_on(timezone.localdate()),
        },
    )


# --- Staff accounts (agency administrators) --------------------------------------------------


def user_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/user_list.html", {"staff": queries.staff_page_for(_me(request))[0]}
    )


def user_create(request: HttpRequest) -> HttpResponse:
    admin = _me(request)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.user_create(by=admin, agency=admin.agency, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, f"Account {member.username} created.")
            return redirect("core:user_detail", user_id=member.pk)
    return render(
        request, "core/user_create.html", {"form": form}, status=400 if form.errors else 200
    )


def user_detail(request: HttpRequest, user_id: UUID) -> HttpResponse:
    member = queries.staff_member_for(_me(request), user_id)
    return _staff_page(
        request,
        member,
        RolesForm(initial={"roles": sorted(member.role_codes), "version": member.version}),
    )


def _staff_page(
    request: HttpRequest, member: User, form: RolesForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "core/user_detail.html",
        {
            "member": member,
            "roles_form": form,
        },
        status=status,
    )


@require_POST
def user_roles(request: HttpRequest, user_id: UUID) -> HttpResponse:
    admin = _me(request)
    member = queries.staff_member_for(admin, user_id)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            actions.user_set_roles(
                user=member,
                roles=form.cleaned_data["roles"],
                by=admin,
                expected_version=form.cleaned_data["version"],
            )
        except actions.StaleVersion as stale:
            member.refresh_from_db()
            member.__dict__.pop("_role_codes", None)
            return _staff_page(request, member, _conflict_form(member, str(stale)), status=409)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "Roles saved.")
            return redirect("core:user_detail", user_id=member.pk)
    return _staff_page(request, member, form, status=400)


def _conflict_form(fresh: User, message: str) -> RolesForm:
    """Show what is stored now, with the conflict named, so nobody overwrites it unseen."""
    form = RolesForm(data={"roles": sorted(fresh.role_codes), "version": fresh.version})
    form.is_valid()
    form.add_error(
        None, f"{message} The roles below are the current ones; change them and save again."
    )
    return form


@require_POST
def user_unlock(request: HttpRequest, user_id: UUID) -> HttpResponse:
    admin = _me(request)
    member = actions.user_unlock(user=queries.staff_member_for(admin, user_id), by=admin)
    messages.success(request, f"{member.username} can sign in again.")
    return redirect("core:user_detail", user_id=member.pk)


@require_POST
def user_deactivate(request: HttpRequest, user_id: UUID) -> HttpResponse:
    admin = _me(request)
    member = queries.staff_member_for(admin, user_id)
    if member.pk == admin.pk:
        messages.error(request, "You cannot close your own account.")
    else:
        actions.user_deactivate(user=member, by=admin)
        messages.success(request, f"{member.username} is closed; their tokens are revoked.")
    return redirect("core:user_detail", user_id=member.pk)


# --- Audit trail (auditors) ------------------------------------------------------------------


def _filtered_events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    events = queries.audit_events_of_agency(_me(request))
    if form.is_valid():
        data = form.cleaned_data
        if data["verb"]:
            events = events.filter(verb__startswith=data["verb"])
        if data["actor"]:
            events = events.filter(actor_name__icontains=data["actor"])
        if data["since"]:
            events = events.filter(at__gte=_start_of(data["since"]))
        if data["until"]:
            events = events.filter(at__lt=_start_of(data["until"]) + timedelta(days=1))
    return form, events


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=settings.DISPLAY_TIME_ZONE)


def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page": page})


@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    length, breaks = actions.audit_chain_verify(by=_me(request))
    return render(request, "core/_verify_result.html", {"length": length, "breaks": breaks[:20]})


@ratelimit.limited("audit.export")
def audit_export(request: HttpRequest) -> HttpResponseBase:
    user = _me(request)
    _form, events = _filtered_events(request)
    access.record_export(user, "audit", events.count())
    header: list[Any] = [
        "seq",
        "at_utc",
        "actor",
        "verb",
        "object_type",
        "object_id",
        "outcome",
        "source_ip",
        "hash",
    ]
    rows: Iterator[list[Any]] = (
        [
            e.seq,
            e.at.isoformat(),
            e.actor_name,
            e.verb,
            e.object_type,
            e.object_id,
            e.outcome,
            e.source_ip or "",
            e.hash,
        ]
        for e in events.order_by("seq").iterator(chunk_size=2000)
    )
    return csv_download(chain([header], rows), "audit-trail.csv")
