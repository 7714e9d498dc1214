"""Volunteer-journey benchmarks (figures only, nothing asserted about speed):

1. sign-up rush: 500 concurrent HTTP clients on loopback POST a sign-up for the same 50-seat shift to
   gunicorn (2 and 8 sync workers) + PostgreSQL: accepted, waitlisted, errors, overbooked (must be 0),
   throughput and p95, next to a minimal Django view that inserts one row (same middleware), as a ratio;
2. the 我要當志工 browse page at WMG scale (generate_load_data --scale wmg: 20,000 shifts) with filters:
   median, p95 and its SQL query count;
3. a 5,000-row group roster (CSV) checked and imported;
4. cancel storm: on one full 200-seat shift with people waiting, 200 seat holders cancel and 200 newcomers
   sign up at the same moment (HTTP, gunicorn, one-time keys on every form): the seat invariants are
   checked afterwards (violations must be 0).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
postgres), migrates it, runs the measurements in a child process and drops it. Without PostgreSQL it
reports "skipped". Standalone: `.venv/bin/python tests/bench/bench_journey.py [--factor 0.1]`; BENCH_ONLY=rush
(or roster, browse, storm, comma-separated) runs only those parts; BENCH_WORKERS=2 (comma-separated)
chooses the gunicorn worker counts of the rush and the storm."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 500
SEATS = 50
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_WORKERS", "2,8").split(",") if w.strip())
STORM_SEATS = 200
STORM_WAITING = 50


def _pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def run(factor: float | None = None) -> list[tuple[str, str]]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or \
        "postgres://postgres@127.0.0.1:5432/postgres"
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        print("journey: skipped (needs PostgreSQL in DATABASE_URL)")
        return [("journey", "skipped: needs PostgreSQL")]
    import psycopg

    parts = urlsplit(url)
    name = f"journey_bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test",
           "CELERY_BROKER_URL": "", "DB_CONN_MAX_AGE": "60"}
    python = sys.executable
    try:
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        args = [python, str(Path(__file__).resolve()), "--inner"]
        factor = factor if factor is not None else float(os.environ.get("BENCH_FACTOR", "1.0"))
        args += ["--factor", str(factor)]
        out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr[-6000:])
            return [("journey", f"failed (exit {out.returncode}); see the error above")]
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    rows = [(label, value) for label, value in figures]
    for label, value in rows:
        print(f"{label}: {value}")
    return rows


# --- Everything below runs in the child process, on the fresh database --------------------------

def _setup_django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _event(headcount: int, code: str):
    import datetime

    from django.utils import timezone

    from operations.models import Campaign, CampaignStatus, OrgKind, OrgNode, Position, Shift, SignupMode

    root = OrgNode.objects.filter(depth=1).first() or OrgNode.add_root(
        kind=OrgKind.COMPETENT_AUTHORITY, code="bench-root", name="社會局")
    unit = root.add_child(kind=OrgKind.UNIT, code=f"{code}-unit", name=f"{code} 場館", city="taipei")
    campaign = Campaign.objects.create(unit=unit, code=code, title=f"{code} 招募", status=CampaignStatus.OPEN,
                                       signup_mode=SignupMode.INSTANT, min_age=16,
                                       starts_on=timezone.localdate() + datetime.timedelta(days=30),
                                       ends_on=timezone.localdate() + datetime.timedelta(days=40))
    position = Position.objects.create(campaign=campaign, venue=unit, title=f"{code} 服務組")
    return Shift.objects.create(position=position, date=campaign.starts_on, start_time=datetime.time(8),
                                end_time=datetime.time(12), name="早班", headcount=headcount)


def _volunteers(n: int, prefix: str):
    import datetime
    import random

    from operations.identity import generate_national_id
    from operations.models import User, Volunteer

    rng = random.Random(hash(prefix) & 0xFFFF)
    users = User.objects.bulk_create([User(username=f"{prefix}{i}@bench.example", email="",
                                           password="!") for i in range(n)])
    seen, volunteers = set(), []
    for user in users:
        number = generate_national_id(rng)
        while number in seen or Volunteer.objects.filter(id_number=number).exists():
            number = generate_national_id(rng)
        seen.add(number)
        volunteers.append(Volunteer(user=user, id_type="national_id", id_number=number, name=f"壓測{user.pk}",
                                    sex="F", birth_date=datetime.date(1980, 1, 1)))
    Volunteer.objects.bulk_create(volunteers)
    return users


def _sessions(users) -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


BENCH_SETTINGS = """
import os

from volunteer_site.settings.test import *  # noqa
ROOT_URLCONF = "journey_bench_urls"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# As in production, web workers only publish notification tasks (to a scratch Redis database that is
# emptied afterwards); set BENCH_REDIS_URL="" to run them inline instead.
CELERY_BROKER_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
"""
BENCH_URLS = """
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from volunteer_site.urls import urlpatterns as site_urlpatterns


def insert_one(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO journey_bench_ping (at) VALUES (now())")
    return HttpResponse("ok")


urlpatterns = [path("bench/insert/", insert_one), *site_urlpatterns]
"""


def _purge_bench_queue():
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url).flushdb()
        except redis.RedisError:
            pass


async def _fire(port: int, path: str, sessions: list[str], data: dict) -> tuple[list[float], list[int], float]:
    """POST the same form to `path` once per session, all at once."""
    return await _fire_mixed(port, [(path, key, data) for key in sessions])


def _gunicorn(workers: int, tmp: str, port: int):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "journey_bench_settings"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "volunteer_site.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--pythonpath", tmp, "--log-level", "error"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/volunteer/login/", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


@contextlib.contextmanager
def _served(workers: int, tmp: str):
    """gunicorn with `workers` sync workers on a free port for the block; the queued tasks are dropped after."""
    port = _free_port()
    server = _gunicorn(workers, tmp, port)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        _purge_bench_queue()


def bench_rush(figures):
    from django.db import connection

    from operations.models import Signup, SignupStatus

    shift = _event(SEATS, "bench-rush")
    users = _volunteers(CLIENTS, "rush")
    sessions = _sessions(users)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE journey_bench_ping (id bigserial primary key, at timestamptz)")
    tmp = tempfile.mkdtemp(prefix="journey-bench-")
    Path(tmp, "journey_bench_settings.py").write_text(textwrap.dedent(BENCH_SETTINGS))
    Path(tmp, "journey_bench_urls.py").write_text(textwrap.dedent(BENCH_URLS))
    from django.db import transaction

    for workers in WORKERS:
        with transaction.atomic():  # one transaction: the seat-invariant trigger checks the final state
            Signup.objects.filter(shift=shift).delete()
            type(shift).objects.filter(pk=shift.pk).update(accepted_count=0)
        with _served(workers, tmp) as port:
            base_lat, base_status, base_wall = asyncio.run(_fire(port, "/bench/insert/", sessions, {}))
            lat, statuses, wall = asyncio.run(_fire(port, "/volunteer/signup/", sessions, {"shift": str(shift.pk)}))
        accepted = Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED).count()
        waitlisted = Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).count()
        shift.refresh_from_db()
        errors = sum(1 for s in statuses if s != 200)
        throughput, base_throughput = CLIENTS / wall, CLIENTS / base_wall
        label = f"sign-up rush {CLIENTS} clients / {SEATS} seats, gunicorn {workers} workers"
        figures.append((label, (
            f"accepted {accepted}, waitlisted {waitlisted}, errors {errors}, overbooked {max(0, accepted - SEATS)} "
            f"(counter {shift.accepted_count}), {throughput:.0f} req/s, p50/p95/p99 {_pcts(lat)}; "
            f"minimal insert view {base_throughput:.0f} req/s (errors {sum(1 for s in base_status if s != 200)}), "
            f"p50/p95/p99 {_pcts(base_lat)}; ratio {throughput / base_throughput:.2f}")))
        if shutil.which("wrk"):
            bench_rush_sustained(figures, workers, tmp)


def _pcts(latencies) -> str:
    return "/".join(f"{_pct(latencies, q) * 1000:.0f}" for q in (50, 95, 99)) + " ms"


# wrk (C, not the bottleneck): every request a different volunteer's session, threads interleaved
RUSH_LUA = """
local keys = {}
for line in io.lines(os.getenv("RUSH_SESSIONS")) do keys[#keys + 1] = line end
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  n = 0
  threads = tonumber(os.getenv("RUSH_THREADS"))
end
function request()
  local key = keys[(n * threads + offset) % #keys + 1]
  n = n + 1
  return wrk.format("POST", os.getenv("RUSH_PATH"), {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. key .. "; csrftoken=" .. os.getenv("RUSH_TOKEN"),
    ["X-CSRFToken"] = os.getenv("RUSH_TOKEN"),
    ["Referer"] = "http://127.0.0.1/",
  }, os.getenv("RUSH_BODY"))
end
"""
SUSTAINED_SECONDS = int(os.environ.get("BENCH_RUSH_SECONDS", "8"))
SUSTAINED_SESSIONS = int(os.environ.get("BENCH_RUSH_SESSIONS", "4000"))
WARM_UP = 20


def _wrk_post(port: int, path: str, body: str, sessions_file: str, script: str) -> tuple[float, str, int]:
    threads = 2
    env = {**os.environ, "RUSH_SESSIONS": sessions_file, "RUSH_THREADS": str(threads), "RUSH_PATH": path,
           "RUSH_BODY": body, "RUSH_TOKEN": "b" * 32}
    out = subprocess.run(["wrk", f"-t{threads}", "-c10", f"-d{SUSTAINED_SECONDS}s", "--timeout", "10s", "--latency", "-s", script,
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, env=env).stdout
    import re

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lat = {q: re.search(rf"\s{q}%\s+(\S+)", out) for q in (50, 99)}
    note = f"p50 {lat[50].group(1) if lat[50] else '?'}, p99 {lat[99].group(1) if lat[99] else '?'}"
    return rps, note + (f", {errors.group(1)} non-2xx" if errors else ""), done


def bench_rush_sustained(figures, workers: int, tmp: str):
    """The same comparison held for `SUSTAINED_SECONDS` by wrk (-t2 -c10), each sign-up by a volunteer who has
    not signed up yet: the minimal insert view, then the sign-up POST for one shift of 50 seats (the rest join
    its waitlist), in the same run; overbooked must be 0."""
    from operations.models import Signup, SignupStatus

    shift = _event(SEATS, f"bench-sustained-{workers}")
    sessions = _sessions(_volunteers(SUSTAINED_SESSIONS + WARM_UP, f"sustained{workers}-"))
    sessions, warm_up = sessions[:SUSTAINED_SESSIONS], sessions[SUSTAINED_SESSIONS:]
    sessions_file = Path(tmp, f"sessions-{workers}.txt")
    sessions_file.write_text("\n".join(sessions) + "\n")
    script = Path(tmp, "rush.lua")
    script.write_text(RUSH_LUA)
    with _served(workers, tmp) as port:
        # both paths once in every worker before the clock starts (imports, templates, caches)
        asyncio.run(_fire_mixed(port, [(path, key, data) for key in warm_up for path, data in (
            ("/bench/insert/", {}), ("/volunteer/signup/", {"shift": str(shift.pk)}))]))
        base_rps, base_note, _ = _wrk_post(port, "/bench/insert/", "", str(sessions_file), str(script))
        rps, note, done = _wrk_post(port, "/volunteer/signup/", f"shift={shift.pk}", str(sessions_file), str(script))
    accepted = Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED).count()
    waitlisted = Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).count()
    repeated = " (sessions reused: raise BENCH_RUSH_SESSIONS)" if done > SUSTAINED_SESSIONS else ""
    figures.append((f"sign-up rush held {SUSTAINED_SECONDS} s by wrk -t2 -c10, gunicorn {workers} workers", (
        f"{done} sign-ups{repeated} (+{WARM_UP} to warm up): accepted {accepted}, waitlisted {waitlisted}, overbooked "
        f"{max(0, accepted - SEATS)}; {rps:.0f} req/s, {note}; minimal insert view {base_rps:.0f} req/s, "
        f"{base_note}; ratio {rps / base_rps:.2f}; load {os.getloadavg()[0]:.1f}")))


async def _fire_mixed(port: int, requests: list[tuple[str, str, dict]]) -> tuple[list[float], list[int], float]:
    """POST every (path, session, data) at once; latencies, statuses and wall time."""
    import httpx

    token = "b" * 32
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:
        latencies, statuses = [], []

        async def one(path, session_key, data):
            start = time.perf_counter()
            try:
                response = await client.post(path, data=data, headers={
                    "X-CSRFToken": token, "Referer": f"http://127.0.0.1:{port}/"},
                    cookies={"sessionid": session_key, "csrftoken": token})
                statuses.append(response.status_code)
            except httpx.HTTPError:
                statuses.append(0)
            latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(one(*r) for r in requests))
        return latencies, statuses, time.perf_counter() - began


def bench_storm(figures):
    """200 cancels and 200 sign-ups at once on one full shift; then the invariant check."""
    import random
    import uuid

    from operations.models import Signup, SignupStatus
    from operations.services.seat_invariants import seat_invariant_findings
    from operations.services.signups import signup_create

    tmp = tempfile.mkdtemp(prefix="journey-bench-")
    Path(tmp, "journey_bench_settings.py").write_text(textwrap.dedent(BENCH_SETTINGS))
    Path(tmp, "journey_bench_urls.py").write_text(textwrap.dedent(BENCH_URLS))
    for workers in WORKERS[-1:]:
        shift = _event(STORM_SEATS, f"bench-storm-{workers}")
        holders = _volunteers(STORM_SEATS, f"storm{workers}-h")
        waiting = _volunteers(STORM_WAITING, f"storm{workers}-w")
        newcomers = _volunteers(STORM_SEATS, f"storm{workers}-n")
        for user in holders + waiting:
            signup_create(volunteer=user.volunteer, shift=shift)
        seats = dict(Signup.objects.filter(shift=shift, status=SignupStatus.ACCEPTED).values_list(
            "volunteer__user_id", "pk"))
        requests = [(f"/volunteer/shifts/{seats[u.pk]}/cancel/", key, {"submission_key": uuid.uuid4().hex})
                    for u, key in zip(holders, _sessions(holders), strict=True)]
        requests += [("/volunteer/signup/", key, {"shift": str(shift.pk), "submission_key": uuid.uuid4().hex})
                     for key in _sessions(newcomers)]
        random.Random(9).shuffle(requests)
        with _served(workers, tmp) as port:
            lat, statuses, wall = asyncio.run(_fire_mixed(port, requests))
        shift.refresh_from_db()
        counts = {s: Signup.objects.filter(shift=shift, status=s).count() for s in SignupStatus.values}
        violations = [str(f) for f in seat_invariant_findings() if f.shift_id == shift.pk]
        errors = sum(1 for s in statuses if s not in (200, 302))
        figures.append((f"cancel storm {STORM_SEATS} cancels + {STORM_SEATS} sign-ups on one {STORM_SEATS}-seat "
                        f"shift ({STORM_WAITING} waiting), gunicorn {workers} workers", (
                            f"cancelled {counts['cancelled']}, accepted {counts['accepted']} (counter "
                            f"{shift.accepted_count}), waitlisted {counts['waitlisted']}, HTTP errors {errors}, "
                            f"violations {len(violations)}{' ' + '; '.join(violations) if violations else ''}, "
                            f"{len(requests) / wall:.0f} req/s, p95 {_pct(lat, 95) * 1000:.0f} ms")))


def bench_browse(figures, factor: float):
    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F, Min
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cms.recruitment_pages import ensure_recruitment_page
    from operations.models import Position, Shift

    call_command("generate_load_data", "--scale", "wmg", "--factor", str(factor), verbosity=0)
    # The load data sit on the real 2025 event dates; the page lists future shifts only, so move them
    # to start in 30 days.
    first = Shift.objects.aggregate(first=Min("date"))["first"]
    Shift.objects.update(date=F("date") + (timezone.localdate() + datetime.timedelta(days=30) - first))
    with connection.cursor() as cursor:  # as autovacuum would after such a mass update, before measuring
        cursor.execute("VACUUM ANALYZE operations_shift")
    page = ensure_recruitment_page()
    sample = Shift.objects.select_related("position__venue", "position__team").filter(
        position__venue__isnull=False, position__team__isnull=False).order_by("id")[7]
    language = Position.required_languages.through.objects.select_related("language").first()
    total = Shift.objects.count()
    client = Client()
    day = sample.date.isoformat()
    cases = {
        "no filter": "",
        "city + free seats": f"?city={sample.position.venue.city}&free=1",
        "venue + group + date": f"?venue={sample.position.venue_id}&group={sample.position.team.name}&from={day}&to={day}",
        "language, page 5": f"?language={language.language.code if language else 'en'}&page=5",
    }
    for name, query in cases.items():
        client.get(page.url + query)  # warm
        samples, queries = [], 0
        for _ in range(30):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(page.url + query)
                samples.append(time.perf_counter() - start)
            queries = len(ctx.captured_queries)
        figures.append((f"browse {total} shifts, {name}", (
            f"HTTP {response.status_code}, "
            f"median {statistics.median(samples) * 1000:.0f} ms, p95 {_pct(samples, 95) * 1000:.0f} ms, "
            f"{queries} queries, {_matching(query)} matching")))


def _matching(query: str) -> int:
    from django.http import QueryDict

    from operations.selectors.browse import BrowseFilters, browse_shifts

    return browse_shifts(BrowseFilters.from_querydict(QueryDict(query.lstrip("?")))).total


def bench_roster(figures):
    import random

    import tablib
    from django.core.files.base import ContentFile

    from operations.identity import generate_national_id
    from operations.models import RosterImport, User
    from operations.services.rosters import ROSTER_COLUMNS, roster_import_run

    shift = _event(4000, "bench-roster")
    rep = User.objects.create(username="rep@bench.example", email="")
    rng = random.Random(2025)
    data = tablib.Dataset(headers=[c.header for c in ROSTER_COLUMNS])
    seen = set()
    while len(data) < 5000:
        number = generate_national_id(rng)
        if number in seen:
            continue
        seen.add(number)
        data.append([f"團員{len(data)}", "身分證", number, "女" if number[1] == "2" else "男", "1985-06-01",
                     f"09{len(data):08d}", "", "", ""])
    job = RosterImport.objects.create(created_by=rep, original_name="roster.csv",
                                      file=ContentFile(data.export("csv").encode("utf-8-sig"), name="roster.csv"))
    job.shifts.set([shift])
    start = time.perf_counter()
    job = roster_import_run(job_id=job.pk)
    seconds = time.perf_counter() - start
    figures.append(("roster import 5,000 rows (CSV)", (
        f"{seconds:.1f} s, status {job.status}, created {job.created_volunteers}, accepted {job.accepted}, "
        f"waitlisted {job.waitlisted}")))


def _inner(factor: float):
    import logging

    _setup_django()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    figures: list[tuple[str, str]] = []
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))  # e.g. BENCH_ONLY=rush,browse
    if not only or "roster" in only:
        bench_roster(figures)
    if not only or "rush" in only:
        bench_rush(figures)
    if not only or "storm" in only:
        bench_storm(figures)
    if not only or "browse" in only:
        bench_browse(figures, factor)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    factor = float(sys.argv[sys.argv.index("--factor") + 1]) if "--factor" in sys.argv else 1.0
    if "--inner" in sys.argv:
        _inner(factor)
    else:
        run(factor)
