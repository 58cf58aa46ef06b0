"""Every write of the core app. Each runs in a transaction and writes one audit event.

`by=None` is the system itself (the demo loader, a CLI verb run by an operator on the host).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from axes.utils import reset as axes_reset
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.core import audit, backups
from crossroads.core.audit_chain import ChainBreak
from crossroads.core.models import (
    Agency,
    ApiToken,
    DataFlow,
    Partnership,
    Role,
    RoleGrant,
    Task,
    User,
)
from crossroads.core.roles import role_book

TOKEN_PREFIX = "cr"  # noqa: S105  (a visible label on tokens, not a secret)  # nosec B105


class StaleVersion(Exception):
    """An edit based on an older version of the record (SECURITY.md 23)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"This record changed since you opened it (now version {current}).")
        self.current = current


def _validated(instance: object, *, exclude: Sequence[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude))  # type: ignore[attr-defined]


# --- Agencies and partnerships ----------------------------------------------------------------


def agency_create(
    *,
    by: User | None,
    name: str,
    short_name: str,
    type: str,
    jurisdiction: str,
    time_zone: str = "America/New_York",
    part2_program: bool = False,
    is_synthetic: bool = False,
    triage_rule_book: str = "default",
) -> Agency:
    agency = Agency(
        name=name,
        short_name=short_name,
        type=type,
        jurisdiction=jurisdiction,
        time_zone=time_zone,
        part2_program=part2_program,
        is_synthetic=is_synthetic,
        triage_rule_book=triage_rule_book,
    )
    _validated(agency)
    with transaction.atomic():
        agency.save()
        audit.record(by=by, verb="agency.create", obj=agency, agency=agency)
    return agency


@dataclass(frozen=True)
class Flow:
    source: Agency
    recipient: Agency
    category: str


def partnership_create(
    *,
    by: User | None,
    name: str,
    parties: Iterable[Agency],
    flows: Iterable[Flow],
    starts_on: date,
    ends_on: date | None = None,
    document_reference: str = "",
) -> Partnership:
    parties, flows = list(parties), list(flows)
    partnership = Partnership(
        name=name, starts_on=starts_on, ends_on=ends_on, document_reference=document_reference
    )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "must be on or after the start date."})
    _validated(partnership)
    if len({p.pk for p in parties}) < 2:
        raise ValidationError({"parties": "a partnership needs at least two agencies."})
    party_ids = {p.pk for p in parties}
    for flow in flows:
        if flow.source.pk not in party_ids or flow.recipient.pk not in party_ids:
            raise ValidationError(
                {"flows": "data can only flow between the partnership's parties."}
            )
        if flow.source.pk == flow.recipient.pk:
            raise ValidationError({"flows": "a flow needs two different agencies."})
    with transaction.atomic():
        partnership.save()
        partnership.parties.set(parties)
        DataFlow.objects.bulk_create(
            DataFlow(
                partnership=partnership, source=f.source, recipient=f.recipient, category=f.category
            )
            for f in flows
        )
        audit.record(
            by=by,
            verb="partnership.create",
            obj=partnership,
            detail={"parties": sorted(str(p) for p in party_ids), "flows": len(flows)},
        )
    return partnership


def partnership_end(*, partnership: Partnership, by: User | None, on: date) -> Partnership:
    """End an MOU on a date; from the next day, no data flows under it."""
    if on < partnership.starts_on:
        raise ValidationError({"ends_on": "must be on or after the start date."})
    with transaction.atomic():
        partnership.ends_on = on
        partnership.save(update_fields=["ends_on"])
        audit.record(by=by, verb="partnership.end", obj=partnership, detail={"ends_on": str(on)})
    return partnership


# --- Staff accounts and roles -----------------------------------------------------------------


def _check_roles(agency: Agency, roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise ValidationError({"roles": "choose at least one role."})
    book = role_book()
    for code in roles:
        if code not in Role.values:
            raise ValidationError({"roles": f"{code!r} is not a role."})
        if agency.type not in book.roles[code].agency_types:
            raise ValidationError(
                {"roles": f"a {agency.get_type_display()} has no {Role(code).label} role."}
            )
    return roles


def user_create(
    *,
    by: User | None,
    agency: Agency,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None,
    roles: Iterable[str],
) -> User:
    """A staff account. `password=None` makes an account that cannot sign in (a rostered officer
    of the synthetic demo county, whose record the roster and the history need)."""
    if by is not None and by.agency_id != agency.pk:
        raise ValidationError({"agency": "administrators create accounts in their own agency."})
    roles = _check_roles(agency, roles)
    user = User(
        agency=agency, username=username, email=email, first_name=first_name, last_name=last_name
    )
    _validated(user, exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
    now = timezone.now()
    with transaction.atomic():
        user.save()
        RoleGrant.objects.bulk_create(
            RoleGrant(user=user, role=code, granted_by=by, granted_at=now) for code in roles
        )
        audit.record(by=by, verb="user.create", obj=user, agency=agency, detail={"roles": roles})
    return user


def user_set_roles(
    *, user: User, roles: Iterable[str], by: User | None, expected_version: int
) -> User:
    """Replace a user's roles; a permission change, audited with what was added and removed."""
    roles = _check_roles(user.agency, roles)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.version != expected_version:
            raise StaleVersion(current.version)
        before = set(current.role_grants.values_list("role", flat=True))
        RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
        RoleGrant.objects.bulk_create(
            RoleGrant(user=user, role=code, granted_by=by, granted_at=timezone.now())
            for code in sorted(set(roles) - before)
        )
        User.objects.filter(pk=user.pk).update(version=current.version + 1)
        audit.record(
            by=by,
            verb="user.roles.change",
            obj=user,
            agency=user.agency,
            detail={"added": sorted(set(roles) - before), "removed": sorted(before - set(roles))},
        )
    user.refresh_from_db()
    user.__dict__.pop("_role_codes", None)
    return user


def user_lock(*, user: User, at: datetime) -> User:
    """Failed sign-ins reached the limit: lock until an administrator releases the account."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk, locked_at__isnull=True).update(locked_at=at)
        audit.record(
            by=None,
            verb="user.lock",
            obj=user,
            agency=user.agency,
            detail={"reason": "failed sign-ins"},
        )
    user.refresh_from_db()
    return user


def sign_in_refused_while_locked(*, user: User) -> None:
    """A sign-in attempt on a locked account, recorded without saying if the password fit."""
    audit.record(by=user, verb="auth.password.locked", obj=user, outcome="denied")


def user_unlock(*, user: User, by: User | None) -> User:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(locked_at=None)
        axes_reset(username=user.username)
        audit.record(by=by, verb="user.unlock", obj=user, agency=user.agency)
    user.refresh_from_db()
    return user


def user_deactivate(*, user: User, by: User | None) -> User:
    """Close an account: no more sign-ins, tokens revoked, sessions ended at their next use."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record(by=by, verb="user.deactivate", obj=user, agency=user.agency)
    user.refresh_from_db()
    return user


# --- Multi-factor authentication --------------------------------------------------------------


def mfa_enrolment_start(*, by: User) -> TOTPDevice:
    """A fresh, unconfirmed TOTP device; earlier unconfirmed ones are discarded."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=by, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=by, name="Authenticator app", confirmed=False)
        audit.record(by=by, verb="mfa.enrolment.start", obj=device)
    return device


def mfa_enrolment_confirm(*, device: TOTPDevice, token: str, by: User) -> bool:
    """Confirm the device with a first code from the app; replaces any earlier device."""
    with transaction.atomic():
        if not device.verify_token(token):
            audit.record(by=by, verb="mfa.enrolment.confirm", obj=device, outcome="failure")
            return False
        TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(by=by, verb="mfa.enrolment.confirm", obj=device)
    return True


def mfa_sign_in(*, device: TOTPDevice, token: str, by: User) -> bool:
    """Check a code for the second factor; a code at or before the last accepted one fails."""
    with transaction.atomic():
        accepted = bool(device.verify_token(token))  # stores the step used, refusing replays
        audit.record(
            by=by,
            verb="auth.mfa.success" if accepted else "auth.mfa.failure",
            obj=by,
            outcome="success" if accepted else "failure",
        )
    return accepted


# --- Audit chain and backups ------------------------------------------------------------------


def audit_chain_verify(*, by: User | None) -> tuple[int, list[ChainBreak]]:
    """Walk the whole chain; the check itself is recorded, with its result."""
    length, breaks = audit.verify()
    audit.record(
        by=by,
        verb="audit.verify",
        outcome="failure" if breaks else "success",
        detail={"length": length, "breaks": len(breaks)},
    )
    return length, breaks


def backup_create(*, path: Path, by: User | None) -> backups.BackupResult:
    result = backups.backup(path)
    audit.record(by=by, verb="system.backup", detail={"bytes": result.bytes})
    return result


def backup_restore(*, path: Path, by: User | None) -> None:
    """Replace the whole database with a backup; the restore is the first event after it."""
    backups.restore(path)
    audit.record(by=by, verb="system.restore", detail={"file": path.name})


# --- API tokens -------------------------------------------------------------------------------


def token_digest(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, by: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "give the token a name, such as the system that uses it."})
    if len(name) > 80:
        raise ValidationError({"name": "use at most 80 characters."})
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=by,
        name=name,
        prefix=prefix,
        secret_hash=token_digest(secret),
        created_at=timezone.now(),
    )
    with transaction.atomic():
        token.save()
        audit.record(by=by, verb="api_token.create", obj=token)
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        audit.record(by=by, verb="api_token.revoke", obj=token)
    return token


def token_matches(token: ApiToken, secret: str) -> bool:
    return hmac.compare_digest(token.secret_hash, token_digest(secret))


def api_token_mark_used(*, token: ApiToken) -> None:
    """Bookkeeping, not an audited write: the use itself is audited where it reads personal data.

    Written at most once a minute per token, so busy integrations do not write on every call.
    """
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Tasks ------------------------------------------------------------------------------------


def task_raise(
    *,
    agency: Agency,
    title: str,
    due_at: datetime,
    by: User | None,
    assignee: User | None = None,
    about: models.Model | None = None,
    rule: str = "",
) -> Task:
    """Put a task on a work list. A task raised by a `rule` about a record is raised once: the
    second call returns the first task, so a rule checked every few minutes adds nothing."""
    about_type = about._meta.label_lower if about is not None else ""
    about_id = str(about.pk) if about is not None else ""
    with transaction.atomic():
        if rule:
            existing = Task.objects.filter(about_type=about_type, about_id=about_id, rule=rule)
            if (task := existing.first()) is not None:
                return task
        task = Task(
            agency=agency,
            assignee=assignee,
            title=title,
            due_at=due_at,
            about_type=about_type,
            about_id=about_id,
            rule=rule,
            created_by=by,
            created_at=timezone.now(),
        )
        _validated(task)
        task.save()
        audit.record(by=by, verb="task.raise", obj=task, agency=agency, detail={"rule": rule})
    return task


def task_complete(*, task: Task, by: User | None, note: str = "") -> Task:
    """Mark a task done (a second call changes nothing)."""
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_at is None:
            task.done_at, task.done_by, task.done_note = timezone.now(), by, note[:500]
            task.save(update_fields=["done_at", "done_by", "done_note"])
            audit.record(by=by, verb="task.complete", obj=task, agency=task.agency)
    return task
