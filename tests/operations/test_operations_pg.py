"""Proof of the operations guarantees on PostgreSQL with real processes: a private Redis that the tests
start and stop (never the shared one), real Celery workers that the tests SIGKILL, pg_dump/pg_restore.

- sign-ups while the broker is down commit and answer normally; once it is back, each notification is
  delivered exactly once (even when every message is published a second time);
- a worker killed after sending a mail but before acknowledging it: the message is redelivered to a new
  worker, which finds the mail in the sent-log and does not send it again; killed before sending: the new
  worker sends it, once;
- the restore drill: backup → restore into a new database and empty directories → the same row count and
  checksum for every table, the same files;
- the readiness endpoint reports the cache, the broker, the disk and the database going down.

Skipped only when DATABASE_URL is not PostgreSQL."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from operations.models import OutboxMessage, OutboxStatus, SignupStatus
from tests.conftest import wait_for

from .journey_support import build_event, volunteer_with_account
from .ops_support import RedisServer, Worker, broker, mails_to

pytestmark = [
    pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="needs PostgreSQL (DATABASE_URL=postgres://…)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ops(tmp_path, redis_server, settings):
    """Mail sink, hook directory and worker factory around a private Redis; the test process publishes
    to it too."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "hooks").mkdir()
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    settings.OUTBOX_RETRY_MAX_SECONDS = 2
    workers: list[Worker] = []

    def worker() -> Worker:
        w = Worker(broker_url=redis_server.url, mail_dir=tmp_path / "mail", hook_dir=tmp_path / "hooks",
                   log=tmp_path / "worker.log")
        w.start()
        workers.append(w)
        return w

    class Ops:
        redis = redis_server
        mail = tmp_path / "mail"
        hooks = tmp_path / "hooks"
        log = tmp_path / "worker.log"

        def runs(self, task_id: str) -> int:
            path = self.hooks / "runs.log"
            return path.read_text().split().count(task_id) if path.exists() else 0

    Ops.worker = staticmethod(worker)
    with broker(redis_server.url):
        try:
            yield Ops()
        finally:
            for w in workers:
                w.stop()
            from django.db import connections

            connections.close_all()


def _sign_up(client, volunteer, shift):
    client.force_login(volunteer.user)
    started = time.monotonic()
    response = client.post("/volunteer/signup/", {"shift": [shift.pk]})
    return response, time.monotonic() - started


def test_sign_ups_while_the_broker_is_down_commit_and_each_mail_arrives_once(ops, client):
    event = build_event(headcount=2)
    people = [volunteer_with_account(email=f"down{i}@example.com") for i in range(3)]
    ops.redis.stop()  # the broker goes away

    statuses, request_ids = [], []
    for volunteer in people:
        response, elapsed = _sign_up(client, volunteer, event.morning)
        assert response.status_code == 200, response.content[:500]
        assert elapsed < 10, f"the sign-up waited {elapsed:.1f} s for the broker"
        statuses.append(response.context["outcomes"][0].signup.status)
        request_ids.append(response["X-Request-ID"])
    assert statuses == [SignupStatus.ACCEPTED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED]
    messages = OutboxMessage.objects.filter(task_name="operations.tasks.send_signup_notification")
    assert messages.count() == 3
    assert set(messages.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert all(m.attempts == 1 and "Error" in m.last_error for m in messages)
    assert mails_to(ops.mail) == {}

    ops.redis.start()  # the broker is back; beat's next drain publishes what waited
    ops.worker()
    time.sleep(1.1)  # the backoff of the first failed attempt (1 s in this test)
    from operations.tasks import drain_outbox

    drain_outbox.delay()
    expected = {p.email: 1 for p in people}
    wait_for(lambda: mails_to(ops.mail) == expected, timeout=60)
    assert set(messages.values_list("status", flat=True)) == {OutboxStatus.SENT}
    # each request's id reached the worker: its JSON log lines about the notification carry it
    lines = [json.loads(line) for line in ops.log.read_text().splitlines() if line.startswith("{")]
    for request_id in request_ids:
        assert any(line.get("request_id") == request_id and "send_signup_notification" in line["message"]
                   for line in lines), request_id

    # A relay that published but could not record it publishes again: still one mail per event.
    task_ids = list(messages.values_list("task_id", flat=True))
    messages.update(status=OutboxStatus.PENDING, next_attempt_at=OutboxMessage.objects.first().created_at)
    drain_outbox.delay()
    wait_for(lambda: all(ops.runs(t) == 2 for t in task_ids), timeout=60)
    wait_for(lambda: ops.redis.llen() == 0, timeout=10)
    assert mails_to(ops.mail) == expected


@pytest.mark.parametrize("moment", ["after", "before"])
def test_a_worker_killed_mid_task_sends_one_mail_per_event(ops, moment):
    """"after": killed once the mail is sent and recorded but before the acknowledgement (the case that
    used to send twice); "before": killed as the task starts (the mail must still arrive, once)."""
    from operations.services.signups import signup_create

    event = build_event(headcount=5)
    people = [volunteer_with_account(email=f"kill{i}@example.com") for i in range(3)]
    (ops.hooks / f"pause-{moment}").touch()
    first = ops.worker()
    for volunteer in people:
        assert signup_create(volunteer=volunteer, shift=event.morning).status == SignupStatus.ACCEPTED
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 3  # published after each commit

    paused = wait_for(lambda: (ops.hooks / "paused").exists() and (ops.hooks / "paused").read_text(), timeout=60)
    assert sum(mails_to(ops.mail).values()) == (1 if moment == "after" else 0)
    first.kill()  # SIGKILL: the message stays unacknowledged in Redis

    ops.worker()  # a new worker gets the killed worker's message again after the visibility timeout
    expected = {p.email: 1 for p in people}
    wait_for(lambda: ops.runs(paused) == 2 and mails_to(ops.mail) == expected, timeout=60)
    wait_for(lambda: ops.redis.llen() == 0, timeout=10)
    assert mails_to(ops.mail) == expected


def _create_database(name: str) -> None:
    from operations.backup import PgTarget

    admin = PgTarget.from_settings()
    admin.name = "postgres"
    with admin.connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    from operations.backup import PgTarget

    admin = PgTarget.from_settings()
    admin.name = "postgres"
    with admin.connect(autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _files(root: Path) -> dict[str, str]:
    from operations.backup import sha256_file

    return {p.relative_to(root).as_posix(): sha256_file(p) for p in root.rglob("*") if p.is_file()}


def test_restore_drill(org, tmp_path, settings):
    from operations.backup import PgTarget, table_fingerprints
    from operations.services.signups import signup_create

    event = build_event(headcount=1)
    for i in range(3):
        signup_create(volunteer=volunteer_with_account(email=f"drill{i}@example.com"), shift=event.morning)
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "certificates" / "2025").mkdir(parents=True)
    (media / "certificates" / "2025" / "證書.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    (media / "original_images").mkdir()
    (media / "original_images" / "banner.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000)
    (private / "consents").mkdir(parents=True)
    (private / "consents" / "guardian.jpg").write_bytes(b"\xff\xd8\xff" + b"\x07" * 3000)
    settings.BACKUP_FILE_ROOTS = {"media": str(media), "private": str(private)}

    call_command("backup", "--to", str(tmp_path / "backups"))
    backup = next((tmp_path / "backups").glob("backup-*"))
    restored_name = f"{connection.settings_dict['NAME']}_restore"
    _create_database(restored_name)
    try:
        target = PgTarget.from_settings()
        target.name = restored_name
        url = f"postgres://{target.user}@{target.host or '127.0.0.1'}:{target.port or 5432}/{restored_name}"
        if target.password:
            url = url.replace(f"{target.user}@", f"{target.user}:{target.password}@")
        call_command("restore", str(backup), "--database-url", url,
                     "--files-root", f"media={tmp_path / 'restored-media'}",
                     "--files-root", f"private={tmp_path / 'restored-private'}")

        with connection.cursor() as cursor:
            source = table_fingerprints(cursor)
        with target.connect() as conn, conn.cursor() as cursor:
            restored = table_fingerprints(cursor)
        assert set(restored) == set(source)
        assert restored == source  # same row count and checksum for every table
        assert source["operations_signup"]["rows"] == 3 and source["operations_orgnode"]["rows"] > 10
        assert source["django_migrations"]["rows"] > 0
        assert _files(tmp_path / "restored-media") == _files(media)
        assert _files(tmp_path / "restored-private") == _files(private)
        assert len(_files(media)) == 2 and len(_files(private)) == 1

        with pytest.raises(CommandError, match="not empty"):  # never over live data
            call_command("restore", str(backup), "--database-url", url, "--skip-files")
    finally:
        _drop_database(restored_name)

    damaged = backup / "files" / "private" / "consents" / "guardian.jpg"
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\x08")
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(backup), "--verify-only")


def test_readiness_reports_each_dependency_going_down(client, redis_server, tmp_path, settings):
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "private").mkdir()
    settings.BACKUP_FILE_ROOTS = {"media": str(tmp_path / "media"), "private": str(tmp_path / "private")}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_server.url.replace("/0", "/1")}}
    settings.CELERY_BROKER_URL = redis_server.url
    settings.HEALTH_DISK_MIN_FREE_MB = 1

    def ready():
        response = client.get("/-/health/ready")
        body = response.json()
        return response.status_code, {name: check["ok"] for name, check in body["checks"].items()}

    assert client.get("/-/health/live").status_code == 200
    assert ready() == (200, {"database": True, "cache": True, "broker": True, "disk": True})

    redis_server.stop()
    assert ready() == (503, {"database": True, "cache": False, "broker": False, "disk": True})
    redis_server.start()
    assert ready()[0] == 200

    (tmp_path / "private").rmdir()
    assert ready() == (503, {"database": True, "cache": True, "broker": True, "disk": False})
    (tmp_path / "private").mkdir()

    port = connection.settings_dict["PORT"]
    from .ops_support import free_port

    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there: the database is "down"
    try:
        status, checks = ready()
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert (status, checks) == (503, {"database": False, "cache": True, "broker": True, "disk": True})
    assert ready()[0] == 200


def test_a_roster_import_delivered_twice_at_once_imports_once(settings, tmp_path):
    """Two workers run the same import task at the same moment (a redelivery while the first still
    runs): the job row lock lets one import; the other finds the job done and writes nothing."""
    import threading

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connections

    from operations.models import RosterImport, RosterStatus, Signup
    from operations.services.rosters import roster_import_run

    from .test_journey_roster import csv_bytes, people

    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MIN_ROWS": 3}
    event = build_event(headcount=2)
    rep = volunteer_with_account(email="rep@example.com")
    job = RosterImport.objects.create(created_by=rep.user, original_name="g.csv", language="en",
                                      file=SimpleUploadedFile("g.csv", csv_bytes(people(4))))
    job.shifts.set([event.morning])
    OutboxMessage.objects.all().delete()
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(roster_import_run(job_id=job.pk).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    job.refresh_from_db()
    assert results == [RosterStatus.DONE, RosterStatus.DONE]
    assert (job.status, job.accepted, job.waitlisted) == (RosterStatus.DONE, 2, 2)
    assert Signup.objects.filter(shift=event.morning).count() == 4
    assert OutboxMessage.objects.filter(task_name="operations.tasks.send_roster_result").count() == 1
