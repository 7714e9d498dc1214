"""The kept report figures (`UnitHoursMonth`, `UnitMember`, models/kept.py): rebuilt whole from the rows (the
repair of `check_hours_rollup --repair`, and after a bulk load written without the triggers), and the hours'
deltas folded into one row per unit and month (`unit_hours_compact`, run by Celery beat). PostgreSQL only: the
tables are not kept on SQLite."""
from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from ..models import OrgNode
from ..models.kept_sql import (
    BULK_SETTING,
    COUNT_FROM_LOCK,
    COUNT_FROM_LOCK_KEYS,
    UNIT_HOURS,
    rebuild_statements,
)

#: the advisory lock a compaction holds (two at once would only fold each other's rows again)
COMPACT_LOCK = 16063

KEPT_SOURCES = ("operations_servicerecord", "operations_trainingcountfrom", "operations_recordbook",
                "operations_membership", "operations_volunteer", "operations_orgnode")


def kept_rebuild() -> dict[str, int]:
    """Empty both kept tables and write them again from the rows, with the rows' tables locked against writes
    meanwhile (so nothing slips between the two). Returns the rows written per table; {} on SQLite."""
    if connection.vendor != "postgresql":
        return {}
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [BULK_SETTING])
        before = cursor.fetchone()[0] or "off"
        cursor.execute(f"LOCK TABLE {', '.join(KEPT_SOURCES)} IN SHARE MODE")
        for counted, statement in rebuild_statements(OrgNode.steplen):
            cursor.execute(statement)
            if counted:
                written[counted] = cursor.rowcount
        cursor.execute("SELECT set_config(%s, %s, true)", [BULK_SETTING, before])
    return written


def unit_hours_compact() -> int | None:
    """Fold the kept hours' delta rows into one row per unit and month (the rows of a unit and month summing to
    nothing are dropped), in one statement: a reader sees the rows before or after, never half. Writers go on
    adding deltas meanwhile (those are left for the next time). Returns the rows left in the table, None when
    another compaction runs (PostgreSQL; 0 on SQLite)."""
    if connection.vendor != "postgresql":
        return 0
    columns = "unit_id, month, hours, records, people_served, counted_hours"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return None
        # only the (unit, month) pairs with more than one row are rewritten: the table does not churn whole
        cursor.execute(
            f"WITH many AS (SELECT unit_id, month FROM {UNIT_HOURS} GROUP BY unit_id, month HAVING COUNT(*) > 1), "
            f"gone AS (DELETE FROM {UNIT_HOURS} t USING many WHERE t.unit_id = many.unit_id AND t.month = many.month "
            f"RETURNING t.unit_id, t.month, t.hours, t.records, t.people_served, t.counted_hours) "
            f"INSERT INTO {UNIT_HOURS} ({columns}) "
            f"SELECT unit_id, month, SUM(hours), SUM(records), SUM(people_served), SUM(counted_hours) FROM gone "
            f"GROUP BY unit_id, month "
            f"HAVING SUM(hours) <> 0 OR SUM(records) <> 0 OR SUM(people_served) <> 0 OR SUM(counted_hours) <> 0")
        cursor.execute(f"SELECT COUNT(*) FROM {UNIT_HOURS}")
        return cursor.fetchone()[0]


def bulk_writes() -> None:
    """Switch the kept tables' triggers off for the rest of the caller's transaction (a bulk load that calls
    `kept_rebuild` before it commits)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [BULK_SETTING])


def hold_count_from_dates(volunteer_ids, *, exclusive: bool = False) -> None:
    """Take the count-from locks of these people (PostgreSQL) in key order, before writing their records (shared)
    or their certificates (`exclusive`), for a writer of many people: the triggers take the same locks row by row
    or statement by statement, in the order the rows come; taken all at once in key order first, two writers of
    many people never hold one key while waiting for another (no deadlock between an hour-slip import and a
    certificate import or a session's certificates)."""
    if connection.vendor != "postgresql" or not volunteer_ids:
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {function}(%s, x.k) FROM (SELECT DISTINCT (v %% %s)::integer AS k "
            f"FROM unnest(%s::bigint[]) AS v ORDER BY 1) x",
            [COUNT_FROM_LOCK, COUNT_FROM_LOCK_KEYS, sorted(set(volunteer_ids))])


@contextmanager
def foreign_keys_checked_as_written():
    """PostgreSQL: check the foreign keys of the rows written inside as they are written, not at the commit, then
    back as declared (every deferrable constraint here is initially deferred). For a statement writing thousands of
    ledger rows: the ledger's triggers write the roll-ups row by row, and each of their statements walks the
    statement's queue of deferred checks, which grows with every row: 20,000 records took 13.3 s with the checks
    deferred and 1.7 s checked as written."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
