"""The transactional outbox and the sent-log (operations reliability).

`OutboxMessage`: a task that a committed change must trigger, written in the same transaction as the
change, so the task exists exactly when the change does. `operations.outbox` publishes it to Celery after
the commit and again, with exponential backoff, until the broker has taken it.

`EffectLog`: one row per side effect already done (an e-mail sent, an import written), keyed by the event.
The unique key makes a redelivered task (Celery acknowledges late, so a killed worker's task runs again)
find its effect done and do nothing."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the broker")
    SENT = "sent", _("Handed to the broker")
    DEAD = "dead", _("Given up")


class OutboxMessage(models.Model):
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # The Celery task id used for every publication of this message: a message published twice (the
    # relay could not record the first success) is still one event for the task's sent-log.
    task_id = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_due",
                         condition=models.Q(status="pending")),
            models.Index(fields=["status", "created_at"], name="outbox_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} [{self.status}]"


class EffectLog(models.Model):
    key = models.CharField(max_length=200, unique=True)
    task_name = models.CharField(max_length=200, blank=True)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["done_at"], name="effectlog_done_at")]

    def __str__(self) -> str:
        return self.key
