"""Exactly-once effects from at-least-once tasks.

Celery acknowledges our tasks late (`CELERY_TASK_ACKS_LATE`), so a worker killed after sending an e-mail
but before acknowledging gets the message redelivered. Each task that sends mail or writes therefore
claims the key of its event in `EffectLog` (unique) in the same database transaction as its effect:

    with effect_once(task_event_key(self)) as first:
        if not first:
            return False            # done before: a redelivery does nothing
        message.send()

The claim and the effect commit together: if the task fails (or the worker dies) before the commit, the
claim is rolled back and the redelivered task does the work; once committed, every later run skips it.
On PostgreSQL a concurrent duplicate waits on the unique index until the first one commits. The one
window left is an SMTP server that accepted the mail while the process died before the commit (a few
milliseconds); that is the limit of any mail system without transactional delivery. E-mail uses this
through `operations.mail.send_templated_mail`, the one way mail leaves."""
from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.utils import timezone

from .models.outbox import EffectLog


def task_event_key(task, *parts) -> str:
    """The event a running task stands for: its Celery task id (the outbox publishes every copy of a
    message with the same id, and retries keep it), or `parts` when the event has a natural key."""
    if parts:
        return ":".join([task.name, *map(str, parts)])
    task_id = getattr(task.request, "id", None)
    return f"{task.name}:{task_id}" if task_id else ""


@contextlib.contextmanager
def effect_once(key: str, *, task_name: str = ""):
    """Yields True the first time for `key` (the effect must happen inside the block, which is atomic),
    False when the effect was already done. An empty key (a task called as a plain function) is always
    first."""
    with transaction.atomic():
        yield claim(key, task_name=task_name) if key else True


def claim(key: str, *, task_name: str = "") -> bool:
    """Insert the key unless it exists (one statement, no savepoint); True when this call inserted it.
    Call inside the transaction that does the effect."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(EffectLog._meta.db_table)} ({q('key')}, {q('task_name')}, {q('done_at')}) "  # noqa: S608
            f"VALUES (%s, %s, %s) ON CONFLICT ({q('key')}) DO NOTHING RETURNING {q('id')}",
            [key[:200], task_name[:200], timezone.now()])
        return cursor.fetchone() is not None
