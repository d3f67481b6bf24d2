"""Fixed-window rate limits kept in the cache (per process with the default cache; shared with Redis), for sign-in,
the portals and the public intake endpoints alike."""

import time

from django.core.cache import cache


def is_rate_limited(bucket: str, limit_per_minute: int) -> bool:
    if limit_per_minute <= 0:
        return False
    window = int(time.time() // 60)
    key = f"ratelimit:{bucket}:{window}"
    if cache.add(key, 1, timeout=90):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=90)
        count = 1
    return count > limit_per_minute
