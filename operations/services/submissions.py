"""Run a form's action once per one-time key (idempotency token). The form carries a fresh key
(`submission_key_new`, rendered as a hidden field); `submission_once` runs the action for the first POST
with that key and stores its JSON result; any repeat of the key returns the stored result without acting
again. A repeat that arrives while the first is still running waits for it (a few seconds) on every
database, because the key row is committed before the action starts.

Written here rather than taken from a package: the idempotency middlewares on PyPI key on a request
header (an API convention) and cache whole responses, while these are HTML forms whose answer depends on
the language and on messages; a unique row per (user, key) is all that is needed."""
from __future__ import annotations

import datetime
import re
import time
import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import SubmissionKey

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
WAIT_SECONDS = 10.0
KEEP = datetime.timedelta(days=2)


def submission_key_new() -> str:
    return uuid.uuid4().hex


def _stored(user, key: str, purpose: str) -> tuple[bool, dict | list | None]:
    """(row exists, its result) — waiting while the first request with the key is still running."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = SubmissionKey.objects.filter(user=user, key=key).values_list("purpose", "result").first()
        if row is None:
            return False, None
        if row[1] is not None or time.monotonic() > deadline:
            return True, row[1] if row[0] == purpose else None
        time.sleep(0.05)


def submission_once(*, user, key: str, purpose: str, run: Callable[[], dict | list]) -> tuple[dict | list | None, bool]:
    """(result, repeated). Without a well-formed key the action simply runs. A repeat gets the first
    result, or None when the first is still running after the wait (or had another purpose)."""
    if not key or not KEY_RE.match(key) or not getattr(user, "pk", None):
        return run(), False
    for _attempt in range(2):
        try:
            with transaction.atomic():
                SubmissionKey.objects.create(user=user, key=key, purpose=purpose)
        except IntegrityError:
            exists, result = _stored(user, key, purpose)
            if exists:
                return result, True
            continue  # the first request failed and gave the key back: act now
        try:
            result = run()
        except BaseException:
            SubmissionKey.objects.filter(user=user, key=key, result__isnull=True).delete()
            raise
        SubmissionKey.objects.filter(user=user, key=key).update(result=result)
        return result, False
    return None, True


def submission_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget keys older than two days (a resubmitted form that old acts again, guarded by the state
    machine of what it changes)."""
    return SubmissionKey.objects.filter(created_at__lt=(now or timezone.now()) - KEEP).delete()[0]
