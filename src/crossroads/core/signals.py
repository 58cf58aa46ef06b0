"""Sign-in events become audit rows; a lockout from axes becomes a lasting account lock."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from crossroads.core import actions, audit
from crossroads.core.models import AuditEvent, User


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit.record(by=user, verb="auth.password.success", obj=user)


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    attempted = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=attempted).select_related("agency").first()
    audit.record(
        by=user, verb="auth.password.failure", obj=user, outcome=AuditEvent.Outcome.FAILURE,
        actor_name=attempted or "(blank)", agency=user.agency if user else None,
    )


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        reason = getattr(request, "session_end_reason", "sign-out")
        audit.record(by=user, verb="auth.session.end", obj=user, detail={"reason": reason})


@receiver(user_locked_out)
def _locked_out(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    user = User.objects.filter(username=username).select_related("agency").first()
    if user is not None and user.locked_at is None:
        actions.user_lock(user=user, at=timezone.now())
