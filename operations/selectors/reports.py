"""Half-year and annual reports (半年報 / 年度成果報, back-office module 9): the figures of a unit's period,
computed in the database as of the period's end, the reports of the user's scope, the authority dashboard
and the roll-ups per purpose authority and for the city.

Definitions (README "Half-year and annual reports"), for a unit U and a period start…end:
- volunteers = distinct volunteers with a membership of a team or sub-team of U current on `end` (joined on or
  before, not left by then), by sex × the ministry's age bands (age on `end`, `statistics.age_band_q`);
- joined / left = distinct volunteers with a membership of U's teams starting / ending in the period (someone
  who left and re-joined counts in both; a move between two teams of U too);
- teams / sub-teams = U's teams and sub-teams not closed by `end`;
- hours recorded = service records of U dated in the period, misuse left out (`statistics.service_records`);
  countable hours = `selectors.hours` (training gate and misuse rule), FTE = countable hours ÷ 2,080;
  people served = the records' people served (misuse left out); service records = their number;
- training = sessions held by U or its teams in the period by course kind, and their attendees (enrolments
  ticked present);
- insured = volunteers counted above insured on `end` (`statistics.insured_on`);
- by service category = the volunteers counted above under U's service category.

Every figure is a grouped aggregate over all the units asked for at once (a roll-up of the city costs the
same few queries as one unit), so a roll-up is the sum of the units' figures by construction. On PostgreSQL the
volunteers and the hours are read from the kept figures (models/kept.py: each person's spans of membership per
unit, the hours per unit and month), which the database keeps equal to the rows; SQLite computes them from the
rows (`kept()`)."""
from __future__ import annotations

import datetime
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    CourseKind,
    Enrolment,
    Membership,
    OrgKind,
    OrgNode,
    PeriodKind,
    PeriodReport,
    ReportStatus,
    ServicePlan,
    Sex,
    TrainingSession,
    UnitHoursMonth,
    UnitMember,
    period_bounds,
)
from ..models.recruitment import _add_months
from ..models.reports import SUBMITTED
from .codes import service_category_label
from .hours import countable_by_unit, monthly_hours, split_period
from .insurance import insured_ids_q, insured_spans_q
from .statistics import AGE_BANDS, FTE_HOURS, Figure, StatsScope, age_band_q, service_records


class _Everyone:
    """The scope a report's figures are computed in: the whole tree (the figures of a unit do not depend on
    who presses "recompute"); the unit is chosen by the caller."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True


EVERYONE = _Everyone()

#: the choices' values, read once (an enum's `.values` builds its list on every call: 1,500 units a roll-up)
SEXES = tuple(Sex.values)
COURSE_KINDS = tuple(CourseKind.values)

INT_KEYS = ("volunteers", "joined", "left", "teams", "subteams", "people_served", "service_records", "insured")
DECIMAL_KEYS = ("hours_recorded", "hours_countable")


class UnitKey(NamedTuple):
    """What the figures need of a unit (`unit_figures` takes these or OrgNode rows)."""

    pk: int
    path: str
    category: str


# --- Computing the figures -----------------------------------------------------------------------------

def _by_depth(units) -> dict[int, dict[str, int]]:
    """Path length → {unit path: unit id}."""
    groups: dict[int, dict[str, int]] = defaultdict(dict)
    for unit in units:
        groups[len(unit.path)][unit.path] = unit.pk
    return groups


#: at most this many units are also filtered by their paths (a prefix the path index answers); more are read
#: in one pass over the table
PATHS_INLINE = 20


def _under(path_field: str, paths) -> Q:
    q = Q()
    if len(paths) <= PATHS_INLINE:
        for path in paths:
            q |= Q(**{f"{path_field}__startswith": path})
    return q


def _only_paths(queryset: QuerySet, path_field: str, paths: dict[str, int], length: int) -> QuerySet:
    """`queryset` grouped by its `path_field`'s first `length` characters (`unit_path`), narrowed to `paths` in
    the database when they are few (a prefix the path index answers); many are picked by the caller from the
    groups (a list of a thousand paths costs more to send than the groups of the other units)."""
    queryset = queryset.order_by().annotate(unit_path=Substr(path_field, 1, length))
    if len(paths) <= PATHS_INLINE:
        queryset = queryset.filter(_under(path_field, paths)).filter(unit_path__in=list(paths))
    return queryset


def _grouped(queryset: QuerySet, path_field: str, units, aggregates: dict) -> dict[int, dict]:
    """`aggregates` over `queryset` grouped by the unit (of `units`) its `path_field` lies under."""
    found: dict[int, dict] = {}
    for length, paths in _by_depth(units).items():
        for row in _only_paths(queryset, path_field, paths, length).values("unit_path").annotate(**aggregates):
            unit_id = paths.get(row.pop("unit_path"))
            if unit_id is not None:
                found[unit_id] = row
    return found


def _empty(start: datetime.date, end: datetime.date, category: str) -> dict:
    return {
        "start": start.isoformat(), "end": end.isoformat(), "volunteers": 0,
        "sex_age": {sex: [0] * len(AGE_BANDS) for sex in SEXES},
        "joined": 0, "left": 0, "teams": 0, "subteams": 0,
        "hours_recorded": "0.0", "hours_countable": "0.0", "fte": "0.00", "people_served": 0, "service_records": 0,
        "training": {kind: {"sessions": 0, "attendees": 0} for kind in COURSE_KINDS},
        "insured": 0, "by_category": {category: 0} if category else {},
    }


def fte(hours: Decimal) -> str:
    return f"{(Decimal(hours) / FTE_HOURS).quantize(Decimal('0.01'))}"


_from_rows = ContextVar("reports_from_rows", default=False)


def kept() -> bool:
    """Whether the kept figures (models/kept.py: hours per unit and month, spans of membership) are read: on
    PostgreSQL, where triggers keep them, unless inside `computed_from_rows()`; SQLite computes every figure from
    the rows."""
    return connection.vendor == "postgresql" and not _from_rows.get()


@contextmanager
def computed_from_rows():
    """Inside it the figures are computed from the rows, as on SQLite (the tests and the bench compare both)."""
    token = _from_rows.set(True)
    try:
        yield
    finally:
        _from_rows.reset(token)


def unit_figures(units, start: datetime.date, end: datetime.date) -> dict[int, dict]:
    """The figures of each unit in `units` for start…end (both inclusive), as of `end`: {unit id: figures}.
    A fixed number of queries (about nine per distinct depth of the units), whatever the data."""
    units = list(units)
    if not units:
        return {}
    figures = {unit.pk: _empty(start, end, unit.category) for unit in units}
    for _name, part in FIGURE_PARTS:
        part(figures, units, start, end)
    return figures


def _members_part(figures: dict, units: list, start: datetime.date, end: datetime.date) -> None:
    """Volunteers by sex × age band, insured, everyone: the members current on the period's end."""
    if kept():
        rows = _kept_members(units, end)
    else:
        rows = _members_from_rows(units, end)
    for unit_id, row in rows.items():
        f = figures[unit_id]
        f["volunteers"], f["insured"] = row["everyone"], row["insured"]
        for sex in SEXES:
            f["sex_age"][sex] = [row[f"s{sex}_{i}"] for i in range(len(AGE_BANDS))]
        for category in f["by_category"]:
            f["by_category"][category] = row["everyone"]


def _members_from_rows(units: list, day: datetime.date) -> dict[int, dict]:
    counts = {"everyone": Count("volunteer_id", distinct=True),
              "insured": Count("volunteer_id", distinct=True,
                               filter=insured_ids_q(day, "volunteer_id"))}
    for sex in Sex.values:
        for i, (_band, low, high) in enumerate(AGE_BANDS):
            counts[f"s{sex}_{i}"] = Count("volunteer_id", distinct=True,
                                          filter=Q(volunteer__sex=sex) & age_band_q(day, low, high,
                                                                                    "volunteer__birth_date"))
    members = Membership.objects.current(day).filter(team__kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM))
    return _grouped(members, "team__path", units, counts)


def _per_unit(queryset: QuerySet, units: list, aggregates: dict) -> dict[int, dict]:
    """`aggregates` of a kept table's rows per unit of `units` ({unit id: row}): a few units are picked by the
    database, many (a city's 1,500) from the groups, as in `_only_paths`."""
    if len(units) <= PATHS_INLINE:
        queryset = queryset.filter(unit_id__in=[unit.pk for unit in units])
    wanted = {unit.pk for unit in units}
    return {row.pop("unit_id"): row for row in queryset.order_by().values("unit_id").annotate(**aggregates)
            if row["unit_id"] in wanted}


def _kept_members(units: list, day: datetime.date) -> dict[int, dict]:
    """The same counts from the kept spans (`UnitMember`: one row per person and unit current on any day, so
    plain counts, no DISTINCT): one grouped pass over the spans current on `day`."""
    spans = UnitMember.objects.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gt=day))
    few = [unit.pk for unit in units] if len(units) <= PATHS_INLINE else None
    counts = {"everyone": Count("*"), "insured": Count("pk", filter=insured_spans_q(spans, day, few))}
    for sex in SEXES:
        for i, (_band, low, high) in enumerate(AGE_BANDS):
            counts[f"s{sex}_{i}"] = Count("pk", filter=Q(sex=sex) & age_band_q(day, low, high))
    return _per_unit(spans, units, counts)


def _moves_part(figures: dict, units: list, start: datetime.date, end: datetime.date) -> None:
    # joined and left in the period
    memberships = Membership.objects.filter(team__kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM))
    moves = {"joined": Count("volunteer_id", distinct=True, filter=Q(joined_on__gte=start, joined_on__lte=end)),
             "left": Count("volunteer_id", distinct=True, filter=Q(left_on__gte=start, left_on__lte=end))}
    moved = memberships.filter(Q(joined_on__gte=start, joined_on__lte=end) | Q(left_on__gte=start, left_on__lte=end))
    for unit_id, row in _grouped(moved, "team__path", units, moves).items():
        figures[unit_id]["joined"], figures[unit_id]["left"] = row["joined"], row["left"]


def _teams_part(figures: dict, units: list, start: datetime.date, end: datetime.date) -> None:
    # teams and sub-teams not closed by the end
    teams = OrgNode.objects.filter(kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM)).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=end))
    team_counts = {"teams": Count("pk", filter=Q(kind=OrgKind.TEAM)), "subteams": Count("pk", filter=Q(kind=OrgKind.SUBTEAM))}
    for unit_id, row in _grouped(teams, "path", units, team_counts).items():
        figures[unit_id]["teams"], figures[unit_id]["subteams"] = row["teams"], row["subteams"]


def _kept_hours(units: list, months: tuple[datetime.date, datetime.date]) -> dict[int, dict]:
    """The kept hours (`UnitHoursMonth`) of whole months, per unit: {unit id: {hours, served, n, counted}}."""
    rows = UnitHoursMonth.objects.filter(month__gte=months[0], month__lte=months[1])
    return _per_unit(rows, units, {"hours": Sum("hours"), "served": Sum("people_served"), "n": Sum("records"),
                                   "counted": Sum("counted_hours")})


def _hours_part(figures: dict, units: list, start: datetime.date, end: datetime.date) -> None:
    """Hours recorded (misuse left out), people served, service records, countable hours (training gate and misuse
    rule) and FTE. On PostgreSQL the period's whole months are read from the kept hours of the units (one small
    read for all five figures), the days of a month the period cuts from the ledger; on SQLite recorded hours
    come from the monthly roll-up and countable hours from the hours selector's statement."""
    ids = [unit.pk for unit in units]
    split = split_period(start, end)
    from_kept = kept() and split.months
    recorded = []  # rows of {unit_id, hours, served, n}
    countable: dict[int, Decimal] = defaultdict(Decimal)
    for first, last in (split.ledger_ranges if split.months else [(start, end)]):
        recorded.append(service_records(StatsScope(EVERYONE, first, last)).filter(unit_id__in=ids).order_by()
                        .values("unit_id").annotate(hours=Sum("hours"), served=Sum("people_served"), n=Count("id")))
    if from_kept:
        months = _kept_hours(units, split.months)
        recorded.append([{"unit_id": unit_id, **row} for unit_id, row in months.items()])
        for unit_id, row in months.items():
            countable[unit_id] += Decimal(row["counted"] or 0)
    elif split.months:
        recorded.append(monthly_hours(start=split.months[0], end=split.months[1]).filter(unit_id__in=ids).order_by()
                        .values("unit_id").annotate(hours=Sum("hours"), served=Sum("people_served"), n=Sum("records")))
    for first, last in (split.ledger_ranges if from_kept else [(start, end)]):
        for unit_id, hours in countable_by_unit(start=first, end=last, units=ids).items():
            countable[unit_id] += hours
    totals: dict[int, list] = {}
    for rows in recorded:
        for row in rows:
            total = totals.setdefault(row["unit_id"], [Decimal("0"), 0, 0])
            total[0] += Decimal(row["hours"] or 0)
            total[1] += row["served"] or 0
            total[2] += row["n"] or 0
    for unit_id, (hours, served, n) in totals.items():
        f = figures[unit_id]
        f["hours_recorded"] = str(hours.quantize(Decimal("0.1")))
        f["people_served"], f["service_records"] = served, n
    for unit_id, hours in countable.items():
        hours = Decimal(hours).quantize(Decimal("0.1"))
        figures[unit_id]["hours_countable"] = str(hours)
        figures[unit_id]["fte"] = fte(hours)


def _training_part(figures: dict, units: list, start: datetime.date, end: datetime.date) -> None:
    """Training sessions held by the unit or its teams in the period, and their attendees, by course kind. Each
    session's attendees are counted by the enrolment index (joining every enrolment and counting the sessions
    DISTINCT took 55 ms for the city's 3,000 sessions, this 20)."""
    attended = (Enrolment.objects.filter(session=OuterRef("pk"), attended=True).order_by().values("session")
                .annotate(n=Count("*")).values("n"))
    sessions = TrainingSession.objects.filter(date__gte=start, date__lte=end).annotate(
        attended=Coalesce(Subquery(attended, output_field=IntegerField()), 0))
    for length, paths in _by_depth(units).items():
        rows = (_only_paths(sessions, "host__path", paths, length).values("unit_path", "course__kind")
                .annotate(n=Count("id"), attendees=Sum("attended")))
        for row in rows:
            if row["unit_path"] in paths:
                figures[paths[row["unit_path"]]]["training"][row["course__kind"]] = {
                    "sessions": row["n"], "attendees": row["attendees"]}


#: the figures of `unit_figures`, each computed for all the units at once (the bench times them one by one)
FIGURE_PARTS = (
    ("volunteers by sex × age band, insured", _members_part),
    ("joined and left", _moves_part),
    ("teams and sub-teams", _teams_part),
    ("hours recorded and countable, people served, records", _hours_part),
    ("training sessions and attendees", _training_part),
)


def sum_figures(many, start: datetime.date, end: datetime.date) -> dict:
    """The sum of units' figures (a roll-up): counts and hours add up, FTE from the summed hours."""
    total = _empty(start, end, "")
    hours = {key: Decimal("0") for key in DECIMAL_KEYS}
    for figures in many:
        for key in INT_KEYS:
            total[key] += figures.get(key, 0)
        for key in DECIMAL_KEYS:
            hours[key] += Decimal(figures.get(key, "0"))
        for sex, values in figures.get("sex_age", {}).items():
            row = total["sex_age"].setdefault(sex, [0] * len(AGE_BANDS))
            total["sex_age"][sex] = [a + b for a, b in zip(row, values, strict=False)]
        for kind, numbers in figures.get("training", {}).items():
            slot = total["training"].setdefault(kind, {"sessions": 0, "attendees": 0})
            slot["sessions"] += numbers.get("sessions", 0)
            slot["attendees"] += numbers.get("attendees", 0)
        for category, n in figures.get("by_category", {}).items():
            total["by_category"][category] = total["by_category"].get(category, 0) + n
    for key in DECIMAL_KEYS:
        total[key] = str(hours[key].quantize(Decimal("0.1")))
    total["fte"] = fte(hours["hours_countable"])
    return total


def _flat(figures: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            flat.update({f"{name}.{AGE_BANDS[i][0] if i < len(AGE_BANDS) else i}": v for i, v in enumerate(value)})
        else:
            flat[name] = value
    return flat


def diff_figures(old: dict, new: dict) -> list[list]:
    """[[figure, old, new], …] of the figures that changed (dates of the period left out)."""
    before, after = _flat(old or {}), _flat(new or {})
    return [[key, before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
            if key not in ("start", "end") and before.get(key) != after.get(key)]


def change_label(key: str) -> str:
    """A readable name of a flattened figure key (the recompute's list of changes)."""
    labels = {"volunteers": _("Volunteers"), "joined": _("Joined in the period"), "left": _("Left in the period"),
              "teams": _("Teams"), "subteams": _("Sub-teams"), "hours_recorded": _("Hours recorded"),
              "hours_countable": _("Countable hours"), "fte": _("Full-time equivalents"),
              "people_served": _("People served"), "service_records": _("Service records"),
              "insured": _("Insured volunteers")}
    parts = key.split(".")
    if parts[0] in labels:
        return str(labels[parts[0]])
    if parts[0] == "sex_age" and len(parts) == 3:
        sex = dict(Sex.choices).get(parts[1], parts[1])
        return f"{_('Volunteers')}: {sex}, {parts[2]}"
    if parts[0] == "training" and len(parts) == 3:
        kind = dict(CourseKind.choices).get(parts[1], parts[1])
        what = _("sessions") if parts[2] == "sessions" else _("attendees")
        return f"{kind}: {what}"
    if parts[0] == "by_category" and len(parts) == 2:
        return f"{_('Volunteers by service category')}: {service_category_label(parts[1])}"
    return key


# --- The tables shown, exported and printed -------------------------------------------------------------

def figure_tables(figures: dict) -> list[Figure]:
    """The report's figures as tables (one `statistics.Figure` each: title, row header, rows × columns)."""
    if not figures:
        return []
    sexes = [(value, str(label)) for value, label in Sex.choices]
    bands = [band for band, _l, _h in AGE_BANDS]
    sex_age = figures.get("sex_age", {})
    totals_by_band = [sum(sex_age.get(s, [0] * len(bands))[i] for s, _l in sexes) for i in range(len(bands))]
    tables = [
        Figure(_("Volunteers by sex and age band"),
               _("Current members on %(day)s by age band and sex.") % {"day": figures.get("end", "")},
               _("Age band"), bands,
               [*[(label, list(sex_age.get(value, [0] * len(bands)))) for value, label in sexes],
                (_("Total"), totals_by_band)]),
        Figure(_("Volunteers, teams and movement"), _("People and teams of the unit in the period."),
               _("Figure"),
               [_("Volunteers at the end of the period"), _("Joined in the period"), _("Left in the period"),
                _("Teams"), _("Sub-teams"), _("Insured volunteers at the end of the period")],
               [(_("Number"), [figures.get(k, 0) for k in ("volunteers", "joined", "left", "teams", "subteams",
                                                           "insured")])]),
        Figure(_("Service hours"), _("Service records dated in the period, misuse left out."), _("Figure"),
               [_("Hours recorded"), _("Countable hours (training gate and misuse rule)"),
                _("Full-time equivalents (countable hours ÷ 2,080)"), _("People served"), _("Service records")],
               [(_("Value"), [figures.get("hours_recorded", "0.0"), figures.get("hours_countable", "0.0"),
                              figures.get("fte", "0.00"), figures.get("people_served", 0),
                              figures.get("service_records", 0)])]),
    ]
    training = figures.get("training", {})
    kinds = [(value, str(label)) for value, label in CourseKind.choices]
    tables.append(Figure(_("Training sessions and attendees by kind"),
                         _("Sessions held by the unit or its teams in the period."), _("Kind"),
                         [label for _v, label in kinds],
                         [(_("Sessions"), [training.get(v, {}).get("sessions", 0) for v, _l in kinds]),
                          (_("Attendees"), [training.get(v, {}).get("attendees", 0) for v, _l in kinds])]))
    categories = figures.get("by_category", {})
    tables.append(Figure(_("Volunteers by service category"),
                         _("Volunteers at the end of the period under the unit's service category."),
                         _("Service category"), [service_category_label(c) for c in categories],
                         [(_("Volunteers"), list(categories.values()))]))
    return tables


def export_rows(report: PeriodReport) -> tuple[list[str], list[list]]:
    """The report as one sheet: a header block (unit, period, status, funding, texts), then every table."""
    headers = [_("Section"), _("Row"), _("Column"), _("Value")]
    rows: list[list] = [
        [_("Report"), _("Unit"), "", report.unit.display_name],
        [_("Report"), _("Period"), "", f"{report.start.isoformat()} – {report.end.isoformat()}"],
        [_("Report"), _("Version"), "", report.version],
        [_("Report"), _("Status"), "", report.get_status_display()],
        [_("Report"), _("Figures computed at"), "",
         timezone.localtime(report.computed_at).strftime("%Y-%m-%d %H:%M") if report.computed_at else ""],
        [_("Funding"), _("Government subsidy (NT$)"), "", report.government_subsidy],
        [_("Funding"), _("Own funds (NT$)"), "", report.own_funds],
        [_("Texts"), _("How the service plan went (Art.7)"), "", report.plan_narrative],
        [_("Texts"), _("Notes"), "", report.notes],
    ]
    for table in figure_tables(report.figures):
        for label, cells in table.labelled_rows:
            for column, value in cells:
                rows.append([table.title, label, column, value])
    return headers, rows


# --- Reports of the scope --------------------------------------------------------------------------------

def report_list(user) -> QuerySet:
    return (PeriodReport.objects.visible_to(user).current().select_related("unit", "review")
            .order_by("-year", "-half", "period_kind", "unit__path"))


def report_detail(user, pk) -> PeriodReport:
    return PeriodReport.objects.visible_to(user).select_related("unit", "review").get(pk=pk)


def report_versions(report: PeriodReport) -> list[PeriodReport]:
    return list(PeriodReport.objects.filter(unit_id=report.unit_id, period_kind=report.period_kind,
                                            year=report.year, half=report.half).order_by("-version"))


def reportable_units(user) -> QuerySet:
    """Units of the user's part of the tree they may make reports for."""
    from ..roles import UNIT_MANAGERS

    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(kind=OrgKind.UNIT, is_active=True).order_by("path")


# --- Due dates --------------------------------------------------------------------------------------------

def due_dates(units, kind: str, year: int, half: int) -> dict[int, datetime.date]:
    """The due date of each unit's report of a period: for a year, the earliest due date the unit's service
    plans give for a period ending in that year (`ServicePlan.report_periods`: 28 February of the next year,
    or two months after a plan ends); otherwise, and for a half-year, the last day of the second month after
    the period's end (Art.7: within two months): 31 August, or 28/29 February. One query."""
    units = list(units)
    _start, end = period_bounds(kind, year, half)
    default = _add_months(end.replace(day=1), 3) - datetime.timedelta(days=1)
    due = {unit.pk: default for unit in units}
    if kind != PeriodKind.YEAR:
        return due
    plans = ServicePlan.objects.filter(unit_id__in=[u.pk for u in units], starts_on__lte=end,
                                       ends_on__gte=datetime.date(year, 1, 1)).select_related("unit")
    found: dict[int, datetime.date] = {}
    for plan in plans:
        for covered, plan_due in plan.report_periods():
            if covered.year == year:
                found[plan.unit_id] = min(found.get(plan.unit_id, plan_due), plan_due)
    due.update(found)
    return due


def due_date(unit: OrgNode, kind: str, year: int, half: int) -> datetime.date:
    return due_dates([unit], kind, year, half)[unit.pk]


# --- The authority dashboard ------------------------------------------------------------------------------

DASHBOARD_STATES = ("not_started", "draft", "in_review", "returned", "approved")


def dashboard(user, kind: str, year: int, half: int, today: datetime.date | None = None) -> list[dict]:
    """One row per unit of the user's part of the tree: its report of the period (or none), the status, due
    date, and whether it is late (due date passed and not submitted) or returned."""
    today = today or timezone.localdate()
    units = list(OrgNode.objects.visible_to(user).filter(kind=OrgKind.UNIT, is_active=True).order_by("path"))
    reports = {r.unit_id: r for r in PeriodReport.objects.current().filter(
        unit__in=units, period_kind=kind, year=year, half=half)}
    due = due_dates(units, kind, year, half)
    rows = []
    for unit in units:
        report = reports.get(unit.pk)
        status = report.status if report else "not_started"
        due_on = report.due_on if report and report.due_on else due[unit.pk]
        submitted = report is not None and report.status in SUBMITTED
        rows.append({"unit": unit, "report": report, "status": status, "due_on": due_on,
                     "submitted": submitted, "late": not submitted and due_on < today,
                     "returned": status == ReportStatus.RETURNED})
    return rows


def dashboard_counts(rows: list[dict]) -> dict[str, int]:
    return {"units": len(rows), "submitted": sum(r["submitted"] for r in rows),
            "approved": sum(r["status"] == ReportStatus.APPROVED for r in rows),
            "late": sum(r["late"] for r in rows), "returned": sum(r["returned"] for r in rows)}


# --- Roll-ups ---------------------------------------------------------------------------------------------

APPROVED = "approved"
LIVE = "live"


def approved_figures(units, kind: str, year: int, half: int) -> dict[int, dict]:
    """{unit id: figures} of the latest approved version of each unit's report of the period (a re-opened
    report keeps counting with its approved version until the new one is approved)."""
    found: dict[int, dict] = {}
    for report in (PeriodReport.objects.filter(unit_id__in=[unit.pk for unit in units], period_kind=kind, year=year, half=half,
                                               status__in=(ReportStatus.APPROVED, ReportStatus.SUPERSEDED))
                   .order_by("unit_id", "-version").only("unit_id", "figures", "version")):
        found.setdefault(report.unit_id, report.figures)
    return found


def rollup(user, kind: str, year: int, half: int, source: str, node: OrgNode | None = None) -> dict:
    """The roll-up of the user's part of the tree (or of `node`, a node of it): one row per purpose authority
    (units directly under the competent authority grouped under it), or per unit when `node` is a purpose
    authority or the user holds no wider part, and the total. `source` is APPROVED (the approved reports;
    units without one count as missing) or LIVE (computed from the data now)."""
    start, end = period_bounds(kind, year, half)
    units = OrgNode.objects.visible_to(user).filter(kind=OrgKind.UNIT, is_active=True)
    if node is not None:
        units = units.filter(path__startswith=node.path)
    by_units = node is not None and node.kind != OrgKind.COMPETENT_AUTHORITY
    if by_units:  # the units are the rows shown
        units = list(units.order_by("path"))
    else:  # the rows are their authorities: the units' keys are enough (a city has 1,500)
        units = [UnitKey(*values) for values in units.order_by("path").values_list("pk", "path", "category")]
    if source == LIVE:
        per_unit = unit_figures(units, start, end)
    else:
        per_unit = approved_figures(units, kind, year, half)
    groups_by_path = {n.path: n for n in OrgNode.objects.filter(
        kind__in=(OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY))}

    def group_of(unit) -> OrgNode:
        parent = groups_by_path.get(unit.path[:-OrgNode.steplen])
        return parent if parent is not None else OrgNode.objects.get(pk=unit.pk)

    rows: dict[int, dict] = {}
    for unit in units:
        key_node = unit if by_units else group_of(unit)
        row = rows.setdefault(key_node.pk, {"node": key_node, "units": 0, "reported": 0, "figures": []})
        row["units"] += 1
        if unit.pk in per_unit:
            row["reported"] += 1
            row["figures"].append(per_unit[unit.pk])
    result_rows = []
    for row in rows.values():
        row["total"] = sum_figures(row["figures"], start, end)
        row["drill"] = row["node"].kind in (OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY) and not by_units
        del row["figures"]
        result_rows.append(row)
    return {"rows": result_rows, "total": sum_figures([r["total"] for r in result_rows], start, end),
            "units": len(units), "reported": sum(r["reported"] for r in result_rows), "source": source,
            "start": start, "end": end}


ROLLUP_COLUMNS = ("volunteers", "joined", "left", "teams", "subteams", "hours_countable", "fte", "people_served",
                  "insured")


def rollup_headers() -> list[str]:
    return [_("Volunteers"), _("Joined"), _("Left"), _("Teams"), _("Sub-teams"), _("Countable hours"),
            _("Full-time equivalents"), _("People served"), _("Insured")]
