"""Version counters in the cache: a cached value keyed with the current version of what it depends on is
dropped, in effect, by bumping that version (the old keys are never read again and expire on their own).
Used for the public page cache, the public recruitment figures and the back-office list totals."""
from __future__ import annotations

import time

from django.core.cache import cache


def current_version(key: str) -> int:
    version = cache.get(key)
    if version is None:  # first use, or the cache was emptied: every process agrees on the value added first
        cache.add(key, time.time_ns(), None)
        version = cache.get(key, 0)
    return version


def bump_version(key: str) -> None:
    cache.set(key, time.time_ns(), None)
