"""Half-year and annual reports benchmark (figures only, nothing asserted about speed) over the city load data
(`generate_load_data --scale city`: 150,000 volunteers, 2,000,000 service records). Goals (issue 16): the
city-wide annual roll-up over live data ≤ 3 s cold and ≥ 20× faster than the same figures computed in a
Python loop over the rows; one unit's report ≤ 300 ms.

  1. the city: `selectors.reports.rollup` of the busiest year over live data as the city's authority officer,
     the first call (cold: nothing is cached by the reports) and the median of three more, then each figure of
     `selectors.reports.FIGURE_PARTS` for all the units alone (where the time goes);
  2. the same figures (volunteers by sex × age band and insured at the year's end, by service category, joined
     and left, teams and sub-teams, hours recorded and countable, FTE, people served, service records, training
     sessions and attendees by kind, per unit, summed for the city) computed by a Python loop over the rows
     (volunteers, memberships, covers, sign-ups, service records, training certificates, sessions and
     enrolments read with `iterator()`), its time and the ratio; the two answers are compared;
  3. one unit: `selectors.reports.unit_figures` of one unit (what "new report" and "recompute" run) and the
     tables of its page, over `SAMPLES` units (median and p95);
  4. the roll-up over approved reports (one approved report per unit stored first).

The load data has no insurance and no training sessions; before measuring, the bench adds the insurance
bench's policies and covers (four units in five insure all their current members, one volunteer in twenty is
insured by name, a purpose authority insures whoever is accepted for its shifts), in force on the year's end,
and two training sessions a unit in the year (basic and special, hosted by one of its teams, 20 enrolled, 15
attended), so that every figure has something to count (`BENCH_REPORTS_PLAIN=1`: the load data as generated).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL, migrates it, generates the city load data,
measures in a child process and drops the database. Full scale by default; `--factor 0.1` for a tenth.
Standalone: `.venv/bin/python tests/bench/bench_reports.py [--factor 0.1]`, or with `--database-url URL` to
measure a database that already holds the city load data."""
from __future__ import annotations

import datetime
import json
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from bench_insurance import insurance_data
from citydb import bench_main, ms_figure

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = int(os.environ.get("BENCH_REPORTS_SAMPLES", "20"))
PLAIN = os.environ.get("BENCH_REPORTS_PLAIN") == "1"  # the load data as generated: no insurance, no sessions


def run(factor: float | None = None, database_url: str | None = None) -> list[tuple[str, str]]:
    from citydb import on_city_database

    return on_city_database("reports", __file__, factor=factor, database_url=database_url)


def unit_finder(units):
    """path → the id of the unit of `units` at or above it (None: under none of them)."""
    unit_by_path = {u.path: u.pk for u in units}
    steps = sorted({len(p) for p in unit_by_path})

    def unit_of(path):
        for length in steps:
            found = unit_by_path.get(path[:length])
            if found is not None and len(path) >= length:
                return found
        return None

    return unit_of


def training_data(units, start: datetime.date) -> None:
    """Two training sessions a unit in the year (basic and special), hosted by one of its teams, each with 20
    volunteers enrolled and 15 of them attended; nothing if they are there already."""
    from django.db import connection

    from operations.models import (
        Course,
        CourseKind,
        Enrolment,
        EnrolmentStatus,
        OrgKind,
        OrgNode,
        TrainingSession,
        Volunteer,
    )

    if Course.objects.filter(title__startswith="基準").exists():
        return
    root = OrgNode.get_root_nodes().first()
    category = next(u.category for u in units if u.category)
    courses = [Course.objects.create(organiser=root, kind=CourseKind.BASIC, title="基準基礎訓練", hours=12),
               Course.objects.create(organiser=root, kind=CourseKind.SPECIAL, category=category, title="基準特殊訓練",
                                     hours=6)]
    unit_of = unit_finder(units)
    hosts = {}  # unit id: its first team
    for pk, path in OrgNode.objects.filter(kind=OrgKind.TEAM).order_by("path").values_list("pk", "path"):
        unit = unit_of(path)
        if unit is not None:
            hosts.setdefault(unit, pk)
    sessions = TrainingSession.objects.bulk_create([
        TrainingSession(course=course, host_id=host, date=start + datetime.timedelta(days=(i * 7 + k * 30) % 360),
                        start_time=datetime.time(9), end_time=datetime.time(12), capacity=30, enrolled_count=20)
        for i, host in enumerate(hosts.values()) for k, course in enumerate(courses)], batch_size=2000)
    people = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True)[:20000])
    Enrolment.objects.bulk_create([
        Enrolment(session=session, volunteer_id=people[(i * 20 + j) % len(people)], status=EnrolmentStatus.ENROLLED,
                  attended=j < 15)
        for i, session in enumerate(sessions) for j in range(20)], batch_size=5000)
    with connection.cursor() as cursor:
        for model in (TrainingSession, Enrolment):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def python_loop(units, start: datetime.date, end: datetime.date) -> dict:
    """Every figure of every unit by a loop over the rows, summed for the city (the reference)."""
    from operations.models import (
        CourseKind,
        CoverScope,
        Enrolment,
        InsuranceCover,
        Membership,
        OrgKind,
        OrgNode,
        ServiceRecord,
        Signup,
        SignupStatus,
        TrainingCertificate,
        TrainingSession,
        Volunteer,
    )
    from operations.selectors.reports import COURSE_KINDS, fte
    from operations.selectors.statistics import AGE_BANDS

    unit_of = unit_finder(units)

    team_unit, team_path, teams, subteams = {}, {}, defaultdict(int), defaultdict(int)
    for pk, path, kind, closed in OrgNode.objects.filter(kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM)).values_list(
            "pk", "path", "kind", "closed_on").iterator(chunk_size=5000):
        unit = unit_of(path)
        team_unit[pk], team_path[pk] = unit, path
        if unit is not None and (closed is None or closed > end):
            (teams if kind == OrgKind.TEAM else subteams)[unit] += 1

    def age(born):
        return end.year - born.year - ((end.month, end.day) < (born.month, born.day))

    def band(years):
        for i, (_label, low, high) in enumerate(AGE_BANDS):
            if (low is None or years >= low) and (high is None or years <= high):
                return i
        return len(AGE_BANDS) - 1

    # insured on the end day: named by a cover, a current member of a team under a members cover (of any unit),
    # or accepted that day for a shift under an "on its shifts" cover
    named, member_paths, shift_paths = set(), set(), set()
    for volunteer, path, scope in InsuranceCover.objects.filter(starts_on__lte=end, ends_on__gte=end).values_list(
            "volunteer_id", "node__path", "node_scope").iterator(chunk_size=20000):
        if volunteer is not None:
            named.add(volunteer)
        else:
            (member_paths if scope == CoverScope.MEMBERS else shift_paths).add(path)

    def under(path, paths):
        return path is not None and any(path[:n] in paths for n in range(OrgNode.steplen, len(path) + 1,
                                                                          OrgNode.steplen))

    insured = set(named)
    for volunteer, *paths in Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__date=end).values_list(
            "volunteer_id", "shift__position__campaign__unit__path", "shift__position__venue__path",
            "shift__position__team__path").iterator(chunk_size=20000):
        if any(under(path, shift_paths) for path in paths):
            insured.add(volunteer)
    covered_team = {team: under(path, member_paths) for team, path in team_path.items()}

    people = {pk: (sex, born) for pk, sex, born in Volunteer.objects.values_list("pk", "sex", "birth_date")
              .iterator(chunk_size=20000)}
    current, joined, left = defaultdict(set), defaultdict(set), defaultdict(set)
    for volunteer, team, on, off in Membership.objects.values_list("volunteer_id", "team_id", "joined_on",
                                                                    "left_on").iterator(chunk_size=20000):
        now = on <= end and (off is None or off > end)
        if now and covered_team.get(team):
            insured.add(volunteer)
        unit = team_unit.get(team)
        if unit is None:
            continue
        if now:
            current[unit].add(volunteer)
        if start <= on <= end:
            joined[unit].add(volunteer)
        if off is not None and start <= off <= end:
            left[unit].add(volunteer)
    sex_age = defaultdict(lambda: [0] * len(AGE_BANDS))
    for _unit, members in current.items():
        for volunteer in members:
            sex, born = people[volunteer]
            sex_age[sex][band(age(born))] += 1
    basic, special = {}, {}
    for volunteer, kind, category, on in TrainingCertificate.objects.values_list(
            "volunteer_id", "kind", "category", "completed_on").iterator(chunk_size=20000):
        if kind == CourseKind.BASIC:
            basic[volunteer] = min(basic.get(volunteer, on), on)
        elif kind == CourseKind.SPECIAL:
            key = (volunteer, category)
            special[key] = min(special.get(key, on), on)
    by_category = defaultdict(int)
    for unit in units:
        if unit.category:
            by_category[unit.category] += len(current[unit.pk])
    training = {kind: {"sessions": 0, "attendees": 0} for kind in COURSE_KINDS}
    held = {}
    for pk, path, kind in TrainingSession.objects.filter(date__gte=start, date__lte=end).values_list(
            "pk", "host__path", "course__kind").iterator(chunk_size=20000):
        if unit_of(path) is not None:
            held[pk] = kind
            training[kind]["sessions"] += 1
    for session in Enrolment.objects.filter(attended=True, session__date__gte=start, session__date__lte=end
                                            ).values_list("session_id", flat=True).iterator(chunk_size=20000):
        if session in held:
            training[held[session]]["attendees"] += 1
    recorded, countable, served, records = Decimal("0"), Decimal("0"), 0, 0
    wanted = {unit.pk for unit in units}
    for volunteer, unit, day, hours, category, misuse, people_served in ServiceRecord.objects.filter(
            date__gte=start, date__lte=end).values_list("volunteer_id", "unit_id", "date", "hours", "category",
                                                         "misuse_at", "people_served").iterator(chunk_size=20000):
        if unit not in wanted or misuse is not None:
            continue
        recorded += hours
        served += people_served
        records += 1
        b, s = basic.get(volunteer), special.get((volunteer, category))
        if category and b is not None and s is not None and day >= max(b, s):
            countable += hours
    return {"volunteers": sum(len(m) for m in current.values()), "joined": sum(len(m) for m in joined.values()),
            "left": sum(len(m) for m in left.values()), "teams": sum(teams.values()),
            "subteams": sum(subteams.values()), "hours_recorded": str(recorded.quantize(Decimal("0.1"))),
            "hours_countable": str(countable.quantize(Decimal("0.1"))), "fte": fte(countable),
            "people_served": served, "service_records": records,
            "insured": sum(len(members & insured) for members in current.values()),
            "by_category": dict(by_category), "training": training,
            "sex_age": {k: list(v) for k, v in sex_age.items()}}


def kept_writes(units, start, end, year, city) -> list[tuple[str, str]]:
    """What keeping the figures costs the writers and what uncompacted deltas cost the readers: 20,000 service
    records of the year written in one statement (as the hour-slip import writes them) with the kept hours'
    trigger on, and again with it off; the
    roll-up read with their 20,000 delta rows not yet compacted, the compaction, and the roll-up after it. The
    records are removed at the end (and the kept tables checked equal to the rows), and the kept hours vacuumed."""
    from django.db import connection, transaction

    from operations.models import HourSource, ServiceRecord, UnitHoursMonth
    from operations.selectors import reports as sel
    from operations.selectors.kept import unit_hours_differences
    from operations.services.kept import foreign_keys_checked_as_written, unit_hours_compact

    people = list(ServiceRecord.objects.filter(date__gte=start, date__lte=end).values_list(
        "volunteer_id", "unit_id", "category")[:20000])
    table = connection.ops.quote_name(ServiceRecord._meta.db_table)
    kept = [t.get_pgid(ServiceRecord) for t in ServiceRecord._meta.triggers if "kept_hours" in t.name]

    def write(note: str) -> float:
        rows = [ServiceRecord(volunteer_id=v, unit_id=u, date=start + datetime.timedelta(days=i % 360),
                              category=c, content=f"bench {note}", minutes=60, hours=Decimal("1"), people_served=1,
                              source=HourSource.STAFF) for i, (v, u, c) in enumerate(people)]
        t = time.perf_counter()
        with transaction.atomic(), foreign_keys_checked_as_written():  # as the hour-slip import writes
            ServiceRecord.objects.bulk_create(rows, batch_size=5000)
        return (time.perf_counter() - t) * 1000

    results = []
    unit_hours_compact()
    with_trigger = write("kept")
    deltas = UnitHoursMonth.objects.count()
    read_before = [city(sel.LIVE)[0] for _ in range(3)]
    t = time.perf_counter()
    left = unit_hours_compact()
    compact_ms = (time.perf_counter() - t) * 1000
    read_after = [city(sel.LIVE)[0] for _ in range(3)]
    with transaction.atomic(), connection.cursor() as cursor:
        for name in kept:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
        without = write("plain")
        transaction.set_rollback(True)  # the records written without the trigger are not kept
    ServiceRecord.objects.filter(content="bench kept").delete()
    unit_hours_compact()
    with connection.cursor() as cursor:  # as autovacuum would soon: the next run reads no dead rows of this one
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(UnitHoursMonth._meta.db_table)}")
    results += [
        (f"{len(people):,} records written in one statement, kept hours' trigger on / off",
         f"{with_trigger:.0f} / {without:.0f} ms ({with_trigger / len(people) * 1000:.0f} / "
         f"{without / len(people) * 1000:.0f} µs a record)"),
        (f"city annual roll-up with {deltas - left:,} uncompacted delta rows ({deltas:,} rows)",
         ms_figure(read_before)),
        (f"compaction to {left:,} rows, then the roll-up", f"{compact_ms:.0f} ms; {ms_figure(read_after)}"),
        ("kept hours equal the ledger after the writes and their removal",
         "yes" if unit_hours_differences() == [] else "NO"),
    ]
    return results


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from operations.models import (
        OrgKind,
        OrgNode,
        PeriodKind,
        PeriodReport,
        ReportStatus,
        Role,
        RoleGrant,
        ServiceRecord,
        User,
        Volunteer,
    )
    from operations.selectors import reports as sel

    busiest = (ServiceRecord.objects.annotate(y=ExtractYear("date")).values("y").annotate(n=Count("id"))
               .order_by("-n").first())
    year = busiest["y"] if busiest else datetime.date.today().year - 1
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    units = list(OrgNode.objects.filter(kind=OrgKind.UNIT, is_active=True))
    if not PLAIN:
        insurance_data(end)
        training_data(units, start)
    results: list[tuple[str, str]] = [
        ("volunteers in the database", f"{Volunteer.objects.count():,}"),
        ("service records in the database", f"{ServiceRecord.objects.count():,}"),
        (f"service records in {year} (the year measured)", f"{busiest['n'] if busiest else 0:,}"),
    ]
    officer = User.objects.filter(username="load-city-officer").first()
    if officer is None:
        officer = User.objects.create(username="bench-reports-officer")
        RoleGrant.objects.create(user=officer, node=OrgNode.get_root_nodes().first(), role=Role.AUTHORITY_OFFICER)

    def city(source):
        user = User.objects.get(pk=officer.pk)
        t = time.perf_counter()
        result = sel.rollup(user, PeriodKind.YEAR, year, 0, source)
        return (time.perf_counter() - t) * 1000, result

    cold, live = city(sel.LIVE)
    warm = [city(sel.LIVE)[0] for _ in range(3)]
    results.append((f"city annual roll-up, live data ({live['units']} units): cold", f"{cold:.0f} ms"))
    results.append(("city annual roll-up, live data: three more calls", ms_figure(warm)))
    city_units = list(OrgNode.objects.filter(kind=OrgKind.UNIT, is_active=True).order_by("path"))
    for name, part in sel.FIGURE_PARTS:  # where the time goes: each figure for all the units, warm
        blank = {u.pk: sel._empty(start, end, u.category) for u in city_units}
        t = time.perf_counter()
        part(blank, city_units, start, end)
        results.append((f"  of which {name}", f"{(time.perf_counter() - t) * 1000:.0f} ms"))

    with sel.computed_from_rows():  # the same roll-up computed from the rows (SQLite's way; before the kept tables)
        computed = [city(sel.LIVE)[0] for _ in range(2)]
    results.append(("  the same roll-up computed from the rows, without the kept tables", ms_figure(computed)))

    t = time.perf_counter()
    reference = python_loop(units, start, end)
    loop_ms = (time.perf_counter() - t) * 1000
    results.append(("the same figures by a Python loop over the rows", f"{loop_ms:.0f} ms"))
    results.append(("ratio: Python loop ÷ roll-up in SQL (cold)", f"{loop_ms / cold:.1f}×"))
    total = live["total"]

    def norm(value):
        return json.dumps(value, sort_keys=True, default=str)

    blank = [0] * len(next(iter(total["sex_age"].values())))  # a sex nobody of is counted in the loop
    same = all(norm(total[k]) == norm(reference[k]) for k in reference if k != "sex_age") and all(
        total["sex_age"].get(sex, blank) == reference["sex_age"].get(sex, blank)
        for sex in set(total["sex_age"]) | set(reference["sex_age"]))
    results.append(("the two answers agree (every figure)", "yes" if same else
                    f"NO: sql {({k: total[k] for k in reference})} loop {reference}"))
    results.append(("  insured at the year's end, training sessions (attendees)",
                    f"{total['insured']:,}; " + ", ".join(f"{kind} {n['sessions']:,} ({n['attendees']:,})"
                                                          for kind, n in total["training"].items())))

    sample = sorted(units, key=lambda u: u.path)[:: max(1, len(units) // SAMPLES)][:SAMPLES]
    timings = []
    for unit in sample:
        t = time.perf_counter()
        figures = sel.unit_figures([unit], start, end)[unit.pk]
        sel.figure_tables(figures)
        timings.append((time.perf_counter() - t) * 1000)
    results.append((f"one unit's report figures ({len(sample)} units)", ms_figure(timings)))

    results += kept_writes(units, start, end, year, city)

    each = sel.unit_figures(units, start, end)
    PeriodReport.objects.bulk_create([
        PeriodReport(unit=unit, period_kind=PeriodKind.YEAR, year=year, half=0, status=ReportStatus.APPROVED,
                     figures=each[unit.pk]) for unit in units], ignore_conflicts=True)
    approved = [city(sel.APPROVED)[0] for _ in range(3)]
    results.append((f"city annual roll-up over {len(units)} approved reports", ms_figure(approved)))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    bench_main(run, inner)
