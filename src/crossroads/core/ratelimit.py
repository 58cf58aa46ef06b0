"""Fixed-window rate limits, counted in the database so every server process counts together.

The count is raised with one UPDATE ... SET count = count + 1, so parallel requests cannot both
read the same count and slip past the limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from crossroads.core.access import View
from crossroads.core.models import RateCounter


def retry_after(name: str, who: str) -> int | None:
    """Count one use of `name` by `who`; None if allowed, else seconds until the window resets."""
    limit, window = settings.RATE_LIMITS[name]
    seconds = int(window.total_seconds())
    now = time.time()
    window_start = math.floor(now / seconds) * seconds
    key = f"{name}:{who}"
    with transaction.atomic():
        RateCounter.objects.filter(key=key, window_start__lt=window_start).delete()
        counter, _ = RateCounter.objects.get_or_create(key=key, window_start=window_start)
        RateCounter.objects.filter(pk=counter.pk).update(count=models.F("count") + 1)
        used = RateCounter.objects.values_list("count", flat=True).get(pk=counter.pk)
    if used <= limit:
        return None
    return max(1, math.ceil(window_start + seconds - now))


def limited(name: str) -> Callable[[View], View]:
    """A page whose uses are counted per signed-in user against `RATE_LIMITS[name]`; past the
    limit it answers 429 with Retry-After and does nothing (SECURITY.md 17)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            wait = retry_after(name, str(request.user.pk))
            if wait is None:
                return view(request, *args, **kwargs)
            refused = render(request, "core/rate_limited.html", {"retry_after": wait}, status=429)
            refused["Retry-After"] = str(wait)
            return refused

        return wrapped

    return decorate
