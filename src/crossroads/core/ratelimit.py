"""Fixed-window rate limits kept in the shared cache, so every server process counts together."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache


def retry_after(name: str, who: str) -> int | None:
    """Count one use of `name` by `who`; None if allowed, else seconds until the window resets."""
    limit, window = settings.RATE_LIMITS[name]
    seconds = int(window.total_seconds())
    now = time.time()
    window_start = math.floor(now / seconds) * seconds
    key = f"ratelimit:{name}:{who}:{window_start}"
    cache.add(key, 0, timeout=seconds + 1)
    used = cache.incr(key)
    if used <= limit:
        return None
    return max(1, math.ceil(window_start + seconds - now))
