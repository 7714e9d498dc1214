"""Recruitment management and attendance benchmarks (figures only, nothing asserted about speed), at
WMG scale: 70 venues × 6 service groups, one campaign, shifts generated from the 早/午/晚 pattern over
14 days (17,640 shifts), 12,000 volunteers, 40 accepted on one shift.

Figures: time to generate the shifts (all positions, through `shifts_generate`), the fill-rate page
(median, p95, SQL queries), the suggested-volunteers page for one shift (median, p95, queries), the
day sheet page and its PDF, the venue live view.

Then suggested volunteers at city scale: `generate_load_data --scale city` adds 150,000 volunteers in
1,500 units and 3,000 teams (× factor); a campaign of one of those units gets a position (the unit ×
its first team, English required) and a shift, and half of the unit's members already hold a shift in
the campaign. Figures (median, p95, SQL queries) of the page and of `match_candidates` itself for the
unit's administrator, the officer of the city's purpose authority (the 150,000 volunteers) and an
officer of the root authority (everybody).

`run()` makes a fresh database (PostgreSQL next to DATABASE_URL when it is PostgreSQL, else a temporary
SQLite file), migrates it, measures in a child process and drops it.
Standalone: `.venv/bin/python tests/bench/bench_backoffice_recruitment.py [--factor 0.1]`."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]

# The benches measure the back-office pages, not the staff sign-in: staff logged in with force_login carry no
# second factor, which the test settings would otherwise ask for (STAFF_2FA_REQUIRED, README "Staff sign-in").
os.environ.setdefault("STAFF_2FA_REQUIRED", "0")


def _pct(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


def run(factor: float | None = None) -> list[tuple[str, str]]:
    factor = factor if factor is not None else float(os.environ.get("BENCH_FACTOR", "1.0"))
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    admin = None
    tmp = None
    if urlsplit(url).scheme in ("postgres", "postgresql"):
        import psycopg

        name = f"recruit_bench_{os.getpid()}"
        admin = psycopg.connect(url, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    else:
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)
        tmp.close()
        bench_url = f"sqlite:///{tmp.name}"
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test",
           "CELERY_BROKER_URL": ""}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner", "--factor", str(factor)],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        sys.stderr.write(out.stderr[-3000:])
        rows = [tuple(r) for r in json.loads(out.stdout.strip().splitlines()[-1])]
    finally:
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
        if tmp is not None:
            os.unlink(tmp.name)
    for label, value in rows:
        print(f"{label}: {value}")
    return rows


def _inner(factor: float) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from operations.identity import IdType, generate_national_id
    from operations.models import (
        Campaign,
        CampaignStatus,
        FilingStatus,
        Membership,
        OrgKind,
        Position,
        Role,
        RoleGrant,
        ServicePlan,
        Shift,
        Signup,
        SignupStatus,
        User,
        Volunteer,
    )
    from operations.services.organisations import orgnode_create
    from operations.services.recruitment import ShiftSlot, shifts_generate

    rng = random.Random(2025)
    venues_n = max(2, int(70 * factor))
    volunteers_n = max(200, int(12000 * factor))
    days = 14
    today = timezone.localdate()
    root = orgnode_create(actor=None, parent=None, kind=OrgKind.COMPETENT_AUTHORITY, code="bench-root", name="社會局")
    wmg = orgnode_create(actor=None, parent=root, kind=OrgKind.PURPOSE_AUTHORITY, code="bench-wmg", name="世壯運")
    groups = ["行政組", "競賽組", "交通組", "膳食組", "醫療組", "外語組"]
    venues, teams = [], []
    for v in range(venues_n):
        venue = orgnode_create(actor=None, parent=wmg, kind=OrgKind.UNIT, code=f"bv{v}", name=f"場館{v}",
                               is_venue=True, city="taipei" if v % 2 else "new_taipei", category="sports",
                               registration_type="agency")
        venues.append(venue)
        for g, group in enumerate(groups):
            teams.append(orgnode_create(actor=None, parent=venue, kind=OrgKind.TEAM, code=f"bv{v}-{g}", name=group))
    plan = ServicePlan.objects.create(unit=wmg, title="計畫", starts_on=today - datetime.timedelta(days=10),
                                      ends_on=today + datetime.timedelta(days=60), filing_status=FilingStatus.FILED)
    campaign = Campaign.objects.create(unit=wmg, service_plan=plan, code="bench", title="世壯運志工招募",
                                       status=CampaignStatus.OPEN, starts_on=today, ends_on=today + datetime.timedelta(days=days))
    positions = [Position.objects.create(campaign=campaign, venue=t.get_parent(), team=t, title=f"{t.get_parent().name}｜{t.name}")
                 for t in teams]
    officer = User.objects.create_user("bench-officer", password="x")
    RoleGrant.objects.create(user=officer, node=wmg, role=Role.AUTHORITY_OFFICER)
    venue_admin = User.objects.create_user("bench-venue", password="x")
    RoleGrant.objects.create(user=venue_admin, node=venues[0], role=Role.UNIT_ADMIN)

    figures: list[tuple[str, str]] = []
    slots = [ShiftSlot("早班", datetime.time(8), datetime.time(12), 10),
             ShiftSlot("午班", datetime.time(12), datetime.time(16), 10),
             ShiftSlot("晚班", datetime.time(16), datetime.time(20), 10)]
    t0 = time.perf_counter()
    for position in positions:
        shifts_generate(actor=officer, position=position, date_from=today,
                        date_to=today + datetime.timedelta(days=days - 1), slots=slots)
    elapsed = time.perf_counter() - t0
    total = Shift.objects.count()
    figures.append(("generate shifts", f"{total} shifts for {len(positions)} positions in {elapsed:.1f} s "
                                       f"({elapsed / len(positions) * 1000:.0f} ms per position of {days * 3})"))

    ids = set()
    vols = []
    for i in range(volunteers_n):
        number = generate_national_id(rng)
        while number in ids:
            number = generate_national_id(rng)
        ids.add(number)
        vols.append(Volunteer(id_type=IdType.NATIONAL_ID, id_number=number, name=f"志工{i}", sex="F",
                              birth_date=datetime.date(1960 + i % 45, 1 + i % 12, 1 + i % 28), phone=f"09{i:08d}"))
    Volunteer.objects.bulk_create(vols, batch_size=2000)
    vols = list(Volunteer.objects.all())
    Membership.objects.bulk_create([Membership(volunteer=v, team=teams[i % len(teams)], joined_on=datetime.date(2024, 1, 1))
                                    for i, v in enumerate(vols)], batch_size=2000)
    # a quarter of the seats taken, spread over the shifts
    shifts = list(Shift.objects.order_by("id"))
    signups, taken = [], {}
    for i, v in enumerate(vols):
        s = shifts[(i * 7) % len(shifts)]
        signups.append(Signup(volunteer=v, shift=s, status=SignupStatus.ACCEPTED))
        taken[s.pk] = taken.get(s.pk, 0) + 1
    from django.db import transaction

    with transaction.atomic():  # rows and counters together: PostgreSQL's seat-invariant trigger checks at commit
        Signup.objects.bulk_create(signups, batch_size=2000)
        for s in shifts:
            s.accepted_count = taken.get(s.pk, 0)
        Shift.objects.bulk_update(shifts, ["accepted_count"], batch_size=2000)
    big = Shift.objects.filter(position__venue=venues[0], date=today).order_by("start_time").first()
    big.headcount = 60
    big.save(update_fields=["headcount"])
    existing = set(Signup.objects.filter(shift=big).values_list("volunteer_id", flat=True))
    extra = [v for v in vols[:200] if v.pk not in existing][:40 - len(existing)]
    with transaction.atomic():
        Signup.objects.bulk_create([Signup(volunteer=v, shift=big, status=SignupStatus.ACCEPTED) for v in extra])
        Shift.objects.filter(pk=big.pk).update(accepted_count=len(existing) + len(extra))

    def measure(label, client, url, n=15):
        client.get(url)
        samples = []
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries = len(ctx.captured_queries)
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        figures.append((label, f"median {statistics.median(samples):.0f} ms, p95 {_pct(samples, 95):.0f} ms, "
                               f"{queries} queries"))

    officer_client, venue_client = Client(), Client()
    officer_client.force_login(officer)
    venue_client.force_login(venue_admin)
    measure(f"fill rates, city-wide officer ({total} shifts)", officer_client, reverse("operations:fill_rates"))
    measure("fill rates, one venue admin", venue_client, reverse("operations:fill_rates"))
    free = Shift.objects.filter(position__venue=venues[0], date=today + datetime.timedelta(days=1)).first()
    measure(f"suggested volunteers for a shift ({volunteers_n} volunteers, officer scope)", officer_client,
            reverse("operations:shift_match", args=[free.pk]), n=8)
    measure("suggested volunteers, venue admin scope", venue_client, reverse("operations:shift_match", args=[free.pk]), n=8)
    measure("attendance list (one day, officer)", officer_client, reverse("operations:attendance_list"))
    measure("day sheet page (40 accepted)", venue_client, reverse("operations:attendance_shift", args=[big.pk]))
    measure("day sheet PDF (40 accepted)", venue_client, reverse("operations:attendance_day_sheet_pdf", args=[big.pk]), n=5)
    measure("venue live view", venue_client, reverse("operations:venue_live", args=[venues[0].pk]))
    measure("sign-up review list (accepted, officer)", officer_client, reverse("operations:signup_review") + "?status=accepted")
    _city_matching(factor, root, measure, figures)
    return figures


def _city_matching(factor: float, root, measure, figures: list[tuple[str, str]]) -> None:
    """Suggested volunteers for a shift over a city-scale scope (see the module docstring); the figures
    are appended to `figures` (`measure` appends there too)."""
    import datetime
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from operations.models import (
        Campaign,
        CampaignStatus,
        FilingStatus,
        Language,
        OrgNode,
        Position,
        Role,
        RoleGrant,
        ServicePlan,
        Shift,
        Signup,
        SignupStatus,
        User,
        Volunteer,
    )
    from operations.selectors.matching import match_candidates

    started = time.perf_counter()
    call_command("generate_load_data", "--scale", "city", "--factor", str(factor), stdout=io.StringIO())
    total = Volunteer.objects.count()
    figures.append(("city load data for matching", f"{total:,} volunteers in the database, generated in "
                                                   f"{time.perf_counter() - started:.0f} s"))
    today = timezone.localdate()
    unit = OrgNode.objects.get(code="load-city-u00001")
    team = unit.get_children().order_by("path").first()
    plan = ServicePlan.objects.create(unit=unit, title="計畫", starts_on=today - datetime.timedelta(days=10),
                                      ends_on=today + datetime.timedelta(days=60), filing_status=FilingStatus.FILED)
    campaign = Campaign.objects.create(unit=unit, service_plan=plan, code="bench-city", title="社區志工招募",
                                       status=CampaignStatus.OPEN, starts_on=today,
                                       ends_on=today + datetime.timedelta(days=30), min_age=16)
    position = Position.objects.create(campaign=campaign, venue=unit, team=team, title=f"{unit.name}｜{team.name}")
    position.required_languages.add(Language.objects.get(code="en"))
    shift = Shift.objects.create(position=position, date=today + datetime.timedelta(days=3), name="早班",
                                 start_time=datetime.time(8), end_time=datetime.time(12), headcount=10)
    busy_day = Shift.objects.create(position=position, date=today + datetime.timedelta(days=4), name="早班",
                                    start_time=datetime.time(8), end_time=datetime.time(12), headcount=10_000)
    members = list(Volunteer.objects.filter(memberships__team__path__startswith=unit.path).distinct().order_by("pk"))
    from django.db import transaction

    with transaction.atomic():  # rows and counter together (the seat-invariant trigger checks at commit)
        Signup.objects.bulk_create([Signup(volunteer=v, shift=busy_day, status=SignupStatus.ACCEPTED)
                                    for v in members[::2]])
        Shift.objects.filter(pk=busy_day.pk).update(accepted_count=len(members[::2]))
    with connection.cursor() as cursor:  # planner statistics of what the bench wrote (autovacuum would, later)
        cursor.execute("ANALYZE")
    city_officer = User.objects.get(username="load-city-officer")
    unit_admin = User.objects.get(username="load-city-unit-00001")
    root_officer = User.objects.create_user("bench-root-officer", password="x")
    RoleGrant.objects.create(user=root_officer, node=root, role=Role.AUTHORITY_OFFICER)
    scope = f"{Volunteer.objects.visible_to(city_officer).count():,} volunteers"
    users = [(f"unit admin ({len(members)} volunteers)", unit_admin),
             (f"city-wide officer ({scope})", city_officer),
             (f"root authority officer (all {total:,})", root_officer)]
    url = reverse("operations:shift_match", args=[shift.pk])
    for label, user in users:
        client = Client()
        client.force_login(user)
        measure(f"suggested volunteers at city scale, {label}: page", client, url, n=15)
        selected = Shift.objects.select_related("position__venue", "position__team", "position__campaign__unit")
        subject = selected.get(pk=shift.pk)
        match_candidates(user=User.objects.get(pk=user.pk), shift=subject)
        with CaptureQueriesContext(connection) as ctx:
            found = match_candidates(user=User.objects.get(pk=user.pk), shift=subject)
        samples = []
        for _ in range(25):
            fresh = User.objects.get(pk=user.pk)  # no scope cache, as in a new request
            begin = time.perf_counter()
            match_candidates(user=fresh, shift=subject)
            samples.append((time.perf_counter() - begin) * 1000)
        figures.append((f"suggested volunteers at city scale, {label}: match_candidates",
                        f"median {statistics.median(samples):.0f} ms, p95 {_pct(samples, 95):.0f} ms, "
                        f"{len(ctx.captured_queries)} queries, {len(found)} suggested"))


if __name__ == "__main__":
    if "--inner" in sys.argv:
        factor = float(sys.argv[sys.argv.index("--factor") + 1]) if "--factor" in sys.argv else 1.0
        result = _inner(factor)
        print(json.dumps(result, ensure_ascii=False))
    else:
        factor = float(sys.argv[sys.argv.index("--factor") + 1]) if "--factor" in sys.argv else None
        run(factor)
