"""Service hours benchmark (figures only, nothing asserted about speed) over the city load data
(`generate_load_data --scale city`: 150,000 volunteers, 2,000,000 service records, training certificates).
Goals (issue 15): the eligible list of one award level ≤ 2 s for the city and ≤ 200 ms for one unit;
"my hours" ≤ 50 ms.

  1. the load data: how long `generate_load_data --scale city` took (all of it, hours included);
  2. the city: `selectors.awards.eligible_list` of the welfare bronze (1,500 h) and the national bronze
     (3,000 h) as the city's authority officer (median and p95), with the list's length;
  3. one unit: the same list as a unit administrator, over `SAMPLES` units;
  4. my hours: `selectors.hours.explain` of the volunteers with the most records, and the page's template
     rendered from it (median and p95, queries).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load data,
measures in a child process and drops the database. Without PostgreSQL it reports "skipped".
Standalone: `.venv/bin/python tests/bench/bench_hours.py [--factor 0.1]`, or with `--database-url URL` to
measure a database that already holds the city load data."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from citydb import bench_main, ms_figure

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = int(os.environ.get("BENCH_HOURS_SAMPLES", "20"))


def _generation_figures(stdout: str, seconds: float) -> list:
    phases = [line.strip() for line in stdout.splitlines()
              if "service hours" in line or "hours roll-up" in line or "training certificates" in line or line.startswith("Total")]
    pre = [("city load data generated (all of it, command wall time)", f"{seconds:.0f} s")]
    pre += [(f"  phase: {p.split('  ')[0]} {' '.join(p.split()[1:3])}", " ".join(p.split()[3:])) for p in phases
            if not p.startswith("Total")]
    return pre


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    from citydb import on_city_database

    return on_city_database("hours", __file__, factor=factor, database_url=database_url,
                            after_generate=_generation_figures)


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from operations.models import AwardLevel, OrgKind, OrgNode, Role, RoleGrant, ServiceRecord, User
    from operations.selectors import awards, hours
    from operations.views.hours import working_context

    results: list[tuple[str, str]] = [
        ("service records in the database", f"{ServiceRecord.objects.count():,}"),
    ]
    officer = User.objects.filter(username="load-city-officer").first()
    if officer is None:  # a database without the load data's users: an officer of the first root
        officer = User.objects.create(username="bench-hours-officer")
        RoleGrant.objects.create(user=officer, node=OrgNode.get_root_nodes().first(), role=Role.AUTHORITY_OFFICER)
    year = awards.call_year() + 1  # the next call counts hours up to the end of this year: all the load data
    for code in ("welfare", "national"):
        level = AwardLevel.objects.select_related("scheme").get(scheme__code=code, code="bronze")
        timings, size = [], 0
        for _ in range(max(3, SAMPLES // 4)):
            user = User.objects.get(pk=officer.pk)
            t = time.perf_counter()
            found = awards.eligible_list(user, level, year=year)
            found.fill(found.rows[:50])
            timings.append((time.perf_counter() - t) * 1000)
            size = len(found.rows)
        results.append((f"city: eligible for {level} ({size:,} people)", ms_figure(timings)))

    level = AwardLevel.objects.select_related("scheme").get(scheme__code="welfare", code="bronze")
    admins = list(User.objects.filter(username__startswith="load-city-unit-").order_by("username")[:SAMPLES])
    if not admins:
        for unit in OrgNode.objects.filter(kind=OrgKind.UNIT).order_by("path")[:SAMPLES]:
            user = User.objects.create(username=f"bench-hours-{unit.pk}")
            RoleGrant.objects.create(user=user, node=unit, role=Role.UNIT_ADMIN)
            admins.append(user)
    timings, sizes = [], []
    for admin in admins:
        user = User.objects.get(pk=admin.pk)
        t = time.perf_counter()
        found = awards.eligible_list(user, level, year=year)
        found.fill(found.rows[:50])
        timings.append((time.perf_counter() - t) * 1000)
        sizes.append(len(found.rows))
    results.append((f"unit: eligible for {level} ({len(admins)} units, {sum(sizes)} people in all)",
                    ms_figure(timings)))

    heavy = list(ServiceRecord.objects.values("volunteer_id").annotate(n=Count("id")).order_by("-n")[:SAMPLES])
    timings, renders, queries = [], [], 0
    for row in heavy:
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            working = hours.explain(row["volunteer_id"])
        timings.append((time.perf_counter() - t) * 1000)
        queries = len(ctx.captured_queries)
        t = time.perf_counter()
        render_to_string("operations/hours/_working.html",
                         {**working_context(RequestFactory().get("/"), working), "staff": False})
        renders.append((time.perf_counter() - t) * 1000)
    most = heavy[0]["n"] if heavy else 0
    results.append((f"my hours: the working of the {len(heavy)} busiest volunteers (up to {most} records, "
                    f"{queries} queries)", ms_figure(timings)))
    results.append(("my hours: the working rendered (template, first page of 50 records)", ms_figure(renders)))
    if os.environ.get("BENCH_HOURS_EXPLAIN"):
        sys.stderr.write("see selectors.hours for the statement\n")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    bench_main(run, inner)
