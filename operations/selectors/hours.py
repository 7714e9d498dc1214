"""Countable hours (可採計時數): the one definition of the service hours that count, used by "my hours", the
back-office hour screens, the award eligible lists, the WMG recognitions and (through `countable_totals`)
every other rule that needs hours (performance certificate, honor card, reports).

The ledger is `ServiceRecord`: shift attendance, staff entry and hour-slip imports all write there, so
there is one table to read. A record counts when all of these hold (DOMAIN.md §1.5, §1.6):

1. it is not annotated as misuse (志願服務證及服務紀錄冊管理辦法 Art.6: the unit corrects and annotates, and
   the record is not counted);
2. it has a service category (the unit's category when recorded);
3. the volunteer is trained for that category and the record's date is on or after the day hours in the
   category start counting: the later of the first basic and the first special-training-of-C completion
   dates; when those dates are unknown, the record-book date (MOHW 103.1.13 衛部救字第1030128451號; the
   Yunlin page quoted in DOMAIN §1.6). The record-book date comes from the record-book module through
   `register_record_book_dates`; without it only training dates are used.

Callers may narrow the period (`start`, `end`, both inclusive) and the categories (an award scheme's unit
categories). Everything is one SQL statement over the ledger, joined to the first completion dates per
volunteer (and per category); `explain` runs the same statement without the aggregate and says, record by
record, whether it counted and why not."""
from __future__ import annotations

import datetime
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ..localised import localised
from ..models import (
    CourseKind,
    HourImport,
    OrgNode,
    ServiceHoursMonth,
    ServiceRecord,
    TrainingCertificate,
    TrainingCountFrom,
    Volunteer,
)
from .codes import service_category_label

COUNTED = "counted"
MISUSE = "misuse"
NO_CATEGORY = "no_category"
NOT_TRAINED = "not_trained"
BEFORE_TRAINING = "before_training"
OTHER_CATEGORY = "other_category"

STATUS_LABELS = {
    COUNTED: _("Counted"),
    MISUSE: _("Not counted: annotated as misuse"),
    NO_CATEGORY: _("Not counted: the record has no service category"),
    NOT_TRAINED: _("Not counted: basic or special training for this category not on record"),
    BEFORE_TRAINING: _("Not counted: before the training for this category was completed"),
    OTHER_CATEGORY: _("Not counted here: a category this award does not count"),
}

# --- The record-book date (from the record-book module) ------------------------------------------------

_record_book_dates: Callable[[], QuerySet] | None = None


def register_record_book_dates(factory: Callable[[], QuerySet] | None) -> None:
    """Let the record-book module give the record-book date of each volunteer: `factory()` returns a
    queryset of rows with `volunteer_id` and `d` (one row per volunteer, e.g.
    `RecordBook.objects.filter(...).values("volunteer_id").annotate(d=Min("issued_on"))`). Call it from
    `AppConfig.ready`; None removes it (tests)."""
    global _record_book_dates
    _record_book_dates = factory


# --- SQL -----------------------------------------------------------------------------------------------

def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _volunteer_clause(column: str, volunteers) -> tuple[str, list]:
    """`column` restricted to `volunteers`: None (everyone), one id, ids, or a Volunteer queryset."""
    if volunteers is None:
        return "", []
    if isinstance(volunteers, int):
        return f"{column} = %s", [volunteers]
    if isinstance(volunteers, Volunteer):
        return f"{column} = %s", [volunteers.pk]
    if isinstance(volunteers, QuerySet):
        sql, params = volunteers.order_by().values("pk").query.sql_with_params()
        return f"{column} IN ({sql})", list(params)
    ids = sorted({int(v) for v in volunteers})
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def _and(*parts: str) -> str:
    kept = [p for p in parts if p]
    return " AND ".join(kept) if kept else "1 = 1"


def _ledger(*, volunteers=None, start=None, end=None, unit: OrgNode | None = None,
            categories: Iterable[str] | None = None, categories_in_where: bool = True,
            with_unit_name: bool = False, maintained: bool = False) -> tuple[str, list, str, tuple[str, list]]:
    """FROM/JOIN/WHERE of the ledger joined to the dates hours count from, and the SQL expressions of the
    day hours count from (`count_from`) and of the record's status. Returns (sql, params, count_from,
    status). With `maintained` (PostgreSQL), the training dates are read from `TrainingCountFrom` (one row per
    volunteer and category, kept by the certificates' triggers) instead of grouping the certificates: the same
    dates, without two aggregates over every certificate (repeated in each parallel worker) per statement."""
    certs = _table(TrainingCertificate)
    records = _table(ServiceRecord)
    cert_filter, cert_params = _volunteer_clause("volunteer_id", volunteers)
    rec_filter, rec_params = _volunteer_clause("r.volunteer_id", volunteers)
    params: list = []
    maintained = maintained and connection.vendor == "postgresql"
    if maintained:
        joins = [f"LEFT JOIN {_table(TrainingCountFrom)} cf ON cf.volunteer_id = r.volunteer_id "
                 f"AND cf.category = r.category"]
    else:
        joins = [
            f"LEFT JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM {certs} "
            f"WHERE {_and('kind = %s', cert_filter)} GROUP BY volunteer_id) b ON b.volunteer_id = r.volunteer_id",
            f"LEFT JOIN (SELECT volunteer_id, category, MIN(completed_on) AS d FROM {certs} "
            f"WHERE {_and('kind = %s', cert_filter)} GROUP BY volunteer_id, category) s "
            f"ON s.volunteer_id = r.volunteer_id AND s.category = r.category",
        ]
        params += [CourseKind.BASIC.value, *cert_params, CourseKind.SPECIAL.value, *cert_params]
    book = "NULL"
    if _record_book_dates is not None and not (isinstance(volunteers, list | tuple | set) and not volunteers):
        book_qs = _record_book_dates()
        if volunteers is not None:
            book_qs = book_qs.filter(volunteer_id__in=_ids_or_qs(volunteers))
        try:
            book_sql, book_params = book_qs.order_by().values("volunteer_id", "d").query.sql_with_params()
        except EmptyResultSet:  # nobody to look at (an empty scope): no record-book dates to join
            book_sql = ""
        if book_sql:
            # one row per volunteer whatever the factory gives (the earliest date), so no record is counted twice
            joins.append(f"LEFT JOIN (SELECT b0.volunteer_id, MIN(b0.d) AS d FROM ({book_sql}) b0 "
                         f"GROUP BY b0.volunteer_id) rb ON rb.volunteer_id = r.volunteer_id")
            params += list(book_params)
            book = "rb.d"
    if with_unit_name:
        joins.append(f"JOIN {_table(OrgNode)} n ON n.id = r.unit_id")
    if maintained:  # a row exactly when both training dates are on record, holding the later one
        count_from = f"COALESCE(cf.counts_from, {book})"
    else:
        count_from = (f"(CASE WHEN b.d IS NOT NULL AND s.d IS NOT NULL THEN (CASE WHEN b.d > s.d THEN b.d ELSE s.d END) "
                      f"ELSE {book} END)")
    where = [rec_filter]
    params += rec_params
    if start is not None:
        where.append("r.date >= %s")
        params.append(start)
    if end is not None:
        where.append("r.date <= %s")
        params.append(end)
    if unit is not None:
        nodes = _table(OrgNode)
        where.append(f"r.unit_id IN (SELECT id FROM {nodes} WHERE path LIKE %s)")
        params.append(unit.path + "%")
    category_test = ""
    if categories is not None:
        cats = sorted(set(categories))
        category_test = f"r.category IN ({', '.join(['%s'] * len(cats))})" if cats else "1 = 0"
        if categories_in_where:
            where.append(category_test)
            params += cats
    status = (f"(CASE WHEN r.misuse_at IS NOT NULL THEN '{MISUSE}' "
              f"WHEN r.category = '' THEN '{NO_CATEGORY}' ")
    status_params: list = []
    if categories is not None and not categories_in_where:
        status += f"WHEN NOT ({category_test}) THEN '{OTHER_CATEGORY}' "
        status_params = sorted(set(categories))
    status += (f"WHEN {count_from} IS NULL THEN '{NOT_TRAINED}' "
               f"WHEN r.date < {count_from} THEN '{BEFORE_TRAINING}' ELSE '{COUNTED}' END)")
    sql = f"FROM {records} r {' '.join(joins)} WHERE {_and(*where)}"
    return sql, params, count_from, (status, status_params)


def _ids_or_qs(volunteers):
    if isinstance(volunteers, Volunteer):
        return [volunteers.pk]
    if isinstance(volunteers, int):
        return [volunteers]
    if isinstance(volunteers, QuerySet):
        return volunteers.order_by().values("pk")
    return list(volunteers)


def _decimal(value) -> Decimal:
    if value is None:
        return Decimal("0")
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.1"))
    return Decimal(str(round(float(value), 1)))


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


# --- Totals (many volunteers at once) -------------------------------------------------------------------

#: a scope of at most this many volunteers is read once and passed as ids (the statement then reads the
#: ledger through the (volunteer, category, date) index); a larger one stays a subquery
IDS_INLINE = 5000
#: at most this many candidates are passed on as ids (each id is a parameter, three times)
MAX_CANDIDATES = 15000


def _materialise(volunteers):
    if not isinstance(volunteers, QuerySet):
        return volunteers
    ids = list(volunteers.order_by().values_list("pk", flat=True)[:IDS_INLINE + 1])
    return ids if len(ids) <= IDS_INLINE else volunteers


def countable_totals(*, volunteers=None, start: datetime.date | None = None, end: datetime.date | None = None,
                     categories: Iterable[str] | None = None, unit: OrgNode | None = None,
                     min_hours: Decimal | None = None, by_category: bool = False) -> dict:
    """Countable hours per volunteer (or per (volunteer, category) with `by_category`) of the records
    dated `start`…`end`, in `categories` (None: all), at units under `unit` (None: anywhere), for
    `volunteers` (None: everyone; an id, ids or a Volunteer queryset — pass the caller's scope).
    With `min_hours`, only those reaching it. One query (two for a scope given as a queryset).

    With `min_hours` over a large scope (everyone, or more than IDS_INLINE people), the candidates are found
    first: those whose recorded hours (misuse excluded) in the period and categories reach `min_hours` — the
    countable hours never exceed them — in one pass over the covering index, then the exact statement runs
    for the candidates in the scope. The answer is the same; the join with the training dates is made for
    hundreds of people instead of everyone."""
    volunteers = _materialise(volunteers)
    if min_hours is not None and not by_category and (volunteers is None or isinstance(volunteers, QuerySet)):
        candidates = _candidates(start=start, end=end, categories=categories, unit=unit, min_hours=min_hours)
        if len(candidates) > MAX_CANDIDATES:  # a threshold most people reach: the plain statement is as good
            pass
        elif isinstance(volunteers, QuerySet):
            inside: list[int] = []
            for first in range(0, len(candidates), IDS_INLINE):
                inside += volunteers.filter(pk__in=candidates[first:first + IDS_INLINE]).order_by().values_list(
                    "pk", flat=True)
            volunteers = inside
        else:
            volunteers = candidates
    if isinstance(volunteers, list | tuple | set) and not volunteers:
        return {}
    sql, params, count_from, _status = _ledger(volunteers=volunteers, start=start, end=end, unit=unit,
                                               categories=categories, maintained=True)
    keys = "r.volunteer_id, r.category" if by_category else "r.volunteer_id"
    counted = f"r.misuse_at IS NULL AND r.category <> '' AND r.date >= {count_from}"
    query = f"SELECT {keys}, SUM(r.hours) {sql} AND {counted} GROUP BY {keys}"
    if min_hours is not None:
        query += " HAVING SUM(r.hours) >= CAST(%s AS NUMERIC)"  # SQLite would compare a text parameter
        params = [*params, Decimal(min_hours)]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    if by_category:
        return {(vid, cat): _decimal(total) for vid, cat, total in rows}
    return {vid: _decimal(total) for vid, total in rows}


def _candidates(*, start, end, categories, unit, min_hours) -> list[int]:
    """Volunteers whose recorded hours (not misuse, with a category) reach `min_hours`: a superset of those
    whose countable hours do. Read from the monthly roll-up: the months that meet `start`…`end` are taken
    whole (hours are never negative, so a month cut by the period only adds to the sum: still a superset);
    ~1 row per volunteer, unit, category and month instead of every record."""
    rollup = _table(ServiceHoursMonth)
    where, params = ["m.category <> ''"], []
    if start is not None:
        where.append("m.month >= %s")
        params.append(start.replace(day=1))
    if end is not None:
        where.append("m.month <= %s")
        params.append(end.replace(day=1))
    if categories is not None:
        cats = sorted(set(categories))
        where.append(f"m.category IN ({', '.join(['%s'] * len(cats))})" if cats else "1 = 0")
        params += cats
    if unit is not None:
        where.append(f"m.unit_id IN (SELECT id FROM {_table(OrgNode)} WHERE path LIKE %s)")
        params.append(unit.path + "%")
    query = (f"SELECT m.volunteer_id FROM {rollup} m WHERE {' AND '.join(where)} GROUP BY m.volunteer_id "
             f"HAVING SUM(m.hours) >= CAST(%s AS NUMERIC)")
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, Decimal(min_hours)])
        return [row[0] for row in cursor.fetchall()]


# --- The monthly roll-up (ServiceHoursMonth) ----------------------------------------------------------------

def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class PeriodSplit:
    """A period `start`…`end` cut in three: the days of a month the period cuts at its start (`head`, a
    (first, last) pair or None), the whole months (`months`: first days of the first and last whole month, or
    None) and the days of a month cut at its end (`tail`). Whole months are read from the roll-up, the
    cut days from the ledger, so the sum is exact."""

    head: tuple[datetime.date, datetime.date] | None
    months: tuple[datetime.date, datetime.date] | None
    tail: tuple[datetime.date, datetime.date] | None

    @property
    def ledger_ranges(self) -> list[tuple[datetime.date, datetime.date]]:
        return [r for r in (self.head, self.tail) if r is not None]


def split_period(start: datetime.date, end: datetime.date) -> PeriodSplit:
    """Whole months and cut days of `start`…`end` (both inclusive; start ≤ end)."""
    first_whole = start if start.day == 1 else next_month(start)
    after_last_whole = next_month(end) if next_month(end) - datetime.timedelta(days=1) == end else first_of_month(end)
    if first_whole >= after_last_whole:  # no whole month: the period is read from the ledger
        return PeriodSplit((start, end), None, None)
    head = (start, first_whole - datetime.timedelta(days=1)) if first_whole != start else None
    tail = (after_last_whole, end) if after_last_whole <= end else None
    last_whole = first_of_month(after_last_whole - datetime.timedelta(days=1))
    return PeriodSplit(head, (first_whole, last_whole), tail)


def monthly_hours(*, volunteers=None, start: datetime.date | None = None, end: datetime.date | None = None,
                  categories: Iterable[str] | None = None, unit: OrgNode | None = None) -> QuerySet:
    """The monthly roll-up of the ledger (`ServiceHoursMonth`: per volunteer, unit, category and month, the
    hours, records and people served of the records not annotated as misuse), as a queryset to aggregate.
    `start`/`end` keep the months that meet the period, *whole*: for exact sums over a period that cuts a
    month, read the whole months here and the cut days from the ledger (`split_period`), or use the roll-up
    only as a superset filter. `volunteers` as in `countable_totals` (None, an id, ids or a queryset), `unit`
    keeps the units under it; scope it with `.visible_to(user)` (it hangs from the unit, like the ledger).
    Recorded hours: the training gate of `countable_totals` is not applied."""
    rows = ServiceHoursMonth.objects.all()
    if volunteers is not None:
        rows = rows.filter(volunteer_id__in=_ids_or_qs(volunteers))
    if start is not None:
        rows = rows.filter(month__gte=first_of_month(start))
    if end is not None:
        rows = rows.filter(month__lte=first_of_month(end))
    if categories is not None:
        rows = rows.filter(category__in=sorted(set(categories)))
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    return rows


def rollup_differences(*, volunteers=None, limit: int = 100) -> list[dict]:
    """Rows where the roll-up and a GROUP BY over the ledger disagree (the roll-up must always equal it):
    each a dict with the key and both sides' (hours, records, people served), None where a side has no row.
    Empty when they agree. One statement (a full join of the two); `volunteers` narrows the check (None, an id,
    ids or a queryset)."""
    postgres = connection.vendor == "postgresql"
    month = "date_trunc('month', r.date)::date" if postgres else "date(r.date, 'start of month')"
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    rec_filter, rec_params = _volunteer_clause("r.volunteer_id", volunteers)
    roll_filter, roll_params = _volunteer_clause("m.volunteer_id", volunteers)
    query = (
        f"SELECT COALESCE(l.volunteer_id, k.volunteer_id), COALESCE(l.unit_id, k.unit_id), "
        f"COALESCE(l.category, k.category), COALESCE(l.month, k.month), l.h, l.n, l.p, k.hours, k.records, "
        f"k.people_served "
        f"FROM (SELECT r.volunteer_id, r.unit_id, r.category, {month} AS month, SUM(r.hours) AS h, COUNT(*) AS n, "
        f"SUM(r.people_served) AS p FROM {_table(ServiceRecord)} r WHERE {_and('r.misuse_at IS NULL', rec_filter)} "
        f"GROUP BY r.volunteer_id, r.unit_id, r.category, {month}) l "
        f"FULL OUTER JOIN (SELECT m.* FROM {_table(ServiceHoursMonth)} m WHERE {_and(roll_filter)}) k "
        f"ON k.volunteer_id = l.volunteer_id AND k.unit_id = l.unit_id AND k.category = l.category "
        f"AND k.month = l.month "
        f"WHERE l.h {differs} k.hours OR l.n {differs} k.records OR l.p {differs} k.people_served "
        f"ORDER BY 1, 2, 3, 4 LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(query, [*rec_params, *roll_params, limit])
        rows = cursor.fetchall()

    def side(h, n, p):
        return None if n is None else (_decimal(h), int(n), int(p))

    return [{"volunteer_id": vid, "unit_id": uid, "category": cat, "month": _date(m),
             "ledger": side(lh, ln, lp), "rollup": side(kh, kn, kp)}
            for vid, uid, cat, m, lh, ln, lp, kh, kn, kp in rows]


def _count_from_live(volunteers=None) -> tuple[str, list]:
    """SELECT volunteer_id, category, d: the count-from dates as the certificates give them (what
    `TrainingCountFrom` must hold)."""
    cert_filter, cert_params = _volunteer_clause("volunteer_id", volunteers)
    certs = _table(TrainingCertificate)
    sql = (f"SELECT s.volunteer_id, s.category, CASE WHEN b.d > s.d THEN b.d ELSE s.d END AS d "
           f"FROM (SELECT volunteer_id, category, MIN(completed_on) AS d FROM {certs} "
           f"WHERE {_and('kind = %s', cert_filter)} GROUP BY volunteer_id, category) s "
           f"JOIN (SELECT volunteer_id, MIN(completed_on) AS d FROM {certs} "
           f"WHERE {_and('kind = %s', cert_filter)} GROUP BY volunteer_id) b ON b.volunteer_id = s.volunteer_id")
    return sql, [CourseKind.SPECIAL.value, *cert_params, CourseKind.BASIC.value, *cert_params]


def count_from_differences(*, volunteers=None, limit: int = 100) -> list[dict]:
    """Rows where `TrainingCountFrom` and the certificates disagree (the table must always equal them): each a
    dict with the volunteer, the category and both sides' dates (None where a side has no row). Empty when they
    agree, and on SQLite (the table is not kept there). One statement; `volunteers` narrows the check."""
    if connection.vendor != "postgresql":
        return []
    live_sql, live_params = _count_from_live(volunteers)
    kept_filter, kept_params = _volunteer_clause("k.volunteer_id", volunteers)
    query = (f"SELECT COALESCE(l.volunteer_id, k.volunteer_id), COALESCE(l.category, k.category), l.d, "
             f"k.counts_from FROM ({live_sql}) l "
             f"FULL OUTER JOIN (SELECT k.* FROM {_table(TrainingCountFrom)} k WHERE {_and(kept_filter)}) k "
             f"ON k.volunteer_id = l.volunteer_id AND k.category = l.category "
             f"WHERE l.d IS DISTINCT FROM k.counts_from ORDER BY 1, 2 LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(query, [*live_params, *kept_params, limit])
        rows = cursor.fetchall()
    return [{"volunteer_id": vid, "category": cat, "certificates": _date(live), "kept": _date(kept)}
            for vid, cat, live, kept in rows]


def countable_hours(volunteer: Volunteer | int, *, start=None, end=None, categories=None,
                    unit: OrgNode | None = None) -> Decimal:
    """One volunteer's countable hours."""
    pk = volunteer.pk if isinstance(volunteer, Volunteer) else int(volunteer)
    return countable_totals(volunteers=pk, start=start, end=end, categories=categories, unit=unit).get(
        pk, Decimal("0"))


#: at most this many units: `countable_by_unit` narrows the training dates to the units' volunteers first
UNITS_INLINE = 20


def countable_by_unit(*, start: datetime.date, end: datetime.date, units: Iterable[int] | None = None) -> dict:
    """Countable hours per unit (the record's unit) of the records dated `start`…`end`, for `units` (ids; None:
    every unit): the same statement as `countable_totals`, grouped by unit instead of volunteer (the half-year
    and annual reports and their roll-ups). One query."""
    ids = None if units is None else sorted({int(u) for u in units})
    if ids is not None and not ids:
        return {}
    volunteers = None
    if ids is not None and len(ids) <= UNITS_INLINE:
        # a few units: the training dates are read for their volunteers only (through the ledger's index)
        volunteers = _materialise(Volunteer.objects.filter(pk__in=ServiceRecord.objects.filter(
            unit_id__in=ids, date__gte=start, date__lte=end).values("volunteer_id")))
        if isinstance(volunteers, list) and not volunteers:
            return {}
    sql, params, count_from, _status = _ledger(volunteers=volunteers, start=start, end=end, maintained=True)
    query = f"SELECT r.unit_id, SUM(r.hours) {sql} AND r.misuse_at IS NULL AND r.category <> '' AND r.date >= {count_from}"
    if ids is not None:
        query += f" AND r.unit_id IN ({', '.join(['%s'] * len(ids))})"
        params = [*params, *ids]
    with connection.cursor() as cursor:
        cursor.execute(query + " GROUP BY r.unit_id", params)
        return {unit_id: _decimal(total) for unit_id, total in cursor.fetchall()}


# --- The working (one volunteer) ------------------------------------------------------------------------

@dataclass
class RecordLine:
    pk: int
    date: datetime.date
    unit_id: int
    unit_name: str
    category: str
    content: str
    hours: Decimal
    people_served: int
    source: str
    misuse_note: str
    count_from: datetime.date | None
    status: str

    @property
    def counted(self) -> bool:
        return self.status == COUNTED

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def category_label(self) -> str:
        return service_category_label(self.category)


@dataclass
class CategoryDates:
    category: str
    label: str
    basic_on: datetime.date | None
    special_on: datetime.date | None
    record_book_on: datetime.date | None
    count_from: datetime.date | None
    counted: Decimal = Decimal("0")
    excluded: Decimal = Decimal("0")


@dataclass
class Working:
    """Which records counted, which did not and why, and the dates used."""

    volunteer_id: int
    start: datetime.date | None
    end: datetime.date | None
    categories: tuple[str, ...] | None
    lines: list[RecordLine] = field(default_factory=list)
    dates: list[CategoryDates] = field(default_factory=list)

    @property
    def counted(self) -> Decimal:
        return sum((line.hours for line in self.lines if line.counted), Decimal("0"))

    @property
    def recorded(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def excluded(self) -> Decimal:
        return self.recorded - self.counted

    def excluded_by_reason(self) -> list[tuple[str, Decimal, int]]:
        found: dict[str, list] = OrderedDict()
        for line in self.lines:
            if not line.counted:
                entry = found.setdefault(line.status, [Decimal("0"), 0])
                entry[0] += line.hours
                entry[1] += 1
        return [(str(STATUS_LABELS[s]), h, n) for s, (h, n) in found.items()]

    def _group(self, key) -> list[dict]:
        groups: dict = OrderedDict()
        for line in self.lines:
            k = key(line)
            g = groups.setdefault(k, {"key": k, "counted": Decimal("0"), "recorded": Decimal("0"), "records": 0})
            g["recorded"] += line.hours
            g["records"] += 1
            if line.counted:
                g["counted"] += line.hours
        return list(groups.values())

    def by_year(self) -> list[dict]:
        return sorted(self._group(lambda line: line.date.year), key=lambda g: g["key"], reverse=True)

    def by_unit(self) -> list[dict]:
        rows = self._group(lambda line: line.unit_name)
        return sorted(rows, key=lambda g: (-g["counted"], g["key"]))

    def by_category(self) -> list[dict]:
        rows = self._group(lambda line: line.category_label or str(_("No category")))
        return sorted(rows, key=lambda g: (-g["counted"], g["key"]))


def explain(volunteer: Volunteer | int, *, start=None, end=None, categories=None,
            unit: OrgNode | None = None) -> Working:
    """The working of `countable_hours` for one volunteer: every record of the period with its status,
    and per category the dates used. Two queries."""
    pk = volunteer.pk if isinstance(volunteer, Volunteer) else int(volunteer)
    cats = tuple(sorted(set(categories))) if categories is not None else None
    sql, params, count_from, (status, status_params) = _ledger(
        volunteers=pk, start=start, end=end, unit=unit, categories=cats, categories_in_where=False,
        with_unit_name=True)
    # status appears after count_from in the select list; its params come in the same order
    query = (f"SELECT r.id, r.date, r.unit_id, n.name, n.name_en, r.category, r.content, r.hours, r.people_served, r.source, "
             f"r.misuse_note, {count_from}, {status}, b.d, s.d "
             f"{sql} "
             f"ORDER BY r.date DESC, r.id DESC")
    # the FROM's params come after the select list's (status_params)
    with connection.cursor() as cursor:
        cursor.execute(query, [*status_params, *params])
        rows = cursor.fetchall()
    working = Working(pk, start, end, cats)
    per_category: dict[str, CategoryDates] = {}
    book_on = record_book_date(pk)
    for (rid, day, unit_id, unit_name, unit_name_en, category, content, hours, served, source, note, cf, state,
         basic, special) in rows:
        line = RecordLine(rid, _date(day), unit_id, localised(unit_name, unit_name_en), category, content, _decimal(hours), served, source,
                          note, _date(cf), state)
        working.lines.append(line)
        if category and category not in per_category:
            per_category[category] = CategoryDates(
                category, line.category_label, _date(basic), _date(special), book_on, _date(cf))
        if category:
            entry = per_category[category]
            if line.counted:
                entry.counted += line.hours
            else:
                entry.excluded += line.hours
    working.dates = sorted(per_category.values(), key=lambda d: d.label)
    return working


def record_book_date(volunteer_id: int) -> datetime.date | None:
    if _record_book_dates is None:
        return None
    row = next(iter(_record_book_dates().filter(volunteer_id=volunteer_id).values_list("d", flat=True)), None)
    return _date(row)


# --- Back-office reads (through the scope) ---------------------------------------------------------------

def record_list(user) -> QuerySet:
    """Service records at the units in the user's part of the tree."""
    return ServiceRecord.objects.visible_to(user).select_related("volunteer", "unit")


def record_detail(user, pk) -> ServiceRecord:
    return record_list(user).select_related("recorded_by", "misuse_by", "hour_import").get(pk=pk)


def record_changes(record: ServiceRecord) -> list:
    return list(record.changes.select_related("changed_by").order_by("changed_at", "id"))


def entry_units(user) -> QuerySet:
    """Units the user may record hours for."""
    from ..models import OrgKind
    from ..roles import UNIT_MANAGERS

    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(kind=OrgKind.UNIT).order_by("path")


def volunteer_by_document(user, id_number: str, name: str) -> Volunteer | None:
    """The volunteer in the user's scope with this document number and name (None when not found)."""
    return Volunteer.objects.visible_to(user).filter(id_number=id_number, name=name).first()


def hour_imports(user, *, limit: int = 10) -> QuerySet:
    """The user's own recent hour-slip imports (see `hour_import_detail`)."""
    return HourImport.objects.filter(created_by=user).order_by("-created_at", "-id")[:limit]


def hour_import_detail(user, pk: int) -> HourImport:
    """One of the user's own hour-slip imports (DoesNotExist for anybody else's, as for one that does not
    exist): an upload lists personal data and each row's problems, so it is its uploader's to see, as with
    roster imports; supervisors read what was imported in the ledger and the audit log."""
    return HourImport.objects.filter(created_by=user).get(pk=pk)
