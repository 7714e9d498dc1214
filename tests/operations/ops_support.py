"""Processes for the operations tests: a private Redis on a free port (never the shared one) and real
Celery workers in their own process group, so that a test can stop the broker or SIGKILL a worker."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # --appendonly yes: what the broker held survives a stop/start, as with a production Redis
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "yes", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def llen(self, key: str = "celery") -> int:
        import redis

        return redis.Redis.from_url(self.url).llen(key)


@contextlib.contextmanager
def broker(url: str):
    """Point this process's Celery app at `url` (a real broker, no inline tasks) for the block."""
    from volunteer_site.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "broker_write_url", "broker_read_url", "task_always_eager")}

    def reset_pools():  # the next publication connects to the broker now configured
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url=url, broker_write_url=url, broker_read_url=url, task_always_eager=False)
    reset_pools()
    try:
        yield app
    finally:
        app.conf.update(**saved)
        reset_pools()


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker --pool=solo` as a separate process (its own session, so SIGKILL reaches it alone)."""

    def __init__(self, *, broker_url: str, mail_dir: Path, hook_dir: Path, log: Path):
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tests.ops_worker_settings", "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": broker_url, "MAIL_SINK_DIR": str(mail_dir),
            "OPS_HOOK_DIR": str(hook_dir), "PYTHONPATH": str(REPO), "LOG_FORMAT": "json",
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        out = open(self.log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "volunteer_site", "worker", "--pool=solo", "--loglevel=INFO",
             "--include=tests.operations.ops_worker_hooks", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"ops-{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def mails_to(mail_dir: Path) -> dict[str, int]:
    """Messages in the file sink by recipient (the file backend writes one file per message here)."""
    counts: dict[str, int] = {}
    for path in mail_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("To: "):
                counts[line[4:].strip()] = counts.get(line[4:].strip(), 0) + 1
    return counts
