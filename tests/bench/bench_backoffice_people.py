"""Back-office people benchmarks (figures only, nothing asserted about speed):

1. the volunteer list at city scale (`generate_load_data --scale city`: 150,000 volunteers, 1,500 units,
   3,000 teams) as an officer who sees the whole city, filtered, sorted and paginated (deep pages
   included): median and p95 per query shape, and the SQL query count of each (it must not grow with the
   data or the page number: the figures show it per shape); each shape is timed as paging and re-sorting
   see it (the total comes from the count cache) and as the first view after a change to people data
   (the total is counted afresh);
2. the same list as a unit administrator (the scope filter on a large table);
3. exporting the 150,000 volunteers to ODS, XLSX and CSV through the real view (streamed): time, bytes
   and peak Python memory (tracemalloc) — flat memory means the peak does not follow the row count;
4. a 5,000-row roster (CSV) imported into a team by its unit administrator: 4,000 new people and 1,000
   registered volunteers matched by document, checked and imported in one transaction; then the same
   file again (everybody already a member: all skipped).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load
data, measures in a child process and drops the database. Without PostgreSQL it reports "skipped".
Standalone: `.venv/bin/python tests/bench/bench_backoffice_people.py [--factor 0.1]`, or with
`--database-url URL` to measure a database that already holds the city load data (kept afterwards)."""
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


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    from citydb import on_city_database

    return on_city_database("backoffice_people", __file__, factor=factor, database_url=database_url)


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    import tracemalloc

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from operations.models import Language, OrgKind, OrgNode, Role, RoleGrant, Volunteer
    from operations.selectors.counting import VERSION_KEY

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
            samples, cold = [], []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                response = client.get("/backoffice/volunteers/", query)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                cache.delete(VERSION_KEY)  # as after any change to people data: the total is counted again
                started = time.perf_counter()
                response = client.get("/backoffice/volunteers/", query)
                cold.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/backoffice/volunteers/", query)
            count = response.context["table"].paginator.count
            results.append((
                f"{label_prefix}: {label} ({count:,} rows)",
                f"median {statistics.median(samples):.0f} ms, p95 {percentile(samples, 95):.0f} ms, "
                f"{len(ctx.captured_queries)} queries; total counted afresh: median "
                f"{statistics.median(cold):.0f} ms, p95 {percentile(cold, 95):.0f} ms",
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
    if unit_admin:
        results.extend(_team_roster(unit_admin.user, unit_admin.node))
    print(json.dumps(results, ensure_ascii=False))


def _team_roster(user, unit) -> list[tuple[str, str]]:
    import random

    import tablib
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from operations.identity import generate_national_id
    from operations.models import OrgKind, OrgNode, RosterImport, Volunteer
    from operations.services.rosters import ROSTER_COLUMNS
    from operations.services.teams import team_roster_import_run

    team = OrgNode.objects.filter(kind=OrgKind.TEAM, path__startswith=unit.path, is_active=True).order_by("path") \
        .first()
    if team is None:
        return [("team roster import", "skipped: the unit has no team")]
    data = tablib.Dataset(headers=[c.header for c in ROSTER_COLUMNS])
    taken = set(Volunteer.objects.values_list("id_number", flat=True))
    for v in Volunteer.objects.exclude(memberships__team=team).order_by("pk")[:1000]:
        data.append([v.name, "", v.id_number, {"M": "男", "F": "女"}.get(v.sex, "其他"), v.birth_date.isoformat(),
                     "", "", "", ""])
    rng = random.Random(5000)
    while len(data) < 5000:
        number = generate_national_id(rng)
        if number in taken:
            continue
        taken.add(number)
        data.append([f"匯入{len(data):05d}", "身分證", number, "女" if number[1] == "2" else "男", "1980-01-01",
                     f"09{len(data):08d}", "", "", ""])
    content = data.export("csv").encode("utf-8-sig")
    figures = []
    for label in ("team roster import 5,000 rows (CSV, 1,000 matched)", "same roster again (all skipped)"):
        job = RosterImport.objects.create(created_by=user, team=team, joined_on=timezone.localdate(),
                                          original_name="team.csv", file=ContentFile(content, name="team.csv"))
        started = time.perf_counter()
        job = team_roster_import_run(job_id=job.pk)
        seconds = time.perf_counter() - started
        figures.append((label, f"{seconds:.1f} s, {job.status}: {job.created_memberships:,} added, "
                               f"{job.skipped:,} skipped, {job.created_volunteers:,} new volunteers"))
    return figures


if __name__ == "__main__":
    bench_main(run, inner)
