from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from crossroads.core.access import mfa_verified
from crossroads.core.roles import role_book


def frame(request: HttpRequest) -> dict[str, Any]:
    """What the shared page frame needs: the demo label and the navigation for these roles."""
    user = request.user
    verified = mfa_verified(user)
    permissions = user.permissions if verified else frozenset()  # type: ignore[union-attr]
    navigation = [item for item in role_book().navigation if item.permission in permissions]
    return {"demo_mode": settings.DEMO_MODE, "navigation": navigation, "mfa_verified": verified}
