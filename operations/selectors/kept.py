"""Checks of the kept report figures (models/kept.py) against the rows they come from: empty lists when they
agree (PostgreSQL; the tables are not kept on SQLite). Run by `check_hours_rollup` and the tests."""
from __future__ import annotations

from decimal import Decimal

from django.db import connection

from ..models import OrgNode
from ..models.kept_sql import UNIT_HOURS, UNIT_MEMBERS, member_spans_select, unit_hours_select


def unit_hours_differences(limit: int = 100) -> list[dict]:
    """(unit, month) where the kept hours' sum and the ledger disagree: recorded hours, records, people served,
    countable hours on each side (None where a side has no row)."""
    if connection.vendor != "postgresql":
        return []
    query = (
        f"SELECT COALESCE(l.u, k.u), COALESCE(l.m, k.m), l.h, l.n, l.p, l.c, k.h, k.n, k.p, k.c "
        f"FROM ({unit_hours_select()}) AS l (u, m, h, n, p, c) "
        f"FULL OUTER JOIN (SELECT unit_id, month, SUM(hours), SUM(records), SUM(people_served), SUM(counted_hours) "
        f"FROM {UNIT_HOURS} GROUP BY 1, 2 "
        f"HAVING SUM(hours) <> 0 OR SUM(records) <> 0 OR SUM(people_served) <> 0 OR SUM(counted_hours) <> 0) "
        f"AS k (u, m, h, n, p, c) ON k.u = l.u AND k.m = l.m "
        f"WHERE (l.h, l.n, l.p, l.c) IS DISTINCT FROM (k.h, k.n, k.p, k.c) ORDER BY 1, 2 LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(query, [limit])
        rows = cursor.fetchall()

    def side(h, n, p, c):
        return None if n is None else (Decimal(h), int(n), int(p), Decimal(c))

    return [{"unit_id": row[0], "month": row[1], "ledger": side(*row[2:6]), "kept": side(*row[6:10])}
            for row in rows]


def unit_member_differences(limit: int = 100) -> list[dict]:
    """Spans kept but not given by the memberships, or given but not kept: each with its side."""
    if connection.vendor != "postgresql":
        return []
    columns = "unit_id, volunteer_id, sex, birth_date, since, until"
    live = member_spans_select(OrgNode.steplen)
    kept = f"SELECT {columns} FROM {UNIT_MEMBERS}"
    query = (f"SELECT 'memberships', * FROM (({live}) EXCEPT ALL ({kept})) a "
             f"UNION ALL SELECT 'kept', * FROM (({kept}) EXCEPT ALL ({live})) b ORDER BY 3, 2 LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(query, [limit])
        rows = cursor.fetchall()
    return [{"side": side, "unit_id": u, "volunteer_id": v, "sex": s, "birth_date": b, "since": f, "until": t}
            for side, u, v, s, b, f, t in rows]
