"""Version counters in the cache: a cached value keyed with the current version of what it depends on is
dropped, in effect, by bumping that version (the old keys are never read again and expire on their own).
Used for the public page cache, the public recruitment figures and the back-office list totals."""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache


def current_version(key: str) -> int:
    version = cache.get(key)
    if version is None:  # first use, or the cache was emptied: every process agrees on the value added first
        cache.add(key, time.time_ns(), None)
        version = cache.get(key, 0)
    return version


def bump_version(key: str) -> None:
    cache.set(key, time.time_ns(), None)


def settled_version(key: str, interval: int) -> int:
    """The version of `key` as read at most `interval` seconds ago (whole seconds; 0 reads it live).

    During a sign-up rush the live version changes many times a second; whatever is keyed on the settled
    version changes at most once per interval instead. Single flight: when the settled value has expired,
    the one process that wins `cache.add` on a lock (held for the interval, never released early) reads
    the live version and publishes it; every other process meanwhile keeps the previous settled value, so
    there is never a stampede of recomputations. The next request after the interval sees the change."""
    if interval <= 0:
        return current_version(key)
    settled_key, last_key, lock_key = f"{key}:settled", f"{key}:settled-last", f"{key}:settled-lock"
    values = cache.get_many([settled_key, last_key])
    if settled_key in values:
        return values[settled_key]
    if cache.add(lock_key, 1, interval):
        version = current_version(key)
        cache.set_many({settled_key: version}, interval)
        cache.set(last_key, version, None)
        return version
    if last_key in values:
        return values[last_key]
    return current_version(key)


# --- What a rendering read --------------------------------------------------------------------------
# Selectors of live data note the name of what they read (e.g. "figures"); the public page cache records
# the names while it renders a page, and keys the stored copy on their versions: a page that shows no
# live figures does not depend on them and survives a sign-up rush.

_reads: ContextVar[set[str] | None] = ContextVar("live_reads", default=None)


def note_read(name: str) -> None:
    reads = _reads.get()
    if reads is not None:
        reads.add(name)


@contextmanager
def recording_reads():
    reads: set[str] = set()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
