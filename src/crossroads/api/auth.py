"""Who is calling the API: a personal bearer token, or a browser session that passed MFA.

Bearer tokens are not sent by browsers on their own, so they need no CSRF token; a session
cookie is, so unsafe requests made with one must carry the CSRF token.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from crossroads.core import actions
from crossroads.core.access import mfa_verified
from crossroads.core.access_matrix import Decision, matrix
from crossroads.core.models import ApiToken, User


def bearer_user(secret: str) -> User | None:
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != actions.TOKEN_PREFIX:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__agency")
        .filter(
            prefix=parts[1],
            revoked_at__isnull=True,
            user__is_active=True,
            user__locked_at__isnull=True,
        )
        .first()
    )
    if token is None or not actions.token_matches(token, secret):
        return None
    actions.api_token_mark_used(token=token)
    return token.user


def session_user(request: HttpRequest) -> User | None:
    return request.user if mfa_verified(request.user) else None  # type: ignore[return-value]


def api_principal(request: HttpRequest) -> User | None:
    """The caller, as the idempotency layer needs it before the API's own auth runs."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return request_bearer_user(request, header[7:].strip())
    if check_csrf(request) is not None:
        return None
    return session_user(request)


def request_bearer_user(request: HttpRequest, secret: str) -> User | None:
    """bearer_user, looked up once per request however many layers ask."""
    cache: dict[str, User | None] = request.__dict__.setdefault("_bearer_users", {})
    if secret not in cache:
        cache[secret] = bearer_user(secret)
    return cache[secret]


def _admit(request: HttpRequest, user: User | None) -> User | None:
    """Apply the access matrix to an identified caller (403 when roles do not allow it)."""
    if user is None:
        return None
    match = request.resolver_match
    decision = matrix().decide(
        match.view_name if match else "",
        request.method or "GET",
        signed_in=True,
        verified=True,
        permissions=user.permissions,
    )
    if decision is not Decision.ALLOW:
        raise HttpError(403, decision.value)
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return _admit(request, request_bearer_user(request, token))


class SessionWithMfa(APIKeyCookie):
    """The browser's session cookie, after both factors; CSRF is checked on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return _admit(request, session_user(request))


API_AUTH = [BearerToken(), SessionWithMfa()]
