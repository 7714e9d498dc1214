"""Transactional outbox for Celery tasks: nothing a committed change must trigger is lost when the broker
(Redis) is away, and no request fails because of it.

One entry point, `enqueue(task, *args, **kwargs)`, used instead of `transaction.on_commit(lambda:
task.delay(...))`:

1. it writes an `OutboxMessage` row in the caller's transaction (so the task exists exactly when the
   change is committed; a rolled-back change leaves no task behind);
2. after the commit it tries once to publish the message (best effort: any broker error is logged, never
   raised, and the message waits for step 3);
3. `drain()` (Celery beat every `OUTBOX_DRAIN_SECONDS`, or `manage.py outbox_drain`) publishes what is
   due, with exponential backoff between attempts, and gives up (status "dead", logged as an error and
   counted by the metrics) after `OUTBOX_MAX_ATTEMPTS`.

Every publication of a message uses the same Celery task id, so the task's sent-log
(`operations.effects`) sees a message that was published twice as one event. Without a broker
(`make run`: tasks inline) step 2 runs the task at once, as `.delay()` did; a task that fails is retried by
the drain like an unpublished message.

Why not a library: django-celery-outbox (0.4) replaces the Celery application class and pulls in
structlog, sentry-sdk and datadog as hard dependencies; django-outbox-pattern targets STOMP brokers, not
Celery. This module is small and covered by tests/operations/test_outbox.py and test_operations_pg.py."""
from __future__ import annotations

import datetime
import importlib
import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from volunteer_site.request_id import get_request_id

from .models.outbox import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


def _setting(name: str, default):
    return getattr(settings, name, default)


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base × 2^(attempts−1), capped."""
    base = _setting("OUTBOX_RETRY_BASE_SECONDS", 10)
    cap = _setting("OUTBOX_RETRY_MAX_SECONDS", 3600)
    return int(min(cap, base * 2 ** max(attempts - 1, 0)))


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Record that `task(*args, **kwargs)` must run once the current transaction commits, and publish it
    after the commit. Arguments must be JSON values (ids, strings), as for any Celery task."""
    message = OutboxMessage.objects.create(
        task_name=_task_name(task), args=list(args), kwargs=kwargs, task_id=str(uuid.uuid4()),
        request_id=get_request_id() or "",
        # The drain leaves a fresh message to the after-commit publication for a while.
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=_setting("OUTBOX_GRACE_SECONDS", 30)),
    )
    transaction.on_commit(partial(publish, message), robust=True)
    return message


def _resolve(name: str):
    from volunteer_site.celery import app

    if name not in app.tasks:
        importlib.import_module(name.rsplit(".", 1)[0])  # the tasks module, if not loaded yet
    return app.tasks[name]


def _publish(message: OutboxMessage) -> None:
    task = _resolve(message.task_name)
    task.apply_async(
        args=message.args, kwargs=message.kwargs, task_id=message.task_id,
        headers={"request_id": message.request_id, "outbox_id": message.pk},
        ignore_result=True, retry=False,  # the outbox retries; the request must not wait for the broker
    )


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def _attempt(message: OutboxMessage) -> bool:
    """Publish one message (its row is locked by the caller) and record the outcome."""
    now = timezone.now()
    try:
        _publish(message)
    except Exception as exc:  # noqa: BLE001 - any broker or inline-task failure: try again later
        attempts = message.attempts + 1
        dead = attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 25)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
            next_attempt_at=now + datetime.timedelta(seconds=backoff_seconds(attempts)),
        )
        log = logger.error if dead else logger.warning
        log("outbox: %s message %s (%s) not published, attempt %s: %s", "gave up on" if dead else "retrying",
            message.pk, message.task_name, attempts, exc, extra={"outbox_id": message.pk})
        return False
    _mark_sent(message, now)
    return True


def _mark_sent(message: OutboxMessage, now: datetime.datetime) -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # After the request's commit (autocommit): one statement that is its own transaction and relaxes its
        # own commit (`set_config(…, true)` lasts until that transaction ends), instead of BEGIN, SET LOCAL,
        # UPDATE and COMMIT.
        qn, opts = connection.ops.quote_name, OutboxMessage._meta
        col = {name: qn(opts.get_field(name).column) for name in ("status", "sent_at", "attempts", "last_error")}
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {qn(opts.db_table)} SET {col['status']} = %s, {col['sent_at']} = %s, "
                f"{col['attempts']} = {col['attempts']} + 1, {col['last_error']} = '' "
                "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed "
                f"WHERE {qn(opts.pk.column)} = %s AND {col['status']} = %s",
                [OutboxStatus.SENT, now, message.pk, OutboxStatus.PENDING])
        return
    with transaction.atomic():
        _without_waiting_for_the_disk()
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="")


def _without_waiting_for_the_disk() -> None:
    """Let the current transaction commit without waiting for its WAL to reach the disk (PostgreSQL's
    `synchronous_commit = off` for this transaction only). Used for the "sent" mark alone: after a crash
    that loses it the message is pending again, and the drain publishes it once more under the same task id,
    which the task's sent-log counts as one event. It spares every request that enqueues a task a second
    disk flush (about 3 ms on an ordinary disk) after its own commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def publish(message: OutboxMessage) -> bool:
    """The after-commit publication of one message; never raises. False when it was not published now
    (broker away, or the task failed inline). No lock is needed: the drain leaves a message alone for
    `OUTBOX_GRACE_SECONDS` after it was written, far longer than a publication that fails fast."""
    if message.status != OutboxStatus.PENDING:
        return False
    try:
        return _attempt(message)
    except Exception:  # noqa: BLE001 - the database itself: the drain will find the message
        logger.exception("outbox: could not record the publication of message %s", message.pk)
        return False


def drain(*, limit: int = 500) -> dict[str, int]:
    """Publish every pending message that is due (oldest first). Several drains may run at once: each
    takes rows the others do not hold (SKIP LOCKED on PostgreSQL)."""
    published = failed = 0
    while published + failed < limit:
        with transaction.atomic():
            batch = list(_locked(
                OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "id"))[:50])
            if not batch:
                break
            for message in batch:
                if _attempt(message):
                    published += 1
                else:
                    failed += 1
        if failed and not published:
            break  # the broker is away: leave the rest to the next run
    return {"published": published, "failed": failed}


def retry_dead() -> int:
    """Give dead messages another series of attempts (after the cause is fixed)."""
    return OutboxMessage.objects.filter(status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now())


def purge(*, sent_older_than_days: int | None = None, effects_older_than_days: int | None = None) -> dict[str, int]:
    """Delete published messages and sent-log rows past their retention (a redelivery cannot come later
    than the broker's visibility timeout, hours; the default keeps them for weeks)."""
    from .models.outbox import EffectLog

    now = timezone.now()
    sent_days = sent_older_than_days if sent_older_than_days is not None else _setting("OUTBOX_KEEP_SENT_DAYS", 7)
    effect_days = (effects_older_than_days if effects_older_than_days is not None
                   else _setting("EFFECT_LOG_KEEP_DAYS", 30))
    sent, _ = OutboxMessage.objects.filter(status=OutboxStatus.SENT,
                                           sent_at__lt=now - datetime.timedelta(days=sent_days)).delete()
    effects, _ = EffectLog.objects.filter(done_at__lt=now - datetime.timedelta(days=effect_days)).delete()
    return {"messages": sent, "effects": effects}
