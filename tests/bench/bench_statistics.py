"""Statistics benchmark (figures only, nothing asserted about speed): every statistics page over the city load
data (`generate_load_data --scale city`: 150,000 volunteers, 1,500 units, 3,000 teams) plus service records
written here in bulk (`BENCH_STATS_RECORDS`, 2,000,000 by default × --factor: two years of hours, spread
over the members of every unit), the goal being a statistics page ≤ 500 ms p95 for the city (issue 16).

Each page is requested through Django's test client (filters parsed, figure computed, chart and table
rendered) for the period of the last full year:
  1. as the administrators of `SAMPLES` different units (their own unit's figures), p50 and p95, computed
     (first request) and kept (the figure from the cache, STATISTICS_CACHE_SECONDS);
  2. as the city's authority officer (the figures of all 1,500 units), computed (cache cleared, 3 times) and
     kept;
with the number of queries of one computing request. The national export's dry run and its largest layout (the
hours of one unit for a year) are timed too.

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load data,
measures in a child process and drops the database. Without PostgreSQL it reports "skipped".
Standalone: `.venv/bin/python tests/bench/bench_statistics.py [--factor 0.02]`, or with
`--database-url URL` to measure a database that already holds the city load data."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from citydb import bench_main, percentile

ROOT = Path(__file__).resolve().parents[2]

# The benches measure the back-office pages, not the staff sign-in: staff logged in with force_login carry no
# second factor, which the test settings would otherwise ask for (STAFF_2FA_REQUIRED, README "Staff sign-in").
os.environ.setdefault("STAFF_2FA_REQUIRED", "0")
SAMPLES = int(os.environ.get("BENCH_STATS_SAMPLES", "10"))
RECORDS = int(os.environ.get("BENCH_STATS_RECORDS", "2000000"))


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    from citydb import on_city_database

    return on_city_database("statistics", __file__, factor=factor, database_url=database_url,
                            env_extra={"BENCH_STATS_FACTOR": str(factor or 1)})


def _service_records(year: int, wanted: int) -> int:
    """Service records over the city's memberships, in one INSERT … SELECT: each member gets records on
    days spread over `year` − 1 and `year`, at their team's unit, in the unit's category."""
    from django.db import connection

    from operations.models import Membership, ServiceRecord

    have = ServiceRecord.objects.count()
    if have >= wanted:
        return have
    members = Membership.objects.count() or 1
    per_member = max(1, -(-(wanted - have) // members))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO operations_servicerecord (volunteer_id, unit_id, date, category, content, minutes, hours,
                                                  people_served, source, misuse_note, version, created_at, updated_at)
            SELECT m.volunteer_id, u.id, make_date(%s, 1, 1) + ((m.id * 37 + g * 53) %% 730)::int, u.category, '服務',
                   (1 + (m.id + g) %% 8) * 30, (1 + (m.id + g) %% 8) * 0.5, (m.id + g) %% 7, 'staff', '', 1, now(),
                   now()
            FROM operations_membership m
            JOIN operations_orgnode t ON t.id = m.team_id
            JOIN operations_orgnode u ON u.path = substr(t.path, 1, length(t.path) - 5) AND u.kind = 'unit'
            CROSS JOIN generate_series(1, %s) g
            """, [year - 1, per_member])
        cursor.execute("ANALYZE")
    return ServiceRecord.objects.count()


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from operations.models import OrgNode, User, Volunteer
    from operations.roles import Role
    from operations.selectors import national_export
    from operations.views.statistics import QUESTIONS

    factor = float(os.environ.get("BENCH_STATS_FACTOR", "1") or 1)
    year = timezone.localdate().year - 1
    started = time.perf_counter()
    records = _service_records(year, int(RECORDS * factor))
    results: list[tuple[str, str]] = [
        ("city volunteers in the database", f"{Volunteer.objects.count():,}"),
        ("service records in the database (written here)", f"{records:,} ({time.perf_counter() - started:.1f} s)"),
    ]
    period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    officer = User.objects.get(username="load-city-officer")
    unit_admins = list(User.objects.filter(grants__role=Role.UNIT_ADMIN, username__startswith="load-city-unit-")
                       .order_by("username")[:SAMPLES])

    def timed(client, url, data=None):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(url, data or period)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(ctx.captured_queries)

    for question in QUESTIONS:
        url = reverse(f"operations:{question.url_name}")
        cold, warm, queries = [], [], 0
        for user in unit_admins:
            client = Client()
            client.force_login(user)
            elapsed, queries = timed(client, url)  # computed (each unit's figures are its own)
            cold.append(elapsed)
            warm.append(timed(client, url)[0])  # kept (STATISTICS_CACHE_SECONDS)
        results.append((f"{question.slug}: a unit, computed ({len(unit_admins)} units, {queries} queries)",
                        f"p50 {statistics.median(cold):.0f} ms, p95 {percentile(cold, 95):.0f} ms"))
        results.append((f"{question.slug}: a unit, kept", f"p50 {statistics.median(warm):.0f} ms, "
                                                           f"p95 {percentile(warm, 95):.0f} ms"))
        client = Client()
        client.force_login(officer)
        cold = []
        for _ in range(3):
            cache.clear()
            elapsed, queries = timed(client, url)
            cold.append(elapsed)
        warm = [timed(client, url)[0] for _ in range(max(5, SAMPLES))]
        results.append((f"{question.slug}: the city, computed ({queries} queries)",
                        f"p50 {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms"))
        results.append((f"{question.slug}: the city, kept",
                        f"p50 {statistics.median(warm):.0f} ms, p95 {percentile(warm, 95):.0f} ms"))

    unit = OrgNode.objects.get(pk=unit_admins[0].grants.first().node_id) if unit_admins else None
    if unit is not None:
        import datetime

        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        t = time.perf_counter()
        total, _problems = national_export.dry_run(unit, start, end)
        results.append((f"national export: dry run of one unit's year ({total:,} problems)",
                        f"{(time.perf_counter() - t) * 1000:.0f} ms"))
        client = Client()
        client.force_login(unit_admins[0])
        elapsed, _q = timed(client, reverse("operations:national_export_download", args=["csv"]),
                            {**period, "record": "hours", "unit": unit.pk})
        results.append((f"national export: one unit's hours of a year as CSV "
                        f"({national_export.row_count('hours', unit, start, end):,} rows)", f"{elapsed:.0f} ms"))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    bench_main(run, inner)
