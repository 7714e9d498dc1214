"""Insurance benchmark (figures only, nothing asserted about speed): "who is insured on date D" over the city
load data (`generate_load_data --scale city`: 150,000 volunteers, 1,500 units, 3,000 teams), the goals
being p95 ≤ 200 ms for a unit and ≤ 1 s for the whole city (issue 14).

Insurance data added to the load data, in bulk: four units in five have a policy of their own with an
"all current members" cover; every unit's policy also insures one volunteer in twenty by name (people
outside its teams too); a purpose authority's joint policy insures whoever is accepted for its shifts on
the day. Then, for a date inside the policies:
  1. a unit: `selectors.insurance.insured_in_node(unit, D)` counted, and its first page of 50 by name,
     over `SAMPLES` different units (median and p95);
  2. the city: every volunteer insured on D (`insured_q(D)`), counted, and the first page of 50;
  3. the gate of one sign-up (the shift's gate and the volunteer's cover in one query).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load data,
measures in a child process and drops the database. Without PostgreSQL it reports "skipped".
Standalone: `.venv/bin/python tests/bench/bench_insurance.py [--factor 0.02]`, or with
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
SAMPLES = int(os.environ.get("BENCH_INSURANCE_SAMPLES", "25"))


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    from citydb import on_city_database

    return on_city_database("insurance", __file__, factor=factor, database_url=database_url)


def insurance_data(day):
    """Policies and covers over the load data, in force from 180 days before `day` to 180 days after, written in
    bulk (see the module docstring); nothing if they are there already for `day` (those of an earlier run for
    another day are replaced). The reports bench writes them too."""
    import datetime

    from django.db import connection

    from operations.models import CoverScope, InsuranceCover, InsurancePolicy, OrgKind, OrgNode, Volunteer

    mine = InsurancePolicy.objects.filter(policy_number__startswith="BENCH-")
    if mine.filter(starts_on__lte=day, ends_on__gte=day).exists():
        return
    InsuranceCover.objects.filter(policy__in=mine).delete()  # written by an earlier run for another day
    mine.delete()
    start, end = day - datetime.timedelta(days=180), day + datetime.timedelta(days=180)
    units = list(OrgNode.objects.filter(kind=OrgKind.UNIT).order_by("path"))
    policies = InsurancePolicy.objects.bulk_create([
        InsurancePolicy(node=unit, insurer="基準產險", policy_number=f"BENCH-{unit.pk}", starts_on=start, ends_on=end)
        for unit in units], batch_size=1000)
    if not policies or policies[0].pk is None:
        policies = list(InsurancePolicy.objects.filter(policy_number__startswith="BENCH-").order_by("pk"))
    covers = [InsuranceCover(policy=p, node_id=p.node_id, starts_on=start, ends_on=end)
              for i, p in enumerate(policies) if i % 5]
    volunteer_ids = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True)[::20])
    for i, vid in enumerate(volunteer_ids):
        covers.append(InsuranceCover(policy=policies[i % len(policies)], volunteer_id=vid, starts_on=start,
                                     ends_on=end))
    authority = OrgNode.objects.filter(kind=OrgKind.PURPOSE_AUTHORITY).order_by("path").first()
    if authority is not None:
        joint = InsurancePolicy.objects.create(node=authority, insurer="基準產險", policy_number="BENCH-JOINT",
                                               starts_on=start, ends_on=end)
        covers.append(InsuranceCover(policy=joint, node=authority, node_scope=CoverScope.ON_SHIFT, starts_on=start,
                                     ends_on=end))
    InsuranceCover.objects.bulk_create(covers, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from operations.models import InsuranceCover, InsurancePolicy, OrgKind, OrgNode, Shift, Volunteer
    from operations.selectors import insurance

    day = timezone.localdate()
    started = time.perf_counter()
    insurance_data(day)
    results: list[tuple[str, str]] = [
        ("city volunteers in the database", f"{Volunteer.objects.count():,}"),
        (f"insurance data written ({InsurancePolicy.objects.count():,} policies, {InsuranceCover.objects.count():,} covers)",
         f"{time.perf_counter() - started:.1f} s"),
    ]

    units = list(OrgNode.objects.filter(kind=OrgKind.UNIT).order_by("path")[:SAMPLES])
    counts, firsts, sizes = [], [], []
    for unit in units:
        qs = insurance.insured_in_node(unit, day)
        t = time.perf_counter()
        sizes.append(qs.count())
        counts.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        list(qs.order_by("name", "pk")[:50])
        firsts.append((time.perf_counter() - t) * 1000)
    results.append((f"unit: insured on D counted ({len(units)} units, median {statistics.median(sizes):.0f} people)",
                    f"median {statistics.median(counts):.1f} ms, p95 {percentile(counts, 95):.1f} ms"))
    results.append(("unit: first page of 50 by name",
                    f"median {statistics.median(firsts):.1f} ms, p95 {percentile(firsts, 95):.1f} ms"))

    city = Volunteer.objects.filter(insurance.insured_q(day, many=True))
    counts, firsts = [], []
    total = 0
    for _ in range(max(5, SAMPLES // 3)):
        t = time.perf_counter()
        total = city.count()
        counts.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        list(city.order_by("name", "pk")[:50])
        firsts.append((time.perf_counter() - t) * 1000)
    results.append((f"city: insured on D counted ({total:,} people)",
                    f"median {statistics.median(counts):.1f} ms, p95 {percentile(counts, 95):.1f} ms"))
    results.append(("city: first page of 50 by name",
                    f"median {statistics.median(firsts):.1f} ms, p95 {percentile(firsts, 95):.1f} ms"))

    shift = Shift.objects.select_related("position__campaign").order_by("pk").first()
    volunteer = Volunteer.objects.order_by("pk").first()
    if shift is not None and volunteer is not None:
        timings = []
        for _ in range(SAMPLES):
            fresh = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
            person = Volunteer.objects.get(pk=volunteer.pk)
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                insurance.volunteer_insured_for(person, fresh)
                timings.append((time.perf_counter() - t) * 1000)
        results.append((f"the gate of one sign-up (queries: {len(ctx.captured_queries)})",
                        f"median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms"))
    if os.environ.get("BENCH_INSURANCE_EXPLAIN"):
        sys.stderr.write(city.explain(analyze=True) + "\n")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    bench_main(run, inner)
