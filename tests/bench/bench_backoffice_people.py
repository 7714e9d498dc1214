"""Back-office people benchmarks (figures only, nothing asserted about speed):

1. the volunteer list at city scale (`generate_load_data --scale city`: 150,000 volunteers, 1,500 units,
   3,000 teams) as an officer who sees the whole city, filtered, sorted and paginated (deep pages
   included): median and p95 per query shape, and the SQL query count of each (it must not grow with the
   data or the page number: the figures show it per shape);
2. the same list as a unit administrator (the scope filter on a large table);
3. exporting the 150,000 volunteers to ODS, XLSX and CSV through the real view (streamed): time, bytes
   and peak Python memory (tracemalloc) — flat memory means the peak does not follow the row count.

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load
data, measures in a child process and drops the database. Without PostgreSQL it reports "skipped".
Standalone: `.venv/bin/python tests/bench/bench_backoffice_people.py [--factor 0.1]`, or with
`--database-url URL` to measure a database that already holds the city load data (kept afterwards)."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = int(os.environ.get("BENCH_PEOPLE_SAMPLES", "25"))
# tracemalloc makes Python several times slower; BENCH_PEOPLE_TRACEMALLOC=0 reports the RSS growth instead
TRACEMALLOC = os.environ.get("BENCH_PEOPLE_TRACEMALLOC", "1") != "0"

LIST_QUERIES = [
    ("first page, default sort", {}),
    ("sex + age band, sorted by age, page 3", {"sex": "F", "age_band": "30-49", "sort": "-age", "page": "3"}),
    ("name search 王", {"q": "王"}),
    ("ID prefix search", {"q": "A1"}),
    ("language filter, newest first", {"language": "__LANG__", "sort": "-created_at"}),
    ("deep page 2000, sorted by name", {"sort": "name", "page": "2000"}),
    ("one unit's volunteers", {"unit": "__UNIT__"}),
]


def _pct(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or \
        "postgres://postgres@127.0.0.1:5432/postgres"
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        print("backoffice_people: skipped (needs PostgreSQL in DATABASE_URL)")
        return [("backoffice_people", "skipped: needs PostgreSQL")]
    env_base = {**os.environ, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test", "CELERY_BROKER_URL": ""}
    python = sys.executable
    if database_url:
        return _inner_run({**env_base, "DATABASE_URL": database_url})
    import psycopg

    parts = urlsplit(url)
    name = f"people_bench_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    env = {**env_base, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    try:
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        started = time.perf_counter()
        generate = [python, "manage.py", "generate_load_data", "--scale", "city"]
        if factor:
            generate += ["--factor", str(factor)]
        subprocess.run(generate, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"backoffice_people: city load data generated in {time.perf_counter() - started:.0f} s")
        return _inner_run(env)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _inner_run(env) -> list[tuple[str, str]]:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        return [("backoffice_people", f"failed (exit {out.returncode})")]
    results = [tuple(pair) for pair in json.loads(out.stdout.strip().splitlines()[-1])]
    for label, figure in results:
        print(f"  {label:<70} {figure}")
    return results


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    import tracemalloc

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from operations.models import Language, OrgKind, OrgNode, Role, RoleGrant, Volunteer

    setup_test_environment()  # responses carry their template context (row counts)
    settings.ALLOWED_HOSTS = ["*"]
    results: list[tuple[str, str]] = []
    total = Volunteer.objects.count()
    results.append(("city volunteers in the database", f"{total:,}"))
    officer = RoleGrant.objects.filter(role=Role.AUTHORITY_OFFICER, node__code="load-city").select_related("user") \
        .first() or RoleGrant.objects.filter(role=Role.AUTHORITY_OFFICER).select_related("user").first()
    unit_admin = RoleGrant.objects.filter(role=Role.UNIT_ADMIN, node__path__startswith=officer.node.path) \
        .select_related("user", "node").first()
    language = Language.objects.order_by("order").first()
    unit = OrgNode.objects.filter(kind=OrgKind.UNIT, path__startswith=officer.node.path).order_by("path").first()

    def measure(user, label_prefix, queries):
        client = Client()
        client.force_login(user)
        for label, query in queries:
            query = {k: (str(language.pk) if v == "__LANG__" else str(unit.pk) if v == "__UNIT__" else v)
                     for k, v in query.items()}
            client.get("/backoffice/volunteers/", query)  # warm-up
            samples = []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                response = client.get("/backoffice/volunteers/", query)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/backoffice/volunteers/", query)
            count = response.context["table"].paginator.count
            results.append((
                f"{label_prefix}: {label} ({count:,} rows)",
                f"median {statistics.median(samples):.0f} ms, p95 {_pct(samples, 95):.0f} ms, "
                f"{len(ctx.captured_queries)} queries",
            ))

    measure(officer.user, "volunteer list, city officer", LIST_QUERIES)
    if unit_admin:
        measure(unit_admin.user, "volunteer list, unit admin", LIST_QUERIES[:3])

    client = Client()
    client.force_login(officer.user)
    import resource

    for fmt in ("ods", "xlsx", "csv"):
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if TRACEMALLOC:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.get(f"/backoffice/volunteers/export.{fmt}")
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        seconds = time.perf_counter() - started
        if TRACEMALLOC:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            memory = f"peak Python memory {peak / 1e6:.1f} MB"
        else:
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
            memory = f"peak RSS growth {grown / 1e3:.1f} MB"
        results.append((f"export {total:,} volunteers to {fmt.upper()} (streamed)",
                        f"{seconds:.1f} s, {size / 1e6:.1f} MB, {memory}"))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--factor", type=float)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.inner:
        inner()
    else:
        run(args.factor, database_url=args.database_url)
