"""The SQL of the kept report figures (PostgreSQL, django-pgtrigger): the triggers that keep `UnitHoursMonth`
(hours per unit and month, countable hours included) and `UnitMember` (each unit's members as merged spans)
equal to what the ledger, the training dates, the record books, the memberships and the tree give. The report
figures read these small tables instead of the million rows behind them (README "Kept figures").

No model is imported here: the models whose tables carry the triggers import these builders.

Two advisory-lock namespaces serialise the writers of one person (keyed by the volunteer id modulo the number
of keys, taken in key order, like the count-from dates):
- COUNT_FROM_LOCK: the day a person's hours count from. The certificates' and the record books' triggers take it
  exclusively before they move hours between "counted" and "not counted"; a ledger write takes it shared, so a
  record is never decided on a count-from date that a concurrent transaction is changing.
- MEMBER_LOCK: a person's spans of membership, recomputed whole by the memberships' and the tree's triggers and
  relabelled by the volunteers' trigger.

A bulk writer (the load-data generator, the rebuilds) sets `operations.kept_bulk` to 'on' for its transaction:
the triggers then do nothing and the caller rebuilds the kept tables after (`services.kept`)."""
from __future__ import annotations

COUNT_FROM_LOCK = 16061  # the advisory-lock namespace of the count-from dates
COUNT_FROM_LOCK_KEYS = 512
MEMBER_LOCK = 16062  # …of the spans of membership
MEMBER_LOCK_KEYS = 512

BULK_SETTING = "operations.kept_bulk"
UNIT_HOURS = "operations_unithoursmonth"
UNIT_MEMBERS = "operations_unitmember"
LEDGER = "operations_servicerecord"
COUNT_FROM = "operations_trainingcountfrom"
RECORD_BOOKS = "operations_recordbook"

SKIP_IN_BULK = f"IF current_setting('{BULK_SETTING}', true) = 'on' THEN RETURN NULL; END IF;"


def book_sql(volunteer: str) -> str:
    """The record-book date of `volunteer` (an SQL expression): its book's issue date unless cancelled
    (`selectors.records.record_book_dates`, one book per person)."""
    return (f"(SELECT b.issued_on FROM {RECORD_BOOKS} b WHERE b.volunteer_id = {volunteer} "
            f"AND b.status <> 'cancelled')")


def count_from_expr(volunteer: str, category: str) -> str:
    """The day hours of `volunteer` in `category` count from (`selectors.hours`): the training date kept in
    `TrainingCountFrom`, else the record-book date; NULL when neither is on record."""
    return (f"COALESCE((SELECT k.counts_from FROM {COUNT_FROM} k WHERE k.volunteer_id = {volunteer} "
            f"AND k.category = {category}), {book_sql(volunteer)})")


def _ledger_side(row: str, sign: str) -> str:
    return f"""
        PERFORM pg_advisory_xact_lock_shared({COUNT_FROM_LOCK}, ({row}.volunteer_id % {COUNT_FROM_LOCK_KEYS})::integer);
        INSERT INTO {UNIT_HOURS} (unit_id, month, hours, records, people_served, counted_hours)
        VALUES ({row}.unit_id, date_trunc('month', {row}.date)::date, {sign}{row}.hours, {sign}1,
                {sign}{row}.people_served,
                CASE WHEN {row}.category <> '' AND {row}.date >= {count_from_expr(f'{row}.volunteer_id', f'{row}.category')}
                     THEN {sign}{row}.hours ELSE 0 END);"""


# A ledger write adds its change as a row of deltas (never an UPDATE of a shared row: writers of one unit never
# wait for each other, and no two transactions can deadlock on the kept table); `services.kept.unit_hours_compact`
# folds the deltas into one row per unit and month.
LEDGER_HOURS_SQL = f"""
    {SKIP_IN_BULK}
    IF TG_OP <> 'INSERT' AND OLD.misuse_at IS NULL THEN {_ledger_side('OLD', '-')}
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.misuse_at IS NULL THEN {_ledger_side('NEW', '')}
    END IF;
    RETURN NULL;
"""


def move_counted_sql(volunteer: str, category_test: str, before: str, after: str) -> str:
    """Move the records of `volunteer` whose category passes `category_test` (SQL over `r`) between counted and
    not counted when the day they count from changes from `before` to `after` (SQL expressions, NULL: never)."""
    delta = (f"SUM(CASE WHEN r.date >= {after} THEN r.hours ELSE 0 END) "
             f"- SUM(CASE WHEN r.date >= {before} THEN r.hours ELSE 0 END)")
    return f"""
        IF ({before}) IS DISTINCT FROM ({after}) THEN
            INSERT INTO {UNIT_HOURS} (unit_id, month, hours, records, people_served, counted_hours)
            SELECT r.unit_id, date_trunc('month', r.date)::date, 0, 0, 0, {delta}
              FROM {LEDGER} r
             WHERE r.volunteer_id = {volunteer} AND {category_test} AND r.misuse_at IS NULL AND r.category <> ''
               AND r.date >= LEAST({before}, {after})
             GROUP BY 1, 2 HAVING {delta} <> 0;
        END IF;"""


# A count-from row going moves its hours back to the record-book date; one coming moves them from it. (The
# certificates' trigger holds the person's COUNT_FROM_LOCK while it writes these rows.)
COUNT_FROM_HOURS_SQL = f"""
    {SKIP_IN_BULK}
    IF TG_OP <> 'INSERT' THEN
        {move_counted_sql('OLD.volunteer_id', 'r.category = OLD.category', 'OLD.counts_from', book_sql('OLD.volunteer_id'))}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {move_counted_sql('NEW.volunteer_id', 'r.category = NEW.category', book_sql('NEW.volunteer_id'), 'NEW.counts_from')}
    END IF;
    RETURN NULL;
"""


def _no_count_from(volunteer: str) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM {COUNT_FROM} k WHERE k.volunteer_id = {volunteer} "
            f"AND k.category = r.category)")


def _book_lock(row: str) -> str:
    return f"PERFORM pg_advisory_xact_lock({COUNT_FROM_LOCK}, ({row}.volunteer_id % {COUNT_FROM_LOCK_KEYS})::integer);"


# The record-book date counts for the categories without training dates: a book going (or cancelled) moves
# those hours from its date to never, one coming from never to its date.
RECORD_BOOK_HOURS_SQL = f"""
    {SKIP_IN_BULK}
    IF TG_OP <> 'INSERT' THEN
        {_book_lock('OLD')}
        {move_counted_sql('OLD.volunteer_id', _no_count_from('OLD.volunteer_id'),
                          "(CASE WHEN OLD.status <> 'cancelled' THEN OLD.issued_on END)", 'NULL::date')}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_book_lock('NEW')}
        {move_counted_sql('NEW.volunteer_id', _no_count_from('NEW.volunteer_id'),
                          'NULL::date', "(CASE WHEN NEW.status <> 'cancelled' THEN NEW.issued_on END)")}
    END IF;
    RETURN NULL;
"""


def member_spans_select(steplen: int, volunteers: str | None = None) -> str:
    """SELECT unit_id, volunteer_id, sex, birth_date, since, until: each person's memberships of a unit's teams
    and sub-teams merged into spans (overlapping or touching memberships make one; `until` is the first day
    not a member, NULL while current), so that on any day a person is in at most one current span per unit.
    `volunteers`: an SQL subquery of volunteer ids to narrow it (None: everyone)."""
    narrow = f"WHERE m.volunteer_id IN ({volunteers})" if volunteers else ""
    return f"""
        SELECT g.unit_id, g.volunteer_id, v.sex, v.birth_date, MIN(g.s), NULLIF(MAX(g.e), 'infinity'::date)
          FROM (SELECT i.*, SUM(i.brk) OVER (PARTITION BY i.unit_id, i.volunteer_id ORDER BY i.s, i.e) AS grp
                  FROM (SELECT j.*, CASE WHEN j.s <= MAX(j.e) OVER (
                                             PARTITION BY j.unit_id, j.volunteer_id ORDER BY j.s, j.e
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                                         THEN 0 ELSE 1 END AS brk
                          FROM (SELECT u.id AS unit_id, m.volunteer_id, m.joined_on AS s,
                                       COALESCE(m.left_on, 'infinity'::date) AS e
                                  FROM operations_membership m
                                  JOIN operations_orgnode t ON t.id = m.team_id AND t.kind IN ('team', 'subteam')
                                  JOIN operations_orgnode u
                                    ON u.path = left(t.path, length(t.path)
                                                     - CASE WHEN t.kind = 'team' THEN {steplen} ELSE {2 * steplen} END)
                                   AND u.kind = 'unit'
                                 {narrow}) j) i) g
          JOIN operations_volunteer v ON v.id = g.volunteer_id
         GROUP BY g.unit_id, g.volunteer_id, v.sex, v.birth_date, g.grp"""


def member_spans_sql(changed: str, steplen: int) -> str:
    """The body of a statement trigger: the spans of the people in `changed` (SQL: SELECT volunteer_id …)
    recomputed whole, under their MEMBER_LOCK keys."""
    return f"""
    {SKIP_IN_BULK}
    PERFORM pg_advisory_xact_lock({MEMBER_LOCK}, x.k)
       FROM (SELECT DISTINCT (c.volunteer_id % {MEMBER_LOCK_KEYS})::integer AS k FROM ({changed}) c ORDER BY 1) x;
    DELETE FROM {UNIT_MEMBERS} WHERE volunteer_id IN (SELECT c.volunteer_id FROM ({changed}) c);
    INSERT INTO {UNIT_MEMBERS} (unit_id, volunteer_id, sex, birth_date, since, until)
    {member_spans_select(steplen, f"SELECT c.volunteer_id FROM ({changed}) c")};
    RETURN NULL;
"""


VOLUNTEER_MEMBERS_SQL = f"""
    {SKIP_IN_BULK}
    PERFORM pg_advisory_xact_lock({MEMBER_LOCK}, (NEW.id % {MEMBER_LOCK_KEYS})::integer);
    UPDATE {UNIT_MEMBERS} SET sex = NEW.sex, birth_date = NEW.birth_date WHERE volunteer_id = NEW.id;
    RETURN NULL;
"""

# the people whose teams moved in the tree or changed kind (a statement trigger on the tree)
TREE_CHANGED = ("SELECT m.volunteer_id FROM operations_membership m JOIN new_rows n ON n.id = m.team_id "
                "JOIN old_rows o ON o.id = n.id WHERE o.path IS DISTINCT FROM n.path OR o.kind IS DISTINCT FROM n.kind")


def unit_hours_select() -> str:
    """SELECT unit_id, month, hours, records, people_served, counted_hours from the ledger (one row per unit and
    month): what the sum of `UnitHoursMonth`'s rows must be."""
    return f"""
        SELECT r.unit_id, date_trunc('month', r.date)::date, SUM(r.hours), COUNT(*), SUM(r.people_served),
               SUM(CASE WHEN r.category <> '' AND r.date >= COALESCE(k.counts_from, b.issued_on)
                        THEN r.hours ELSE 0 END)
          FROM {LEDGER} r
          LEFT JOIN {COUNT_FROM} k ON k.volunteer_id = r.volunteer_id AND k.category = r.category
          LEFT JOIN {RECORD_BOOKS} b ON b.volunteer_id = r.volunteer_id AND b.status <> 'cancelled'
         WHERE r.misuse_at IS NULL
         GROUP BY 1, 2"""


def rebuild_statements(steplen: int) -> list[tuple[str, str]]:
    """Both kept tables emptied and written again from the rows (the caller locks the rows' tables): (what the
    statement writes, "hours" or "members", or "" when its row count says nothing; the statement)."""
    return [
        ("", f"SELECT set_config('{BULK_SETTING}', 'on', true)"),
        ("", f"DELETE FROM {UNIT_HOURS}"),
        ("hours", f"INSERT INTO {UNIT_HOURS} (unit_id, month, hours, records, people_served, counted_hours) "
                  f"{unit_hours_select()}"),
        ("", f"DELETE FROM {UNIT_MEMBERS}"),
        ("members", f"INSERT INTO {UNIT_MEMBERS} (unit_id, volunteer_id, sex, birth_date, since, until) "
                    f"{member_spans_select(steplen)}"),
    ]
