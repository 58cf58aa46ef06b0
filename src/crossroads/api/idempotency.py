"""Idempotency-Key on every API POST (SECURITY.md 22).

The first request with a key claims it by inserting a row (a unique constraint decides who is
first, across threads and processes); repeats wait for its answer and replay it. The same key
with a different body is refused with 409. An answer marked `Cache-Control: no-store` (a token's
secret) is never kept: its repeats get 409. Records are kept for a day.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from django.utils import timezone

from crossroads.api.auth import api_principal
from crossroads.core.access_matrix import Decision, matrix
from crossroads.core.models import IdempotencyRecord, User
from crossroads.core.problems import problem_response

HEADER = "Idempotency-Key"
WAIT_SECONDS = 30.0
# A claim still unanswered after this long belongs to a request that died (a crash between the
# action's commit and the stored answer); the next request with the key takes it over.
ABANDONED_AFTER = timedelta(minutes=10)
KEPT_FOR = timedelta(days=1)
NOT_KEPT = "The first request with this key succeeded; its answer is shown only once."


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 1 <= len(key) <= 255:
            return problem_response(
                422,
                detail=f"{HEADER} must be 1 to 255 characters.",
                errors=[{"field": HEADER, "message": "bad length"}],
            )
        user = api_principal(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself
        body_sha256 = hashlib.sha256(request.body).hexdigest()
        expired = timezone.now() - KEPT_FOR
        IdempotencyRecord.objects.filter(user=user, created_at__lt=expired).delete()
        record = _claim(user, key, request, body_sha256)
        if record is None:
            return self._first(request, user, key)
        if record.body_sha256 != body_sha256 or record.path != request.path:
            return problem_response(
                409, detail=f"This {HEADER} was already used with a different request."
            )
        if not _still_allowed(request, user):
            return self.get_response(request)  # the API refuses it, as for any other call
        return _replay(record)

    def _first(self, request: HttpRequest, user: User, key: str) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(user=user, key=key).delete()
            raise
        if response.status_code >= 500:
            # A failure of ours is not an answer: let the client try the same key again.
            IdempotencyRecord.objects.filter(user=user, key=key).delete()
        else:
            secret = "no-store" in response.get("Cache-Control", "")
            IdempotencyRecord.objects.filter(user=user, key=key).update(
                status_code=response.status_code,
                content_type="" if secret else response.get("Content-Type", ""),
                body=b"" if secret else response.content,
                kept=not secret,
            )
        return response


def _claim(
    user: User, key: str, request: HttpRequest, body_sha256: str
) -> IdempotencyRecord | None:
    """None if this request is the first with the key; else the first one's record, finished."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=user, key=key, method="POST", path=request.path, body_sha256=body_sha256
            )
        return None
    except IntegrityError:
        pass
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:  # the first one failed and let go of the key
            return _claim(user, key, request, body_sha256)
        if record.status_code is None and timezone.now() - record.created_at > ABANDONED_AFTER:
            IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()
            return _claim(user, key, request, body_sha256)
        if record.status_code is not None or record.body_sha256 != body_sha256:
            return record
        if time.monotonic() > deadline:
            return record
        time.sleep(0.05)


def _still_allowed(request: HttpRequest, user: User) -> bool:
    """Roles may have changed since the first request: a replay passes the matrix again."""
    match = resolve(request.path_info)
    decision = matrix().decide(
        match.view_name, "POST", signed_in=True, verified=True, permissions=user.permissions
    )
    return decision is Decision.ALLOW


def _replay(record: IdempotencyRecord) -> HttpResponse:
    if record.status_code is None:
        return problem_response(
            409,
            detail="The first request with this key is still running.",
            headers={"Retry-After": "1"},
        )
    if not record.kept:
        return problem_response(409, detail=NOT_KEPT)
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response
