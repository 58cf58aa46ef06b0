"""Sign-in with a notice, a password and a TOTP code; enrolment; sign-out."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from crossroads.core import actions
from crossroads.core.access import mfa_verified
from crossroads.core.forms import BANNER, THROTTLED_MESSAGE, OtpForm, SignInForm
from crossroads.core.models import User


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing in: a path on this site, or home."""
    target = request.GET.get("next") or ""
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if local else settings.LOGIN_REDIRECT_URL_PATH


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        next_url = _next_url(request)
        login(request, form.user)  # rotates the session key
        now = timezone.now().timestamp()
        request.session.update({"signed_in_at": now, "last_seen": now, "next": next_url})
        return redirect("core:mfa_verify")
    return render(
        request,
        "core/sign_in.html",
        {"form": form, "banner": BANNER},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


def throttled(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """axes calls this when one network address has failed too often (password spraying)."""
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    page = render(
        request,
        "core/sign_in.html",
        {"form": SignInForm(request), "banner": BANNER, "refusal": THROTTLED_MESSAGE},
        status=429,
    )
    page["Retry-After"] = str(wait)
    return page


def mfa_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("core:mfa_enrol")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.mfa_sign_in(device=device, token=form.cleaned_data["token"], by=user):
            otp_login(request, device)
            return HttpResponseRedirect(
                request.session.pop("next", settings.LOGIN_REDIRECT_URL_PATH)
            )
        form.add_error("token", "That code is not valid now. Wait for the next code and try again.")
    return render(
        request, "core/mfa_verify.html", {"form": form}, status=400 if form.errors else 200
    )


def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not mfa_verified(user):
        return redirect("core:mfa_verify")  # replacing a device needs the current one first
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = actions.mfa_enrolment_start(by=user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.mfa_enrolment_confirm(device=device, token=form.cleaned_data["token"], by=user):
            otp_login(request, device)
            return HttpResponseRedirect(
                request.session.pop("next", settings.LOGIN_REDIRECT_URL_PATH)
            )
        form.add_error(
            "token",
            "That code does not match. Check the clock on your phone and enter the newest code.",
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1b1b1b")
    return render(
        request,
        "core/mfa_enrol.html",
        {"form": form, "qr_svg": qr_svg, "secret": _grouped_base32(device)},
        status=400 if form.errors else 200,
    )


def _grouped_base32(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # deletes the session on the server, not just the cookie
    return redirect(settings.LOGIN_URL_PATH)
