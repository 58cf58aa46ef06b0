"""Django's model backend, refusing locked accounts too.

`user_can_authenticate` is asked at sign-in and whenever a session is loaded, so locking an
account also ends the sessions it has open.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "locked_at", None) is None
