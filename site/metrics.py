"""Prometheus metrics beyond django-prometheus's request rates and latencies per view:

- read from the database at scrape time (so every web node and worker agrees): outbox messages by
  status and the age of the oldest pending one, sign-ups by status, roster imports by status;
- the length of the Celery queue in Redis;
- counters of finished and failed Celery tasks by task name (kept per process; with
  `PROMETHEUS_MULTIPROC_DIR` shared by gunicorn and the workers of a host they are summed)."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TASKS_FINISHED = Counter("volunteer_celery_tasks_total", "Celery tasks finished, by task and outcome",
                         ["task", "outcome"])
TASK_FAILURES = Counter("volunteer_celery_task_failures_total", "Celery tasks that raised", ["task"])


class DomainCollector:
    def collect(self):
        from operations.models import OutboxMessage, OutboxStatus, RosterImport, Signup

        outbox = GaugeMetricFamily("volunteer_outbox_messages", "Outbox messages by status", labels=["status"])
        counts = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in OutboxStatus.values:
            outbox.add_metric([status], counts.get(status, 0))
        yield outbox
        oldest = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(t=Min("created_at"))["t"]
        yield GaugeMetricFamily("volunteer_outbox_oldest_pending_seconds",
                                "Age of the oldest message not yet handed to the broker",
                                value=(timezone.now() - oldest).total_seconds() if oldest else 0)
        signups = GaugeMetricFamily("volunteer_signups", "Sign-ups by status", labels=["status"])
        for status, n in Signup.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"):
            signups.add_metric([status], n)
        yield signups
        imports = GaugeMetricFamily("volunteer_roster_imports", "Roster imports by status", labels=["status"])
        for status, n in RosterImport.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"):
            imports.add_metric([status], n)
        yield imports
        queue = GaugeMetricFamily("volunteer_celery_queue_length", "Messages waiting in the broker queue",
                                  labels=["queue"])
        length = celery_queue_length()
        if length is not None:
            queue.add_metric(["celery"], length)
        yield queue


def celery_queue_length(queue: str = "celery") -> int | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return int(client.llen(queue))
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - a broker away shows as a missing sample, and in readiness
        logger.warning("metrics: could not read the length of queue %s", queue)
        return None


_registered = False


def ensure_registered() -> None:
    global _registered
    if not _registered:
        from prometheus_client import REGISTRY

        REGISTRY.register(DomainCollector())
        _registered = True


def connect_celery_signals() -> None:
    from celery.signals import task_failure, task_postrun

    def on_postrun(task=None, state=None, **kwargs):
        if task is not None:
            TASKS_FINISHED.labels(task.name, state or "UNKNOWN").inc()

    def on_failure(sender=None, **kwargs):
        if sender is not None:
            TASK_FAILURES.labels(sender.name).inc()

    task_postrun.connect(on_postrun, weak=False, dispatch_uid="metrics_postrun")
    task_failure.connect(on_failure, weak=False, dispatch_uid="metrics_failure")
