"""Request context, session limits and the deny-by-default access check for pages."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone

from crossroads.core import context
from crossroads.core.access import mfa_verified
from crossroads.core.access_matrix import Decision, matrix
from crossroads.core.problems import problem_response

API_NAMESPACE = "api-v1"


def client_ip(request: HttpRequest) -> str | None:
    """Where the request came from, in one canonical spelling (it is hashed into audit rows).

    Behind a trusted proxy, the right-most X-Forwarded-For entry is the one the proxy added; the
    entries before it are whatever the client wrote.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if settings.TRUST_X_FORWARDED_FOR and forwarded:
        raw = str(forwarded).split(",")[-1].strip()
    else:
        raw = str(request.META.get("REMOTE_ADDR") or "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def sign_in_url(request: HttpRequest) -> str:
    """The sign-in page, coming back to where the person was."""
    return f"{settings.LOGIN_URL_PATH}?{urlencode({'next': request.get_full_path()})}"


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.source_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            context.source_ip.reset(token)


class SessionPolicyMiddleware:
    """Idle sessions end after 30 minutes; every session re-authenticates within 12 hours."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and "signed_in_at" in request.session:
            now = timezone.now().timestamp()
            idle = now - request.session.get("last_seen", now)
            age = now - request.session["signed_in_at"]
            if idle > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                return self._end(request, "idle")
            if age > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                return self._end(request, "session age")
            request.session["last_seen"] = now
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        request.session_end_reason = reason  # type: ignore[attr-defined]  # read by the audit signal
        logout(request)
        messages.info(request, "You were signed out. Please sign in again.")
        if request.path.startswith("/api/"):
            return self.get_response(request)  # the API answers 401 for the now-anonymous user
        return redirect(sign_in_url(request))


class AccessMatrixMiddleware:
    """Pages: enforce the access matrix. API routes: refuse undeclared ones; ninja does the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        route = match.view_name if match else ""
        user = request.user
        decision = matrix().decide(
            route,
            request.method or "GET",
            signed_in=user.is_authenticated,
            verified=mfa_verified(user),
            permissions=user.permissions if user.is_authenticated else frozenset(),
        )
        is_api = match is not None and match.namespace == API_NAMESPACE
        if decision in {Decision.UNDECLARED, Decision.NOT_ALLOWED}:
            if decision is Decision.NOT_ALLOWED and not is_api:
                return HttpResponseNotAllowed(list(matrix().root[route]))
            if not is_api:
                raise PermissionDenied(decision.value)
            status = 405 if decision is Decision.NOT_ALLOWED else 403
            return problem_response(status, detail=decision.value)
        if is_api or decision is Decision.ALLOW:
            return None  # the API's auth applies the same matrix to its own credentials
        if decision is Decision.SIGN_IN:
            return redirect(sign_in_url(request))
        if decision is Decision.SECOND_FACTOR:
            return redirect("core:mfa_verify")
        raise PermissionDenied(decision.value)
