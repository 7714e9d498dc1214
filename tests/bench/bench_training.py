"""Training benchmarks (figures only, nothing asserted about speed):

1. importing 10,000 training certificates from a CSV file (`services.training.certificates_import`): every
   row checked against the registry (volunteers in the importer's scope by document number, numbers already
   used by the same organiser), then written in one transaction — the issue's goal is ≤ 30 s;
2. the same file with one bad row at the end: refused whole (all or nothing), time to refuse, and the
   number of certificates afterwards (unchanged);
3. the same two files through the import job, as the back-office runs them (`certificates_import_start`:
   the upload stored, the job row created, the task run inline after the commit as without a broker, with
   its progress updates): time from the upload to the finished job;
4. an hour slip of the same people (10,000 rows, one record each) through the hour-slip job
   (`services.hours.hours_import_start`), bad row and whole file, likewise;
5. the queries the training gate adds to one volunteer's sign-up check (a shift whose campaign requires a
   category, cache cold and warm).

`run()` creates a fresh PostgreSQL database next to DATABASE_URL (or a temporary SQLite file without
PostgreSQL), migrates it, measures in a child process and drops the database.
Standalone: `.venv/bin/python tests/bench/bench_training.py [--factor 0.1]` (factor scales the 10,000 rows)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
ROWS = 10_000


def run(factor: float | None = None) -> list[tuple[str, str]]:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    env_base = {**os.environ, "DJANGO_SETTINGS_MODULE": "volunteer_site.settings.test", "CELERY_BROKER_URL": "",
                "BENCH_TRAINING_ROWS": str(max(10, int(ROWS * (factor or 1.0))))}
    python = sys.executable
    if urlsplit(url).scheme in ("postgres", "postgresql"):
        import psycopg

        parts = urlsplit(url)
        name = f"training_bench_{os.getpid()}"
        admin = psycopg.connect(url, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        env = {**env_base, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
        try:
            subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
            return _inner_run(env)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**env_base, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        return _inner_run(env)


def _inner_run(env) -> list[tuple[str, str]]:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inner"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        return [("training", f"failed (exit {out.returncode})")]
    results = [tuple(pair) for pair in json.loads(out.stdout.strip().splitlines()[-1])]
    for label, figure in results:
        print(f"  {label:<70} {figure}")
    return results


def inner() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_site.settings.test")
    import django

    django.setup()
    import datetime
    import random

    from django.core.cache import cache
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from operations.identity import IdType, generate_national_id
    from operations.models import (
        Campaign,
        CampaignStatus,
        Membership,
        OrgKind,
        OrgNode,
        Position,
        Role,
        RoleGrant,
        Sex,
        Shift,
        TrainingCertificate,
        UnitCategory,
        User,
        Volunteer,
    )
    from operations.selectors import training as sel
    from operations.services.training import IMPORT_COLUMNS, certificates_import, requirement_set

    rows = int(os.environ.get("BENCH_TRAINING_ROWS", ROWS))
    results: list[tuple[str, str]] = []
    root = OrgNode.add_root(kind=OrgKind.COMPETENT_AUTHORITY, code="bench-root", name="社會局")
    unit = root.add_child(kind=OrgKind.UNIT, code="bench-unit", name="測試單位", category=UnitCategory.SOCIAL_WELFARE,
                          registration_type="agency", city="taipei")
    team = unit.add_child(kind=OrgKind.TEAM, code="bench-team", name="測試志工隊")
    admin = User.objects.create_user(username="bench-admin", password="x")
    RoleGrant.objects.create(user=admin, node=unit, role=Role.UNIT_ADMIN)
    rng = random.Random(14)
    seen, people = set(), []
    while len(people) < rows:
        number = generate_national_id(rng, sex=Sex.FEMALE)
        if number in seen:
            continue
        seen.add(number)
        people.append(Volunteer(id_type=IdType.NATIONAL_ID, id_number=number, name=f"志工{len(people):05d}",
                                sex=Sex.FEMALE, birth_date=datetime.date(1980, 1, 1)))
    Volunteer.objects.bulk_create(people, batch_size=2000)
    people = list(Volunteer.objects.order_by("pk"))
    Membership.objects.bulk_create([Membership(volunteer=v, team=team, joined_on=datetime.date(2024, 1, 1))
                                    for v in people], batch_size=2000)
    header = ",".join(f"{zh} {en}" for _k, zh, en, _r in IMPORT_COLUMNS)
    lines = [header] + [f"{v.id_number},{v.name},基礎,,志願服務基礎訓練,臺北e大,6,2024-03-14,E-{i:06d},臺北e大"
                        for i, v in enumerate(people)]
    raw = ("\ufeff" + "\n".join(lines) + "\n").encode()
    results.append(("certificate rows in the file", f"{rows:,} ({len(raw) / 1024:.0f} KB)"))

    # The last row replaced by a bad one (appending it would make the file one row too long, refused unread).
    bad_line = f"{people[-1].id_number},{people[-1].name},基礎,,x,臺北e大,abc,2024-03-14,E-X,"
    bad = ("\ufeff" + "\n".join(lines[:-1] + [bad_line]) + "\n").encode()
    started = time.perf_counter()
    try:
        certificates_import(actor=admin, name="bad.csv", raw=bad)
        refused = "NOT refused"
    except ValidationError as exc:
        refused = f"refused ({len(exc.messages)} message)"
    results.append((f"import with one bad row at the end ({rows:,} rows)",
                    f"{time.perf_counter() - started:.2f} s, {refused}, "
                    f"{TrainingCertificate.objects.count()} certificates written"))

    started = time.perf_counter()
    outcome = certificates_import(actor=admin, name="certificates.csv", raw=raw)
    seconds = time.perf_counter() - started
    results.append((f"import {rows:,} certificates (goal: 10,000 in ≤ 30 s)",
                    f"{seconds:.2f} s ({outcome['created']:,} created, {rows / seconds:,.0f} rows/s)"))

    # The same, through the import jobs (the task runs inline after the commit: no broker here).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from operations.models import CertificateImport, HourImport, ServiceRecord
    from operations.services.hours import hours_import_start
    from operations.services.training import certificates_import_start

    def through_job(start, model, name, content):
        began = time.perf_counter()
        job = start(actor=admin, file=SimpleUploadedFile(name, content), language="zh-hant")
        seconds = time.perf_counter() - began
        job = model.objects.get(pk=job.pk)
        job.file.delete(save=False)
        return job, seconds

    job_raw = raw.replace(b",E-", b",J-")
    job, seconds = through_job(certificates_import_start, CertificateImport, "bad.csv", bad.replace(b",E-", b",J-"))
    results.append((f"job: certificates with one bad row at the end ({rows:,} rows)",
                    f"{seconds:.2f} s, {job.status}, rows listed {[e['row'] for e in job.errors]}, "
                    f"{TrainingCertificate.objects.count() - outcome['created']} certificates written"))
    job, seconds = through_job(certificates_import_start, CertificateImport, "certificates.csv", job_raw)
    results.append((f"job: import {rows:,} certificates, task inline (goal: 10,000 in ≤ 30 s)",
                    f"{seconds:.2f} s ({job.status}, {job.created_certificates:,} created, {job.percent} %, "
                    f"{rows / seconds:,.0f} rows/s)"))
    slip = ["身分證號,姓名,單位代碼,服務日期,時數,服務內容,服務類別,服務人次"] + [
        f"{v.id_number},{v.name},bench-unit,2024-05-01,3,服務台,,5" for v in people]
    slip_raw = ("\n".join(slip) + "\n").encode()
    bad_slip = slip[:-1] + [f"{people[-1].id_number},{people[-1].name},bench-unit,2024-05-01,30,x,,"]
    job, seconds = through_job(hours_import_start, HourImport, "bad-slip.csv", ("\n".join(bad_slip) + "\n").encode())
    results.append((f"job: hour slip with one bad row at the end ({rows:,} rows)",
                    f"{seconds:.2f} s, {job.status}, rows listed {[e['row'] for e in job.errors]}, "
                    f"{ServiceRecord.objects.count()} records written"))
    job, seconds = through_job(hours_import_start, HourImport, "slip.csv", slip_raw)
    results.append((f"job: import an hour slip of {rows:,} rows, task inline",
                    f"{seconds:.2f} s ({job.status}, {job.created_records:,} records, {job.percent} %, "
                    f"{rows / seconds:,.0f} rows/s)"))

    campaign = Campaign.objects.create(unit=unit, code="bench", title="測試", status=CampaignStatus.OPEN,
                                       starts_on=datetime.date(2030, 1, 1), ends_on=datetime.date(2030, 1, 2))
    position = Position.objects.create(campaign=campaign, title="測試")
    shift = Shift.objects.create(position=position, date=datetime.date(2030, 1, 1), start_time=datetime.time(8),
                                 end_time=datetime.time(12), headcount=5)
    for label, require in (("no requirement", False), ("campaign requires social welfare", True)):
        if require:
            requirement_set(actor=admin, campaign=campaign, category=UnitCategory.SOCIAL_WELFARE)
        for state in ("cache cold", "cache warm"):
            if state == "cache cold":
                cache.clear()
            s = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
            v = Volunteer.objects.get(pk=people[0].pk)
            with CaptureQueriesContext(connection) as ctx:
                problems = sel.check_training(v, s, None)
            results.append((f"gate queries per sign-up check: {label}, {state}",
                            f"{len(ctx.captured_queries)} ({len(problems)} problems)"))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", action="store_true")
    parser.add_argument("--factor", type=float, default=None)
    args = parser.parse_args()
    if args.inner:
        inner()
    else:
        run(args.factor)
