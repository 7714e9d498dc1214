"""Public-site benchmarks (figures only, nothing asserted about speed):

1. the WMG landing page at WMG scale (`generate_load_data --scale wmg`: 70 venues, 20,000 shifts, 60,000
   sign-ups), served warm by gunicorn with 2 sync workers: requests per second next to a trivial Django
   view (same middleware) measured in the same run, and their ratio (goal >= 0.5);
2. the cold recompute of the recruitment status at WMG scale (cache version bumped before each run):
   median and p95 in milliseconds (goal <= 50 ms) and its SQL query count.

`run()` makes a fresh database (PostgreSQL next to DATABASE_URL when it points at PostgreSQL, a temporary
SQLite file otherwise), migrates it, measures in a child process and removes the database.
Standalone: `.venv/bin/python tests/bench/bench_public.py [--factor 0.1]`."""
from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
CLIENT_THREADS = 8
REQUESTS = 1200
ROUNDS = 3
RECOMPUTE_RUNS = 30

BENCH_SETTINGS = """
from volunteer_site.settings.test import *  # noqa
ROOT_URLCONF = "public_bench_urls"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
"""
BENCH_URLS = """
from django.http import HttpResponse
from django.urls import path

from volunteer_site.urls import urlpatterns as site_urlpatterns


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
"""


def _pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))]


def run(factor: float | None = None) -> list[tuple[str, str]]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test", "CELERY_BROKER_URL": "",
           "REDIS_URL": ""}
    cleanup = None
    if urlsplit(url).scheme in ("postgres", "postgresql"):
        import psycopg

        name = f"public_bench_{os.getpid()}"
        admin = psycopg.connect(url, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        env["DB_CONN_MAX_AGE"] = "60"

        def cleanup():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    else:
        folder = tempfile.mkdtemp(prefix="public-bench-")
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        env["MEDIA_ROOT"] = f"{folder}/media"

        def cleanup():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        factor = factor if factor is not None else float(os.environ.get("BENCH_FACTOR", "1.0"))
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner", "--factor", str(factor)],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr[-6000:])
            return [("public", f"failed (exit {out.returncode}); see the error above")]
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        cleanup()
    rows = [(label, value) for label, value in figures]
    for label, value in rows:
        print(f"{label}: {value}")
    return rows


# --- Child process, on the fresh database ----------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(tmp: str, port: int):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "public_bench_settings"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "volunteer_site.wsgi:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--pythonpath", tmp, "--log-level", "error"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/trivial/")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def _hammer(port: int, path: str, total: int) -> tuple[float, list[int], list[float]]:
    """`total` GETs of `path` from CLIENT_THREADS keep-alive connections; returns (wall seconds, statuses,
    latencies)."""
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = total // CLIENT_THREADS

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_status, mine_lat = [], []
        for _ in range(per_thread):
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "localhost"})
                response = conn.getresponse()
                response.read()
                mine_status.append(response.status)
            except (OSError, http.client.HTTPException):
                mine_status.append(0)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine_lat.append(time.perf_counter() - start)
        conn.close()
        with lock:
            statuses.extend(mine_status)
            latencies.extend(mine_lat)

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, statuses, latencies


def inner(factor: float) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.models import WMGLandingPage
    from operations.models import Shift, Signup
    from operations.selectors.recruitment import invalidate_recruitment_progress, recruitment_status

    figures: list[tuple[str, str]] = []
    call_command("load_demo_data", "--quiet", "--volunteers", "60", stdout=open(os.devnull, "w"))
    call_command("generate_load_data", "--scale", "wmg", "--factor", str(factor), stdout=open(os.devnull, "w"))
    campaign = "load-wmg-2025"
    WMGLandingPage.objects.update(campaign_code=campaign)  # the landing shows the WMG-scale campaign
    shifts = Shift.objects.filter(position__campaign__code=campaign).count()
    signups = Signup.objects.filter(shift__position__campaign__code=campaign).count()
    status = recruitment_status(campaign_code=campaign)
    scale = f"{status.venue_count} venues, {shifts} shifts, {signups} sign-ups, {connection.vendor}"

    # cold recompute of the recruitment status
    samples, queries = [], 0
    for _ in range(RECOMPUTE_RUNS):
        invalidate_recruitment_progress()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            recruitment_status(campaign_code=campaign)
            samples.append(time.perf_counter() - start)
        queries = len(ctx)
    figures.append((f"recruitment status cold recompute ({scale})",
                    f"median {statistics.median(samples) * 1000:.1f} ms, p95 {_pct(samples, 95) * 1000:.1f} ms, "
                    f"{queries} SQL queries (goal <= 50 ms)"))

    # warm WMG landing vs a trivial view under gunicorn
    connection.close()
    tmp = tempfile.mkdtemp(prefix="public-bench-")
    Path(tmp, "public_bench_settings.py").write_text(textwrap.dedent(BENCH_SETTINGS))
    Path(tmp, "public_bench_urls.py").write_text(textwrap.dedent(BENCH_URLS))
    port = _free_port()
    server = _gunicorn(tmp, port)
    try:
        _hammer(port, "/wmg/", CLIENT_THREADS * 4)  # warm both workers' caches
        _hammer(port, "/bench/trivial/", CLIENT_THREADS * 4)
        rounds, base_rounds, statuses, lat, base_status, base_lat = [], [], [], [], [], []
        for _ in range(ROUNDS):  # interleaved, so that a busy machine affects both alike
            wall_b, status_b, lat_b = _hammer(port, "/bench/trivial/", REQUESTS)
            wall_p, status_p, lat_p = _hammer(port, "/wmg/", REQUESTS)
            base_rounds.append(len(status_b) / wall_b)
            rounds.append(len(status_p) / wall_p)
            base_status += status_b
            base_lat += lat_b
            statuses += status_p
            lat += lat_p
    finally:
        server.terminate()
        server.wait(timeout=30)
    rps, base_rps = statistics.median(rounds), statistics.median(base_rounds)
    errors = sum(1 for s in statuses if s != 200)
    figures.append((f"WMG landing warm, gunicorn {WORKERS} workers, {CLIENT_THREADS} clients ({scale})",
                    f"{rps:.0f} req/s (median of {ROUNDS} interleaved rounds; p95 {_pct(lat, 95) * 1000:.0f} ms, errors {errors}); trivial view "
                    f"{base_rps:.0f} req/s (p95 {_pct(base_lat, 95) * 1000:.0f} ms); ratio {rps / base_rps:.2f} "
                    "(goal >= 0.5)"))
    return figures


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--factor", type=float, default=None)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.factor if args.factor is not None else 1.0), ensure_ascii=False))
    else:
        run(args.factor)
