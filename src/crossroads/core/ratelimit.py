"""Fixed-window rate limits, counted in the database so every server process counts together.

The count is raised with one UPDATE ... SET count = count + 1, so parallel requests cannot both
read the same count and slip past the limit.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import models, transaction

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
