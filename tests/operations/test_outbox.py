"""The outbox, the sent-log, request ids, JSON logs, health and metrics, on any database (SQLite by
default). The broker outage here is a real one: a Redis URL on a port where nothing listens."""
from __future__ import annotations

import datetime
import json
import logging
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from operations import outbox
from operations.models import EffectLog, OutboxMessage, OutboxStatus
from operations.tasks import send_role_granted_email
from tests.factories import RoleGrantFactory, UnitFactory, UserFactory

from .ops_support import broker, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def grant(db):
    user = UserFactory(email="granted@example.com")
    grant = RoleGrantFactory(user=user, node=UnitFactory(), role="unit_admin")
    OutboxMessage.objects.all().delete()  # the factory's own "role granted" mail is not under test
    EffectLog.objects.all().delete()
    mail.outbox.clear()
    return grant


@pytest.fixture
def inline():
    """Tasks inline, as without a broker (make run), whatever CELERY_BROKER_URL says."""
    from volunteer_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_backoff_doubles_up_to_the_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4, 9, 20)] == [10, 20, 40, 80, 2560, 3600]


def test_a_rolled_back_change_leaves_no_task(grant, inline):
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(send_role_granted_email, grant.pk)
        raise RuntimeError("the change fails")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_without_a_broker_the_task_runs_after_the_commit_once(grant, inline):
    mail.outbox.clear()
    with transaction.atomic():
        message = outbox.enqueue(send_role_granted_email, grant.pk)
        assert mail.outbox == []  # not before the commit
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert [m.to for m in mail.outbox] == [["granted@example.com"]]
    # the same event published again (same task id): the sent-log says it is done
    assert outbox.publish(OutboxMessage.objects.get(pk=message.pk)) is False  # already sent: not republished
    send_role_granted_email.apply(args=[grant.pk], task_id=message.task_id)
    assert len(mail.outbox) == 1
    assert EffectLog.objects.filter(key=f"{send_role_granted_email.name}:{message.task_id}").count() == 1


def test_a_broker_that_is_down_never_fails_the_caller_and_the_drain_retries(grant, settings, inline):
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    mail.outbox.clear()
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        started = time.monotonic()
        with transaction.atomic():
            message = outbox.enqueue(send_role_granted_email, grant.pk)
        elapsed = time.monotonic() - started
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert "Error" in message.last_error
        assert timezone.now() + datetime.timedelta(seconds=5) < message.next_attempt_at
        assert elapsed < 10
        assert outbox.drain() == {"published": 0, "failed": 0}  # not due yet
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        assert outbox.drain() == {"published": 0, "failed": 1}  # still down: backs off again
        message.refresh_from_db()
        assert message.attempts == 2 and message.status == OutboxStatus.PENDING
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox.drain() == {"published": 1, "failed": 0}  # the broker is back (inline here)
    assert [m.to for m in mail.outbox] == [["granted@example.com"]]
    assert outbox.drain() == {"published": 0, "failed": 0}


def test_a_message_that_keeps_failing_is_given_up_and_can_be_retried(grant, settings, inline):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        with transaction.atomic():
            message = outbox.enqueue(send_role_granted_email, grant.pk)
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        outbox.drain()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 2
    assert outbox.retry_dead() == 1
    assert outbox.drain()["published"] == 1


def test_purge_keeps_recent_rows(grant, inline):
    with transaction.atomic():
        outbox.enqueue(send_role_granted_email, grant.pk)
    assert outbox.purge() == {"messages": 0, "effects": 0}
    OutboxMessage.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    EffectLog.objects.update(done_at=timezone.now() - datetime.timedelta(days=31))
    assert outbox.purge() == {"messages": 1, "effects": 1}


def test_the_request_id_is_honoured_or_made_and_reaches_the_outbox(client, grant, inline):
    response = client.get("/-/health/live", HTTP_X_REQUEST_ID="lb-1234.abc")
    assert response.status_code == 200
    response = client.get("/en/volunteer/login/", HTTP_X_REQUEST_ID="lb-1234.abc")
    assert response["X-Request-ID"] == "lb-1234.abc"
    made = client.get("/en/volunteer/login/", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert made != "bad id with spaces" and len(made) == 32

    from volunteer_site.request_id import reset_request_id, set_request_id

    token = set_request_id("req-42")
    try:
        with transaction.atomic():
            message = outbox.enqueue(send_role_granted_email, grant.pk)
    finally:
        reset_request_id(token)
    assert OutboxMessage.objects.get(pk=message.pk).request_id == "req-42"


def test_log_lines_are_json_with_the_request_id(settings):
    from django.utils.module_loading import import_string
    from volunteer_site.request_id import RequestIdFilter, reset_request_id, set_request_id

    config = settings.LOGGING["formatters"]["json"]
    formatter = import_string(config["()"])(fmt=config["format"], rename_fields=config["rename_fields"])
    record = logging.LogRecord("operations", logging.WARNING, __file__, 1, "seat taken by %s", ("someone",), None)
    token = set_request_id("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "seat taken by someone"
    assert line["request_id"] == "abc123" and line["level"] == "WARNING" and line["logger"] == "operations"


def test_health_endpoints(client, settings, tmp_path):
    settings.BACKUP_FILE_ROOTS = {"media": str(tmp_path)}
    settings.HEALTH_DISK_MIN_FREE_MB = 1
    settings.CELERY_BROKER_URL = ""
    assert client.get("/-/health/live").json() == {"status": "ok"}
    response = client.get("/-/health/ready")
    assert response.status_code == 200, response.content
    assert {k: v["ok"] for k, v in response.json()["checks"].items()} == {
        "database": True, "cache": True, "broker": True, "disk": True}
    settings.BACKUP_FILE_ROOTS = {"media": str(tmp_path / "missing")}
    response = client.get("/-/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["disk"]["ok"] is False


def test_metrics_are_not_public(client, settings, grant):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/-/metrics").status_code == 404
    assert client.get("/-/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.get("/en/volunteer/login/")
    response = client.get("/-/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert 'volunteer_outbox_messages{status="pending"}' in text
    assert "volunteer_signups" in text and "volunteer_roster_imports" in text
    assert "volunteer_celery_task_failures_total" in text or "volunteer_celery_tasks_total" in text
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.0/8"]
    assert client.get("/-/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/-/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_the_sent_mark_alone_commits_without_waiting_for_the_disk(grant, inline):
    """The change and its message commit durably; only the later "sent" mark skips the WAL flush (a lost mark
    means one more publication under the same task id), and the setting ends with that transaction (outside a
    transaction the mark is a single UPDATE that relaxes its own commit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            message = outbox.enqueue(send_role_granted_email, grant.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    sql = [q["sql"] for q in queries.captured_queries]
    insert = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "operations_outboxmessage"'))
    update = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "operations_outboxmessage"'))
    relaxed = [i for i, q in enumerate(sql) if "synchronous_commit" in q]
    if connection.vendor == "postgresql":
        # not for the change, only for the mark: after the commit, the mark is one statement that relaxes itself
        assert len(relaxed) == 1 and insert < relaxed[0] <= update
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    else:
        assert relaxed == []
