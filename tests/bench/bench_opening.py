"""The opening minute of WMG recruitment (figures only, nothing asserted about speed).

Side by side in one run, on one fresh PostgreSQL database with the WMG-scale load data (20,000 shifts at
factor 1) and a Redis cache (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/6, under a key prefix of its
own), gunicorn with 2 sync workers, `wrk -t2 -c10` for `BENCH_SECONDS` (default 2) per figure, rounds
interleaved so that a busy machine affects every figure alike; the median of the rounds is printed:

- a bare Django view (no apps, no middleware; its own gunicorn) and a trivial view in this project;
- the WMG landing (live figures), the home page and 我要當志工 (first page; city + free seats) quiet;
- the same pages during a rush: two writer processes commit sign-ups through the services at
  `BENCH_RUSH_RATE` per second in all (default 60; the achieved rate is printed), so the recruitment-figures
  version changes on every commit; afterwards the number of overbooked shifts (must be 0);
- with nginx installed (Debian `nginx` + `libnginx-mod-http-cache-purge`): the WMG landing through the
  micro-cache of deploy/nginx/public-cache.conf, and a PURGE as Wagtail's frontend cache sends it.

- the opening minute replayed (`_replay`, asyncio + httpx, `BENCH_REPLAY_SECONDS`, default 6, 20 visitors
  at once): each step drawn with the documented mix REPLAY_MIX — 45 % browse 我要當志工 (anonymous, first
  page), 25 % filter (city, free seats, a page), 20 % sign up (a logged-in volunteer POSTs a shift), 10 %
  cancel (a volunteer cancels a sign-up made earlier in the replay); throughput and p50/p95/p99 per step.

Ratios: landing quiet ÷ bare Django (goal >= 0.5); each page during the rush ÷ quiet (goal >= 0.8), and the
same divided by the trivial view's own rush ÷ quiet (what the page lost beyond the writers' share of the CPUs);
我要當志工 ÷ the project's trivial view (goal >= 0.25). The machine (CPUs, load) is printed with them.
`BENCH_ONLY=opening` in `make bench` (run.py --only opening) runs this part alone.
Standalone: `.venv/bin/python tests/bench/bench_opening.py [--factor 0.1]`."""
from __future__ import annotations

import http.client
import json
import os
import re
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
WORKERS = 2
ROUNDS = 3
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
RUSH_RATE = int(os.environ.get("BENCH_RUSH_RATE", "60"))
RUSH_WRITERS = 2
REPLAY_SECONDS = float(os.environ.get("BENCH_REPLAY_SECONDS", "6"))
REPLAY_VISITORS = 20
REPLAY_MIX = (("browse", 45), ("filter", 25), ("sign up", 20), ("cancel", 10))

SETTINGS = """
import os
from volunteer_site.settings.test import *  # noqa
ROOT_URLCONF = "opening_bench_urls"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ["BENCH_REDIS_URL"], "KEY_PREFIX": os.environ["BENCH_CACHE_PREFIX"]}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
RECRUITMENT_FIGURES_MAX_AGE = 2  # the production default (the tests read figures live)
PUBLIC_PAGES_SHARED_MAX_AGE = 30
PUBLIC_PAGES_LOCAL_SECONDS = 1  # the production default (the tests turn it off)
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE = {"proxy": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
                                      "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"]}}
"""
URLS = """
from django.http import HttpResponse
from django.urls import path

from volunteer_site.urls import urlpatterns as site_urlpatterns


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
"""
BARE_SETTINGS = """
SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
ROOT_URLCONF = "bare_bench_settings"
from django.http import HttpResponse
from django.urls import path
urlpatterns = [path("bench/trivial/", lambda request: HttpResponse("ok"))]
"""
WRITER = """
import os, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
import django
django.setup()
from operations.models import Volunteer
from operations.services.signups import signup_create
from operations.models import Shift
shifts = list(Shift.objects.filter(pk__in=[int(x) for x in sys.argv[1].split(",")]))
volunteers = list(Volunteer.objects.filter(pk__in=[int(x) for x in sys.argv[2].split(",")]))
rate, seconds = float(sys.argv[3]), float(sys.argv[4])
done, failed, began, n = 0, 0, time.monotonic(), 0
for volunteer in volunteers:
    now = time.monotonic()
    if now - began > seconds:
        break
    wait = began + n / rate - now
    if wait > 0:
        time.sleep(wait)
    try:
        signup_create(volunteer=volunteer, shift=shifts[n % len(shifts)])
        done += 1
    except Exception as error:  # reported once: a refused sign-up is a bench set-up problem
        if not failed:
            print(repr(error), file=sys.stderr)
        failed += 1
    n += 1
print(done, time.monotonic() - began, failed)
"""
NGINX = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log error;
load_module /usr/lib/nginx/modules/ngx_http_cache_purge_module.so;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=volunteer_pages:10m max_size=256m inactive=10m;
    include {deploy}/nginx/public-cache-maps.conf;
    upstream volunteer_web {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://volunteer_web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            include {deploy}/nginx/public-cache.conf;
        }}
    }}
    server {{
        listen 127.0.0.1:{purge_port};
        location / {{ include {deploy}/nginx/public-cache-purge.conf; }}
    }}
}}
"""


def run(factor: float | None = None) -> list[tuple[str, str]]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        print("opening: skipped (needs PostgreSQL in DATABASE_URL)")
        return [("opening", "skipped: needs PostgreSQL")]
    if not shutil.which("wrk"):
        print("opening: skipped (needs wrk: apt-get install wrk)")
        return [("opening", "skipped: needs wrk")]
    import psycopg

    name = f"opening_bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}")),
           "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test", "CELERY_BROKER_URL": "", "REDIS_URL": "",
           "DB_CONN_MAX_AGE": "60", "BENCH_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
           "BENCH_CACHE_PREFIX": f"opening-bench-{os.getpid()}", "BENCH_ROOT": str(ROOT)}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        factor = factor if factor is not None else float(os.environ.get("BENCH_FACTOR", "1.0"))
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner", "--factor", str(factor)],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr[-6000:])
            return [("opening", f"failed (exit {out.returncode}); see the error above")]
        for line in out.stderr.splitlines():
            if line.startswith("rush writer"):
                sys.stderr.write(line + "\n")
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    rows = [(label, value) for label, value in figures]
    for label, value in rows:
        print(f"{label}: {value}")
    return rows


# --- Child process, on the fresh database ----------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, path: str, process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server on {port} did not start")


def _gunicorn(tmp: str, port: int, settings: str, app: str = "volunteer_site.wsgi:application"):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), app, "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--pythonpath", tmp, "--log-level", "error"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _wait_for(port, "/bench/trivial/", process)
    return process


def _wrk(port: int, path: str) -> tuple[float, str]:
    out = subprocess.run(["wrk", "-t2", "-c10", f"-d{SECONDS}s", "--latency", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return rps, f"p99 {p99.group(1) if p99 else '?'}" + (f", {errors.group(1)} non-2xx" if errors else "")


def _machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs, load {load:.1f} at start"


def _prepare(factor: float):
    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F, Min
    from django.utils import timezone

    from cms.models import WMGLandingPage
    from cms.recruitment_pages import RecruitmentPage, ensure_recruitment_page
    from operations.models import Campaign, Shift

    call_command("load_demo_data", "--quiet", "--volunteers", "60", stdout=open(os.devnull, "w"))
    call_command("generate_load_data", "--scale", "wmg", "--factor", str(factor), stdout=open(os.devnull, "w"))
    campaign = "load-wmg-2025"
    load_shifts = Shift.objects.filter(position__campaign__code=campaign)
    first = load_shifts.aggregate(first=Min("date"))["first"]  # the load data sit on the 2025 dates: move them
    load_shifts.update(date=F("date") + (timezone.localdate() + datetime.timedelta(days=30) - first))
    Campaign.objects.filter(code=campaign).update(starts_on=timezone.localdate() + datetime.timedelta(days=30),
                                                  ends_on=timezone.localdate() + datetime.timedelta(days=45),
                                                  signup_opens_at=None, signup_closes_at=None)  # open now
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE operations_shift")
    WMGLandingPage.objects.update(campaign_code=campaign)
    ensure_recruitment_page()
    RecruitmentPage.objects.update(campaign_code=campaign)
    landing = WMGLandingPage.objects.filter(locale__language_code="zh-hant").first()
    browse = RecruitmentPage.objects.filter(locale__language_code="zh-hant").first()
    return campaign, landing.url, browse.url


def _rush_material(campaign: str, n: int):
    import datetime
    import random

    from django.db.models import F

    from operations.identity import generate_national_id
    from operations.models import Shift, User, Volunteer

    shifts = list(Shift.objects.filter(position__campaign__code=campaign, accepted_count__lt=F("headcount"))
                  .order_by(F("accepted_count") - F("headcount"), "pk").values_list("pk", flat=True)[:2000])
    rng = random.Random(19)
    users = User.objects.bulk_create([User(username=f"rush{i}@bench.example", email="", password="!")
                                      for i in range(n)])
    seen = set(Volunteer.objects.values_list("id_number", flat=True))
    volunteers = []
    for user in users:
        number = generate_national_id(rng)
        while number in seen:
            number = generate_national_id(rng)
        seen.add(number)
        volunteers.append(Volunteer(user=user, id_type="national_id", id_number=number, name=f"搶報{user.pk}",
                                    sex="F", birth_date=datetime.date(1985, 1, 1), email=f"rush{user.pk}@bench.example"))
    return shifts, [v.pk for v in Volunteer.objects.bulk_create(volunteers)]


def _start_writers(tmp: str, shifts: list[int], volunteers: list[int], seconds: float):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "opening_bench_settings", "PYTHONPATH": tmp}
    per = len(volunteers) // RUSH_WRITERS
    processes = []
    for i in range(RUSH_WRITERS):
        mine = volunteers[i * per:(i + 1) * per]
        processes.append(subprocess.Popen(
            [sys.executable, "-c", WRITER, ",".join(map(str, shifts[i::RUSH_WRITERS])), ",".join(map(str, mine)),
             str(RUSH_RATE / RUSH_WRITERS), str(seconds)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return processes


def _finish_writers(processes) -> tuple[int, float]:
    done, seconds = 0, 0.0
    for process in processes:
        out, err = process.communicate(timeout=120)
        parts = (out or "0 1 0").split()
        done += int(parts[0])
        seconds = max(seconds, float(parts[1]))
        if len(parts) < 3 or int(parts[2]):
            sys.stderr.write(f"rush writer: {parts[2:] or '?'} sign-ups refused: {(err or '').strip()[-800:]}\n")
    return done, seconds


def inner(factor: float) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.db.models import F

    from operations.models import Shift

    machine = _machine()
    campaign, landing, browse = _prepare(factor)
    shifts_total = Shift.objects.count()
    rush_seconds = SECONDS + 1.5
    per_round = int(RUSH_RATE * rush_seconds * 4 * 1.2)
    shifts, volunteers = _rush_material(campaign, per_round * ROUNDS + REPLAY_VISITORS * 20)
    connection.close()

    tmp = tempfile.mkdtemp(prefix="opening-bench-")
    os.chmod(tmp, 0o755)  # nginx workers (nobody when started as root) write their cache below it
    Path(tmp, "opening_bench_settings.py").write_text(textwrap.dedent(SETTINGS))
    Path(tmp, "opening_bench_urls.py").write_text(textwrap.dedent(URLS))
    Path(tmp, "bare_bench_settings.py").write_text(textwrap.dedent(BARE_SETTINGS))
    os.environ["PYTHONPATH"] = tmp
    port, bare_port = _free_port(), _free_port()
    servers = [_gunicorn(tmp, port, "opening_bench_settings"),
               _gunicorn(tmp, bare_port, "bare_bench_settings", "django.core.wsgi:get_wsgi_application()")]
    nginx = None
    nginx_port, purge_port = _free_port(), _free_port()
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        Path(tmp, "nginx.conf").write_text(NGINX.format(tmp=tmp, deploy=ROOT / "deploy", upstream=port,
                                                        port=nginx_port, purge_port=purge_port))
        nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", tmp, "-c",
                                  f"{tmp}/nginx.conf", "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for(nginx_port, "/bench/trivial/", nginx)
        except RuntimeError:
            nginx = None
    pages = {
        "WMG landing": landing,
        "home page": "/",
        "我要當志工 first page": browse,
        "我要當志工 city + free seats": browse + "?city=taipei&free=1",
        "我要當志工 venue filter, page 2": browse + "?city=new_taipei&page=2",
    }
    rushed = ["WMG landing", "home page", "我要當志工 first page", "trivial view"]
    quiet: dict[str, list[float]] = {}
    rush: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    signups, rush_time = 0, 0.0
    offset = 0
    try:
        for path in [*pages.values(), "/bench/trivial/"]:  # warm both workers
            _wrk(port, path)
        for _ in range(ROUNDS):
            quiet.setdefault("bare Django view", []).append(_wrk(bare_port, "/bench/trivial/")[0])
            quiet.setdefault("trivial view", []).append(_wrk(port, "/bench/trivial/")[0])
            for label, path in pages.items():
                rps, note = _wrk(port, path)
                quiet.setdefault(label, []).append(rps)
                notes[label] = note
            if nginx is not None:
                quiet.setdefault("WMG landing through nginx", []).append(_wrk(nginx_port, landing)[0])
            mine = volunteers[offset:offset + per_round]
            offset += per_round
            writers = _start_writers(tmp, shifts, mine, rush_seconds * len(rushed))
            time.sleep(0.5)
            for label in rushed:
                path = pages.get(label, "/bench/trivial/")
                rush.setdefault(label, []).append(_wrk(port, path)[0])
            done, seconds = _finish_writers(writers)
            signups += done
            rush_time += seconds
        replay = _replay(port, browse, shifts, volunteers[offset:])
        purge = _purge_check(nginx_port, purge_port, landing) if nginx is not None else "nginx not installed: skipped"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    connection.connect()
    overbooked = Shift.objects.filter(accepted_count__gt=F("headcount")).count()

    def med(values):
        return statistics.median(values)

    bare, trivial = med(quiet["bare Django view"]), med(quiet["trivial view"])
    scale = f"{shifts_total} shifts; {machine}; gunicorn {WORKERS} sync workers, wrk -t2 -c10 -d{SECONDS}s, " \
            f"median of {ROUNDS} interleaved rounds"
    figures = [("opening minute: machine and data", scale),
               ("bare Django view", f"{bare:.0f} req/s"),
               ("trivial view in this project", f"{trivial:.0f} req/s, {trivial / bare:.2f} × bare")]
    for label in pages:
        rps = med(quiet[label])
        figure = f"{rps:.0f} req/s ({notes[label]}), {rps / trivial:.2f} × trivial view, {rps / bare:.2f} × bare"
        if label == "WMG landing":
            figure += " (goal >= 0.5 × bare)"
        if label.startswith("我要當志工"):
            figure += " (goal >= 0.25 × trivial view)"
        figures.append((f"{label}, quiet", figure))
    rate = signups / rush_time if rush_time else 0
    trivial_kept = med(rush["trivial view"]) / med(quiet["trivial view"]) if "trivial view" in rushed else None
    for label in rushed:
        rps, calm = med(rush[label]), med(quiet[label])
        figure = f"{rps:.0f} req/s, {rps / calm:.2f} × quiet"
        if label == "trivial view":
            figure += " (the writers' own CPU share)"
        else:
            figure += " (goal >= 0.8)"
            if trivial_kept:  # what the page lost beyond what every view lost to the writers' CPU
                figure += f"; {rps / calm / trivial_kept:.2f} × quiet relative to the trivial view's own drop"
        figures.append((f"{label}, during the rush ({rate:.0f} sign-ups/s committed)", figure))
    figures.append(("overbooked shifts after the rush and the replay", str(overbooked)))
    figures.extend(replay)
    if nginx is not None:
        rps = med(quiet["WMG landing through nginx"])
        figures.append(("WMG landing through the nginx micro-cache (deploy/nginx/public-cache.conf)",
                        f"{rps:.0f} req/s, {rps / bare:.2f} × bare Django; {purge}"))
    else:
        figures.append(("WMG landing through nginx", purge if nginx is None else ""))
    return figures


def _replay(port: int, browse: str, shifts: list[int], volunteers: list[int]) -> list[tuple[str, str]]:
    """The opening minute: REPLAY_VISITORS visitors at once, each step drawn from REPLAY_MIX."""
    import asyncio
    import random
    import uuid

    import httpx
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from operations.models import Signup, SignupStatus, Volunteer

    rng = random.Random(2025)
    people = []
    for volunteer in Volunteer.objects.filter(pk__in=volunteers[:REPLAY_VISITORS * 20]).select_related("user"):
        store = SessionStore()
        store[SESSION_KEY] = str(volunteer.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = volunteer.user.get_session_auth_hash()
        store.create()
        people.append((volunteer.pk, store.session_key))
    steps = [name for name, weight in REPLAY_MIX for _ in range(weight)]
    filters = ["?city=taipei&free=1", "?city=new_taipei", "?page=3", "?type=venue&free=1", "?city=taoyuan&page=2"]
    results: dict[str, list[tuple[float, int]]] = {name: [] for name, _w in REPLAY_MIX}
    token = "c" * 32
    signed: list[tuple[int, str]] = []  # (volunteer, session) with a sign-up made in the replay

    async def visitor(client, deadline):
        while time.monotonic() < deadline:
            step = rng.choice(steps)
            if step == "cancel" and not signed:
                step = "sign up"
            if step == "sign up" and not people:
                step = "browse"
            start = time.perf_counter()
            if step == "browse":
                response = await client.get(browse)
            elif step == "filter":
                response = await client.get(browse + rng.choice(filters))
            elif step == "sign up":
                volunteer, session = people.pop()
                response = await client.post("/volunteer/signup/", data={
                    "shift": str(rng.choice(shifts)), "submission_key": uuid.uuid4().hex},
                    headers={"X-CSRFToken": token, "Referer": f"http://127.0.0.1:{port}/"},
                    cookies={"sessionid": session, "csrftoken": token})
                signed.append((volunteer, session))
            else:
                volunteer, session = signed.pop(0)
                signup = await asyncio.to_thread(lambda v=volunteer: Signup.objects.filter(
                    volunteer_id=v, status__in=[SignupStatus.ACCEPTED, SignupStatus.WAITLISTED]
                ).values_list("pk", flat=True).first())
                start = time.perf_counter()
                if signup is None:
                    continue
                response = await client.post(f"/volunteer/shifts/{signup}/cancel/", data={
                    "submission_key": uuid.uuid4().hex},
                    headers={"X-CSRFToken": token, "Referer": f"http://127.0.0.1:{port}/"},
                    cookies={"sessionid": session, "csrftoken": token})
            results[step].append((time.perf_counter() - start, response.status_code))

    async def main():
        limits = httpx.Limits(max_connections=REPLAY_VISITORS)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
            deadline = time.monotonic() + REPLAY_SECONDS
            await asyncio.gather(*(visitor(client, deadline) for _ in range(REPLAY_VISITORS)))

    began = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - began
    from django.db import connection

    connection.close()  # the lookups ran in other threads
    figures = []
    for name, _weight in REPLAY_MIX:
        done = results[name]
        lat = sorted(t for t, _status in done)
        bad = sum(1 for _t, status in done if status not in (200, 302))
        if not lat:
            continue
        figures.append((f"opening-minute replay, {name} ({dict(REPLAY_MIX)[name]} % of steps)",
                        f"{len(lat) / wall:.0f} req/s, p50 {_pct(lat, 50) * 1000:.0f} ms, "
                        f"p95 {_pct(lat, 95) * 1000:.0f} ms, p99 {_pct(lat, 99) * 1000:.0f} ms, {bad} errors"))
    return figures


def _pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))]


def _purge_check(port: int, purge_port: int, path: str) -> str:
    """GET twice (MISS/EXPIRED then HIT), purge through Wagtail's frontend cache (HTTPBackend, as on
    publish), GET again (MISS)."""
    from wagtail.contrib.frontend_cache.backends import HTTPBackend

    def get(method="GET"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(method, path, headers={"Host": "localhost"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache-Status", "")

    statuses = [get(), get()]
    HTTPBackend({"LOCATION": f"http://127.0.0.1:{purge_port}"}).purge(f"http://localhost{path}")
    statuses.append(get())
    return (f"cache status {statuses[0][1]} → {statuses[1][1]}, purged by Wagtail's HTTPBackend, "
            f"then {statuses[2][1]}")


if __name__ == "__main__":
    factor = float(sys.argv[sys.argv.index("--factor") + 1]) if "--factor" in sys.argv else 1.0
    if "--inner" in sys.argv:
        print(json.dumps(inner(factor), ensure_ascii=False))
    else:
        run(factor)
