"""Service hours and training certificates for `generate_load_data --scale city` (SPEC.md "Data scale":
2,000,000 service-hour records over two years). Kept beside the command (a module whose name starts with
an underscore is not a command).

Shape: every volunteer with a membership gets a basic certificate (90 %) and, for each service category
of their units, a special certificate (85 %), dated 2019–2025 so that some hours fall before the training
(the gate has something to refuse). Records per volunteer follow a heavy-tailed law (a few serve most
days), capped at 720, so that the award levels of 1,500–2,500 hours are reached by a few hundred people;
hours 2–8 per record, dates over the last two years, about 0.5 % annotated as misuse. The rows are
streamed to COPY in chunks, so memory stays flat. On PostgreSQL the ledger's roll-up triggers are switched off
for the COPY and the monthly roll-up (`ServiceHoursMonth`) is rebuilt from the ledger after it, in one
statement (a row trigger per copied record would cost minutes); elsewhere the triggers keep it."""
from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from operations.models import CourseKind, HourSource, ServiceHoursMonth, ServiceRecord, TrainingCertificate
from operations.services.hours import hours_rollup_rebuild

TOTAL_RECORDS = 2_000_000
MAX_PER_VOLUNTEER = 720
CHUNK_ROWS = 200_000
HOURS = [Decimal(h) for h in ("2", "3", "3.5", "4", "4", "4", "6", "8")]
CONTENTS = ["服務台值勤", "病房關懷", "導覽解說", "圖書整理", "活動支援", "電話問安", "送餐服務", "交通引導"]
RECORD_COLUMNS = ["volunteer_id", "unit_id", "date", "category", "content", "minutes", "hours", "people_served",
                  "source", "misuse_note", "misuse_at"]
CERT_COLUMNS = ["volunteer_id", "kind", "category", "course_name", "organiser_name", "issuer", "hours",
                "completed_on", "number", "source", "online"]


@contextmanager
def indexes_rebuilt_after(model):
    """PostgreSQL: drop the table's secondary indexes (not the primary key or unique ones) for a bulk COPY
    and build them again after it — faster than updating ten indexes row by row. Inside the command's
    transaction, so a failure puts them back."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = %s AND NOT x.indisunique "
            "AND NOT x.indisprimary", [model._meta.db_table])
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        # Deferred constraint triggers queued by the COPY must fire before the table's indexes can be built
        # ("cannot CREATE INDEX … because it has pending trigger events"); they would fire at commit anyway.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back as declared: every deferrable one is initially deferred
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in found:
            cursor.execute(definition)


@contextmanager
def rollup_triggers_off():
    """PostgreSQL: switch the ledger's roll-up triggers off for a bulk COPY. ALTER TABLE holds the ledger's
    exclusive lock until the command's transaction ends, so no other writer can slip in while they are off,
    and a failure switches them back on (the ALTER is rolled back). The caller rebuilds the roll-up after."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(ServiceRecord._meta.db_table)
    names = [trigger.get_pgid(ServiceRecord) for trigger in ServiceRecord._meta.triggers]

    def alter(action: str) -> None:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses a table with deferred trigger events pending (foreign keys checked at commit
            # when the command runs inside a caller's transaction): fire them now, then back as declared
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for name in names:
                cursor.execute(f'ALTER TABLE {table} {action} TRIGGER "{name}"')

    alter("DISABLE")
    yield
    alter("ENABLE")


def generate_hours(command, *, rng: random.Random, factor: float, volunteer_units: dict[int, list[tuple[int, str]]],
                   scaled) -> None:
    """Write the training certificates and service records of the city scale. `volunteer_units` maps a
    volunteer id to the (unit id, unit category) of each team they belong to."""
    today = timezone.localdate()
    with command._phase("city", "training certificates") as phase:
        rows, number = [], 0
        first, span = dt.date(2019, 1, 1), (dt.date(2025, 12, 31) - dt.date(2019, 1, 1)).days
        for volunteer_id, units in volunteer_units.items():
            if rng.random() < 0.9:
                number += 1
                rows.append((volunteer_id, CourseKind.BASIC, "", "志願服務基礎訓練", "臺北e大", "name:臺北e大",
                             Decimal("6"), first + dt.timedelta(days=rng.randrange(span)), f"LOAD-{number:07d}",
                             "elearning", True))
            for category in {c for _u, c in units if c}:
                if rng.random() < 0.85:
                    number += 1
                    rows.append((volunteer_id, CourseKind.SPECIAL, category, "志願服務特殊訓練", "臺北e大",
                                 "name:臺北e大", Decimal("6"), first + dt.timedelta(days=rng.randrange(span)),
                                 f"LOAD-{number:07d}", "elearning", True))
        command.writer.insert(TrainingCertificate, CERT_COLUMNS, rows)
        phase.rows = len(rows)
        command.counts.add("training certificates", len(rows))

    postgres = connection.vendor == "postgresql"
    with command._phase("city", "service hours") as phase, indexes_rebuilt_after(ServiceRecord), \
            rollup_triggers_off():
        total = scaled(TOTAL_RECORDS, factor)
        people = list(volunteer_units)
        weights = [min(rng.paretovariate(1.1), 400.0) for _ in people]
        counts = [0] * len(people)
        for _round in range(4):  # share the total out; what the cap cuts off goes to the others
            open_ = [i for i, c in enumerate(counts) if c < MAX_PER_VOLUNTEER]
            missing = total - sum(counts)
            if missing <= 0 or not open_:
                break
            scale = missing / sum(weights[i] for i in open_)
            for i in open_:
                counts[i] = min(MAX_PER_VOLUNTEER, counts[i] + round(weights[i] * scale))
        days = [today - dt.timedelta(days=d) for d in range(1, 731)]
        now = timezone.now()
        written, chunk = 0, []
        for volunteer_id, n in zip(people, counts, strict=True):
            units = volunteer_units[volunteer_id]
            for day in rng.sample(days, min(n, len(days))):
                unit_id, category = units[0] if len(units) == 1 else rng.choice(units)
                misuse = rng.random() < 0.005
                hours = rng.choice(HOURS)
                chunk.append((volunteer_id, unit_id, day, category, rng.choice(CONTENTS), int(hours * 60), hours,
                              rng.randrange(0, 30), HourSource.STAFF if rng.random() < 0.7 else HourSource.IMPORT,
                              "紀錄冊借他人使用" if misuse else "", now if misuse else None))
                if len(chunk) >= CHUNK_ROWS:
                    command.writer.insert(ServiceRecord, RECORD_COLUMNS, chunk)
                    written += len(chunk)
                    chunk = []
        command.writer.insert(ServiceRecord, RECORD_COLUMNS, chunk)
        written += len(chunk)
        phase.rows = written
        command.counts.add("service records", written)
    if postgres:
        with command._phase("city", "hours roll-up") as phase, indexes_rebuilt_after(ServiceHoursMonth):
            phase.rows = hours_rollup_rebuild()
