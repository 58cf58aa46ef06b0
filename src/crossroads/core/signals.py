"""Sign-in events become audit rows; repeated failures lock the account (SECURITY.md 13)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

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
        by=user,
        verb="auth.password.failure",
        obj=user,
        outcome=AuditEvent.Outcome.FAILURE,
        actor_name=user.username if user else "(unknown username)",
        agency=user.agency if user else None,
        # An unknown "username" may be a password typed in the wrong box: keep only a keyed
        # digest, enough to see the same unknown name tried again.
        detail={} if user else {"attempt": salted_hmac("sign-in", attempted).hexdigest()[:16]},
    )
    if (
        user is not None
        and user.locked_at is None
        and _recent_failures(user) >= (settings.LOCKOUT_FAILURES)
    ):
        actions.user_lock(user=user, at=timezone.now())


def _recent_failures(user: User) -> int:
    """Failures inside the window, not counting those before the last release of a lock."""
    since = timezone.now() - settings.LOCKOUT_WINDOW
    last_unlock = (
        AuditEvent.objects.filter(verb="user.unlock", object_id=str(user.pk))
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    if last_unlock is not None:
        since = max(since, last_unlock)
    return AuditEvent.objects.filter(
        actor=user, verb="auth.password.failure", at__gte=since
    ).count()


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        reason = getattr(request, "session_end_reason", "sign-out")
        audit.record(by=user, verb="auth.session.end", obj=user, detail={"reason": reason})
