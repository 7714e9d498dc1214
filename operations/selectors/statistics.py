"""Statistics (各項統計分析, back-office module 10; DOMAIN.md §1.12): one figure per question, computed in
the database through the one scope. A `Figure` is what the chart, the data table under it and the
download are all drawn from, so the three never disagree.

Definitions (README "Statistics"):
- volunteers on a day D (the period's end) = distinct volunteers with a membership current on D
  (joined on or before D, not left by D) of a team or sub-team in the user's scope, under the chosen node,
  and — with a category — of a unit of that service category;
- age on D in whole years, the birthday counting from the day itself (born 2008-06-30 is 18 on
  2026-06-30); the ministry's bands <12, 12–17, 18–29, 30–49, 50–54, 55–64, 65+;
- hours = service records (服務紀錄: shift attendance and the other sources of the hours ledger) dated in
  the period, of units in the scope, in the record's own service category, without those annotated as
  misuse; hours before training are included (the per-volunteer countable hours are `selectors.hours`);
- new / leaving in a month = distinct volunteers with a membership of the scope starting / ending that
  month (a move between two teams of the scope counts in both);
- trained on D = a basic certificate and a special one (of the category, when one is chosen) completed
  on or before D; insured on D = `selectors.insurance.insured_q`, asked for many people as `insured_ids_q` (a
  person cover, a members cover of a team above them, or an "on shift" cover on a shift that day);
- recruitment: people as on the public site (distinct volunteers with an accepted sign-up ÷ the positions'
  targets), over time by the day their sign-up was accepted (the decision, else the sign-up itself).

Every function takes a `StatsScope` and costs a fixed number of queries, whatever the amount of data."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..localised import localised
from ..models import (
    Attendance,
    AttendanceOutcome,
    Campaign,
    CourseKind,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    ServiceHoursMonth,
    ServiceRecord,
    Sex,
    Shift,
    Signup,
    SignupStatus,
    TrainingCertificate,
    Volunteer,
)
from ..scoping import scope_q
from .codes import city_label, service_category_choices
from .hours import split_period
from .insurance import insured_ids_q, insured_q
from .recruitment import campaign_list, city_order

FTE_HOURS = Decimal("2080")  # hours of one full-time equivalent (DOMAIN §1.12)
MAX_GROUPS = 12  # lines of a chart over time


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# (label, lowest age, highest age or None)
AGE_BANDS = (
    ("<12", None, 11), ("12–17", 12, 17), ("18–29", 18, 29), ("30–49", 30, 49), ("50–54", 50, 54),
    ("55–64", 55, 64), ("65+", 65, None),
)


def age_band_q(day: datetime.date, low: int | None, high: int | None, field_name: str = "birth_date") -> Q:
    """Volunteers whose age on `day` lies in [low, high]: age ≥ a ⇔ born on or before D − a years."""
    q = Q()
    if low is not None:
        q &= Q(**{f"{field_name}__lte": years_before(day, low)})
    if high is not None:
        q &= Q(**{f"{field_name}__gt": years_before(day, high + 1)})
    return q


@dataclass(frozen=True)
class StatsScope:
    """Who asks, and the filters: a node of their part of the tree (None: all of it), the period and a
    service category ("" for all)."""

    user: object
    start: datetime.date
    end: datetime.date
    node: OrgNode | None = None
    category: str = ""

    @property
    def day(self) -> datetime.date:
        return self.end


@dataclass
class Figure:
    """What one chart shows: rows (`categories`) × `series`. The table and the download use the same."""

    title: str
    desc: str
    row_header: str
    categories: list[str]
    series: list[tuple[str, list]]
    kind: str = "bar"  # bar | stacked | line
    notes: list[str] = field(default_factory=list)
    headline: list[tuple[str, str]] = field(default_factory=list)
    max_value: float | None = None
    computed_at: datetime.datetime | None = None  # set when the figure is kept in the cache (views)

    @property
    def headers(self) -> list[str]:
        return [self.row_header, *[name for name, _values in self.series]]

    @property
    def rows(self) -> list[list]:
        return [[label, *[values[i] for _name, values in self.series]] for i, label in enumerate(self.categories)]

    @property
    def labelled_rows(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """The rows for the data table: (row label, [(column header, value), …])."""
        names = [name for name, _values in self.series]
        return [(row[0], list(zip(names, row[1:], strict=True))) for row in self.rows]

    @property
    def is_empty(self) -> bool:
        return not any(v for _name, values in self.series for v in values)


# --- The scope of a figure -----------------------------------------------------------------------------

def node_choices(user):
    """Nodes a figure may be narrowed to: the authorities and units of the user's part of the tree; its teams
    and sub-teams when it holds no unit (a team leader). A city-wide list of 4,500 teams would be most of
    the page."""
    nodes = OrgNode.objects.visible_to(user)
    above_teams = nodes.filter(kind__in=(OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY, OrgKind.UNIT))
    return above_teams if above_teams.exists() else nodes.filter(kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM))


def _team_nodes(scope: StatsScope) -> list[tuple[int, str]]:
    teams = OrgNode.objects.filter(scope_q(scope.user, ""), kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM))
    if scope.node is not None:
        teams = teams.filter(path__startswith=scope.node.path)
    return list(teams.values_list("pk", "path"))


def team_categories(scope: StatsScope) -> dict[str, list[int]]:
    """Service category → ids of the teams and sub-teams of the scope whose unit has it. Two queries."""
    teams = _team_nodes(scope)
    prefixes = {path[:depth * OrgNode.steplen] for _pk, path in teams
                for depth in range(1, len(path) // OrgNode.steplen)}
    units = dict(OrgNode.objects.filter(kind=OrgKind.UNIT, path__in=prefixes).values_list("path", "category"))
    found: dict[str, list[int]] = defaultdict(list)
    for pk, path in teams:
        for depth in range(len(path) // OrgNode.steplen - 1, 0, -1):
            category = units.get(path[:depth * OrgNode.steplen])
            if category is not None:
                found[category].append(pk)
                break
    return found


def membership_q(scope: StatsScope) -> Q:
    q = scope_q(scope.user, "team")
    if scope.node is not None:
        q &= Q(team__path__startswith=scope.node.path)
    if scope.category:
        q &= Q(team_id__in=team_categories(scope).get(scope.category, []))
    return q


def members_on(scope: StatsScope, day: datetime.date | None = None):
    """Volunteers who are current members, on `day` (the period's end), of a team of the scope."""
    day = day or scope.day
    members = Membership.objects.current(day).filter(membership_q(scope), volunteer=OuterRef("pk"))
    return Volunteer.objects.filter(Exists(members))


def service_records(scope: StatsScope):
    records = ServiceRecord.objects.visible_to(scope.user).filter(date__gte=scope.start, date__lte=scope.end,
                                                                  misuse_at__isnull=True)
    return _narrowed(records, scope)


def _narrowed(records, scope: StatsScope):
    if scope.node is not None:
        if scope.node.kind in (OrgKind.TEAM, OrgKind.SUBTEAM):
            records = records.filter(attendance__shift__position__team__path__startswith=scope.node.path)
        else:
            records = records.filter(unit__path__startswith=scope.node.path)
    if scope.category:
        records = records.filter(category=scope.category)
    return records


def months_of(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _month_key(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _sex_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Sex.choices]


# --- The questions ---------------------------------------------------------------------------------------

def volunteers_by_sex_age(scope: StatsScope) -> Figure:
    day = scope.day
    counts = {}
    for sex, _label in _sex_labels():
        for band, low, high in AGE_BANDS:
            counts[f"{sex}|{band}"] = Count("pk", filter=Q(sex=sex) & age_band_q(day, low, high))
    totals = members_on(scope).aggregate(**counts) if counts else {}
    series = [(label, [totals[f"{sex}|{band}"] or 0 for band, _l, _h in AGE_BANDS]) for sex, label in _sex_labels()]
    everyone = sum(sum(values) for _name, values in series)
    over_65 = sum(values[-1] for _name, values in series)
    figure = Figure(
        title=_("Volunteers by sex and age band"),
        desc=_("Current members on %(day)s by age band (stacked by sex): %(total)s volunteers.")
        % {"day": day.isoformat(), "total": everyone},
        row_header=_("Age band"), categories=[band for band, _l, _h in AGE_BANDS], series=series, kind="stacked")
    figure.headline = [(_("Volunteers"), f"{everyone:,}"),
                       (_("Aged 65 and over"), f"{over_65:,} ({_share(over_65, everyone)})")]
    return figure


def _share(part, whole) -> str:
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}%" if whole else "—"


def volunteers_by_category(scope: StatsScope) -> Figure:
    day = scope.day
    by_category = team_categories(scope)
    categories = [(value, str(label)) for value, label in service_category_choices()
                  if not scope.category or value == scope.category]
    aggregates = {value: Count("volunteer_id", distinct=True, filter=Q(team_id__in=by_category.get(value, [])))
                  for value, _label in categories}
    aggregates["everyone"] = Count("volunteer_id", distinct=True)
    totals = Membership.objects.current(day).filter(membership_q(scope)).aggregate(**aggregates)
    figure = Figure(
        title=_("Volunteers by service category"),
        desc=_("Current members on %(day)s by the service category of their unit; a volunteer in units of "
               "two categories counts in each.") % {"day": day.isoformat()},
        row_header=_("Service category"), categories=[label for _v, label in categories],
        series=[(_("Volunteers"), [totals[value] or 0 for value, _label in categories])])
    figure.headline = [(_("Volunteers (each counted once)"), f"{totals['everyone'] or 0:,}")]
    return figure


def _hours_rows(scope: StatsScope) -> list[dict]:
    """Hours, people served and records of the scope's service records by month and category. The whole months
    of the period are read from the monthly roll-up (`ServiceHoursMonth`, kept exact by the ledger's triggers),
    the days of a month the period cuts at either end from the ledger; a team or sub-team node (whose records
    are those of its shifts, which the roll-up does not know) reads the ledger. Two queries at most."""
    split = split_period(scope.start, scope.end)
    team_node = scope.node is not None and scope.node.kind in (OrgKind.TEAM, OrgKind.SUBTEAM)
    if team_node or split.months is None:
        return list(service_records(scope).order_by().annotate(month=TruncMonth("date")).values("month", "category")
                    .annotate(hours=Sum("hours"), served=Sum("people_served"), n=Count("id")))
    rollup = _narrowed(ServiceHoursMonth.objects.visible_to(scope.user), scope)
    rows = list(rollup.filter(month__gte=split.months[0], month__lte=split.months[1]).order_by()
                .values("month", "category").annotate(hours=Sum("hours"), served=Sum("people_served"),
                                                      n=Sum("records")))
    if split.ledger_ranges:
        cut = Q()
        for first, last in split.ledger_ranges:
            cut |= Q(date__gte=first, date__lte=last)
        rows += list(service_records(scope).filter(cut).order_by().annotate(month=TruncMonth("date"))
                     .values("month", "category").annotate(hours=Sum("hours"), served=Sum("people_served"),
                                                           n=Count("id")))
    return rows


def hours_by_month(scope: StatsScope) -> Figure:
    months = months_of(scope.start, scope.end)
    rows = _hours_rows(scope)
    table: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    total_hours, served, records = Decimal("0"), 0, 0
    for row in rows:
        table[row["category"] or ""][_month_key(row["month"])] = row["hours"] or Decimal("0")
        total_hours += row["hours"] or 0
        served += row["served"] or 0
        records += row["n"]
    labels = {value: str(label) for value, label in service_category_choices()}
    labels[""] = _("No category")
    order = [value for value in [*labels] if value in table]
    series = [(labels[c], [table[c].get(m, Decimal("0")) for m in months]) for c in order]
    figure = Figure(
        title=_("Service hours by month and category"),
        desc=_("Service hours recorded from %(start)s to %(end)s by month, stacked by service category: "
               "%(hours)s hours in total.") % {"start": scope.start.isoformat(), "end": scope.end.isoformat(),
                                                 "hours": _hours(total_hours)},
        row_header=_("Month"), categories=[m.strftime("%Y-%m") for m in months],
        series=series or [(_("Hours"), [Decimal("0")] * len(months))], kind="stacked")
    figure.headline = [(_("Service hours"), _hours(total_hours)),
                       (_("Full-time equivalents (hours ÷ 2,080)"), f"{total_hours / FTE_HOURS:,.2f}"),
                       (_("Service records"), f"{records:,}"), (_("People served"), f"{served:,}")]
    figure.notes = [_("Hours are the recorded service hours (0.5-hour steps, travel excluded), without those "
                      "annotated as misuse.")]
    return figure


def _hours(value) -> str:
    return f"{value:,.1f}"


def new_and_leaving(scope: StatsScope) -> Figure:
    months = months_of(scope.start, scope.end)
    memberships = Membership.objects.filter(membership_q(scope)).order_by()
    joined = dict(memberships.filter(joined_on__gte=scope.start, joined_on__lte=scope.end)
                  .annotate(month=TruncMonth("joined_on")).values("month")
                  .annotate(n=Count("volunteer_id", distinct=True)).values_list("month", "n"))
    left = dict(memberships.filter(left_on__gte=scope.start, left_on__lte=scope.end)
                .annotate(month=TruncMonth("left_on")).values("month")
                .annotate(n=Count("volunteer_id", distinct=True)).values_list("month", "n"))
    joined = {_month_key(k): v for k, v in joined.items()}
    left = {_month_key(k): v for k, v in left.items()}
    series = [(_("New"), [joined.get(m, 0) for m in months]), (_("Leaving"), [left.get(m, 0) for m in months])]
    figure = Figure(
        title=_("New and leaving volunteers"),
        desc=_("Volunteers who joined and who left a team of the scope, by month, from %(start)s to %(end)s.")
        % {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        row_header=_("Month"), categories=[m.strftime("%Y-%m") for m in months], series=series)
    figure.headline = [(_("New"), f"{sum(series[0][1]):,}"), (_("Leaving"), f"{sum(series[1][1]):,}")]
    figure.notes = [_("A volunteer who moves between two teams of the scope counts as new and as leaving.")]
    return figure


#: over more teams than this, the training figure groups every certificate rather than the members' only
MANY_TEAMS = 300


def _training_counts(scope: StatsScope) -> tuple[dict[str, int], dict[str, int]]:
    """The current members of the scope by (basic on D, special on D — of the chosen category, if one is chosen),
    and the certificates of the period of those members by kind: one statement. The certificates are read once,
    grouped by volunteer, and joined to the members (correlated EXISTS per member and per FILTER clause read the
    certificate index ~1,100,000 times for the city: 2.3 s)."""
    day = scope.day
    try:
        member_sql, member_params = members_on(scope).order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # no team of the chosen category in the scope
        return {"both": 0, "basic_only": 0, "special_only": 0, "neither": 0}, {}
    special = "kind = %s AND category = %s" if scope.category else "kind = %s"
    special_params = [CourseKind.SPECIAL.value, scope.category] if scope.category else [CourseKind.SPECIAL.value]
    kinds = CourseKind.values
    per_kind = ", ".join(f"SUM(CASE WHEN kind = %s AND completed_on >= %s THEN 1 ELSE 0 END) AS n{i}"
                         for i in range(len(kinds)))
    per_kind_params = [p for kind in kinds for p in (kind, scope.start)]
    sums = ", ".join(f"SUM(c.n{i})" for i in range(len(kinds)))
    # the members once (a CTE named twice is computed once), their certificates up to D grouped by volunteer; over
    # many teams, every certificate up to D is grouped (one pass; the semi-join with the members would be read as a
    # nested loop over them, the CTE's size being unknown to the planner)
    teams = OrgNode.objects.filter(scope_q(scope.user, ""), kind__in=(OrgKind.TEAM, OrgKind.SUBTEAM))
    if scope.node is not None:
        teams = teams.filter(path__startswith=scope.node.path)
    members_only = "" if teams.count() > MANY_TEAMS else " AND volunteer_id IN (SELECT id FROM p)"
    query = (
        f"WITH p AS ({member_sql}) "
        f"SELECT COALESCE(c.basic, 0), COALESCE(c.special, 0), COUNT(*), {sums} "
        f"FROM p LEFT JOIN ("
        f"SELECT volunteer_id, MAX(CASE WHEN kind = %s THEN 1 ELSE 0 END) AS basic, "
        f"MAX(CASE WHEN {special} THEN 1 ELSE 0 END) AS special, {per_kind} "
        f"FROM {connection.ops.quote_name(TrainingCertificate._meta.db_table)} "
        f"WHERE completed_on <= %s{members_only} GROUP BY volunteer_id"
        f") c ON c.volunteer_id = p.id GROUP BY COALESCE(c.basic, 0), COALESCE(c.special, 0)")
    params = [*member_params, CourseKind.BASIC.value, *special_params, *per_kind_params, day]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    names = {(1, 1): "both", (1, 0): "basic_only", (0, 1): "special_only", (0, 0): "neither"}
    totals = dict.fromkeys(names.values(), 0)
    in_period = dict.fromkeys(kinds, 0)
    for basic, special_, people, *counts in rows:
        totals[names[(int(basic), int(special_))]] += people
        for kind, n in zip(kinds, counts, strict=True):
            in_period[kind] += int(n or 0)
    return totals, in_period


def training_completion(scope: StatsScope) -> Figure:
    day = scope.day
    totals, in_period = _training_counts(scope)
    everyone = sum(v or 0 for v in totals.values())
    labels = [_("Basic and special (trained)"), _("Basic only"), _("Special only"), _("Neither")]
    values = [totals["both"] or 0, totals["basic_only"] or 0, totals["special_only"] or 0, totals["neither"] or 0]
    figure = Figure(
        title=_("Training completion"),
        desc=_("Current members on %(day)s by the training they have completed: %(trained)s of %(total)s are "
               "trained (basic and special).") % {"day": day.isoformat(), "trained": values[0], "total": everyone},
        row_header=_("Training"), categories=labels, series=[(_("Volunteers"), values)])
    figure.headline = [(_("Trained (basic and special)"), f"{values[0]:,} ({_share(values[0], everyone)})")]
    figure.headline += [(_("Certificates in the period: %(kind)s") % {"kind": label}, f"{in_period.get(value, 0):,}")
                        for value, label in CourseKind.choices]
    if scope.category:
        figure.notes = [_("Special training of the chosen category only.")]
    return figure


#: up to this many members each one's covers are looked up by index (about 3 µs a person); more are matched
#: against the insured found once from the covers' side (about 150 ms, whatever the scope: for a unit of 200
#: people that took 145 ms instead of 40, for the city's 150,000 220 ms instead of 440)
INSURED_PER_ROW_UP_TO = 20_000


def insurance_coverage(scope: StatsScope) -> Figure:
    day = scope.day
    bands = {band: Count("pk", filter=age_band_q(day, low, high)) for band, low, high in AGE_BANDS}
    people = members_on(scope)
    everybody = people.aggregate(**bands)
    if sum(n or 0 for n in everybody.values()) <= INSURED_PER_ROW_UP_TO:  # a unit's: each person looked up
        insured = insured_q(day, many=True)
    else:  # a city's: the insured found once from the covers' side
        insured = insured_ids_q(day)
    covered = people.filter(insured).aggregate(**bands)
    insured = [covered[band] or 0 for band, _l, _h in AGE_BANDS]
    not_insured = [(everybody[band] or 0) - (covered[band] or 0) for band, _l, _h in AGE_BANDS]
    everyone = sum(insured) + sum(not_insured)
    figure = Figure(
        title=_("Insurance coverage"),
        desc=_("Current members on %(day)s insured and not insured that day, by age band: %(insured)s of "
               "%(total)s insured.") % {"day": day.isoformat(), "insured": sum(insured), "total": everyone},
        row_header=_("Age band"), categories=[band for band, _l, _h in AGE_BANDS],
        series=[(_("Insured"), insured), (_("Not insured"), not_insured)], kind="stacked")
    figure.headline = [(_("Insured"), f"{sum(insured):,} ({_share(sum(insured), everyone)})"),
                       (_("Not insured"), f"{sum(not_insured):,}")]
    return figure


# --- Recruitment ----------------------------------------------------------------------------------------

RECRUITMENT_GROUPINGS = {
    "city": gettext_lazy("City"),
    "venue": gettext_lazy("Venue"),
    "group": gettext_lazy("Service group"),
}


def campaign_choices(user):
    return campaign_list(user)


def default_campaign(user, code: str = "") -> Campaign | None:
    """The campaign a recruitment page opens on: the event's (`code`) when the user sees it, else the latest."""
    campaigns = campaign_list(user)
    return (campaigns.filter(code=code).first() if code else None) or campaigns.first()


def _positions(scope: StatsScope, campaign: Campaign):
    positions = Position.objects.visible_to(scope.user).filter(campaign=campaign)
    if scope.node is not None:
        path = scope.node.path
        positions = positions.filter(Q(venue__path__startswith=path) | Q(team__path__startswith=path)
                                     | Q(campaign__unit__path__startswith=path))
    return positions


def _group_labels(by: str, keys) -> dict:
    if by == "city":
        return {k: (city_label(k) or "—") for k in keys}
    names = OrgNode.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name", "name_en")
    labels = {pk: str(localised(name, name_en)) for pk, name, name_en in names}
    return {k: labels.get(k, "—") for k in keys}


GROUP_FIELD = {"city": "venue__city", "venue": "venue_id", "group": "team_id"}


def recruitment_over_time(scope: StatsScope, campaign: Campaign | None, by: str = "city") -> Figure:
    """Per city, venue or service group: the share of its target recruited (distinct volunteers with an
    accepted sign-up), day by day from the first acceptance to the end of the period."""
    by = by if by in GROUP_FIELD else "city"
    if campaign is None:
        return Figure(_("Recruitment fill rates over time"), _("No campaign to show."), _("Date"), [], [],
                      kind="line")
    positions = _positions(scope, campaign)
    key = GROUP_FIELD[by]
    targets: dict = defaultdict(int)
    for row in positions.order_by().values(key, "volunteers_needed").annotate(peak=Max("shifts__headcount")):
        targets[row[key]] += row["volunteers_needed"] if row["volunteers_needed"] is not None else (row["peak"] or 0)
    accepted = (Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__position__in=positions).order_by()
                .values(f"shift__position__{key}", "volunteer_id")
                .annotate(first=Min(TruncDate(Coalesce("decided_at", "created_at")))))
    firsts: dict = defaultdict(lambda: defaultdict(int))
    days: set = set()
    for row in accepted:
        if row["first"] <= scope.end:
            firsts[row[f"shift__position__{key}"]][row["first"]] += 1
            days.add(row["first"])
    groups = sorted(targets, key=lambda k: (-targets[k], str(k)))[:MAX_GROUPS]
    if by == "city":
        groups.sort(key=city_order)
    labels = _group_labels(by, groups)
    axis = _day_axis(min(days), min(max(days), scope.end)) if days else []
    series = []
    for group in groups:
        running, values = 0, []
        per_day = firsts.get(group, {})
        before = sum(n for d, n in per_day.items() if axis and d < axis[0])
        running = before
        for day in axis:
            running += per_day.get(day, 0)
            values.append(_percent(running, targets[group]))
        series.append((_("%(group)s (target %(target)s)") % {"group": labels[group], "target": targets[group]},
                       values))
    figure = Figure(
        title=_("Recruitment fill rates over time"),
        desc=_("%(campaign)s: the percentage of each %(by)s's target recruited, by the day sign-ups were "
               "accepted.") % {"campaign": campaign.display_title, "by": str(RECRUITMENT_GROUPINGS[by]).lower()},
        row_header=_("Date"), categories=[d.isoformat() for d in axis], series=series, kind="line", max_value=100)
    if len(targets) > MAX_GROUPS:
        figure.notes = [_("The %(n)s largest targets of %(total)s; choose a node to see the others.")
                        % {"n": MAX_GROUPS, "total": len(targets)}]
    return figure


def _day_axis(first: datetime.date, last: datetime.date, limit: int = 400) -> list[datetime.date]:
    span = (last - first).days
    step = max(1, -(-span // limit)) if span > limit else 1
    axis = [first + datetime.timedelta(days=i) for i in range(0, span + 1, step)]
    if axis and axis[-1] != last:
        axis.append(last)
    return axis


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0")
    return min(Decimal("100"), (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")))


def wmg_headline(scope: StatsScope, campaign: Campaign | None) -> Figure:
    """The event's headline figures (the seed's "7,010 served 107,970.5 hours; ages 16–92") and, per
    city, the people needed and recruited."""
    if campaign is None:
        return Figure(_("Event headline figures"), _("No campaign to show."), _("City"), [], [])
    positions = _positions(scope, campaign).filter(venue__isnull=False)
    targets: dict = defaultdict(int)
    venues: dict = defaultdict(set)
    for row in (positions.order_by().values("venue_id", "venue__city", "volunteers_needed")
                .annotate(peak=Max("shifts__headcount"))):
        targets[row["venue__city"] or ""] += (row["volunteers_needed"] if row["volunteers_needed"] is not None
                                              else (row["peak"] or 0))
        venues[row["venue__city"] or ""].add(row["venue_id"])
    accepted = Signup.objects.filter(status=SignupStatus.ACCEPTED, shift__position__in=positions)
    people = dict(accepted.order_by().values("shift__position__venue__city")
                  .annotate(n=Count("volunteer_id", distinct=True)).values_list("shift__position__venue__city", "n"))
    overall = accepted.aggregate(
        n=Count("volunteer_id", distinct=True), youngest=Max("volunteer__birth_date"),
        oldest=Min("volunteer__birth_date"),
        over_65=Count("volunteer_id", distinct=True,
                      filter=Q(volunteer__birth_date__lte=years_before(campaign.starts_on, 65))))
    seats = Shift.objects.filter(position__in=positions).aggregate(shifts=Count("id"), seats=Sum("headcount"),
                                                                    filled=Sum("accepted_count"))
    served = Attendance.objects.filter(shift__position__in=positions).aggregate(
        present=Count("volunteer_id", distinct=True, filter=Q(outcome=AttendanceOutcome.PRESENT)),
        no_shows=Count("id", filter=Q(outcome=AttendanceOutcome.NO_SHOW)))
    hours = ServiceRecord.objects.filter(attendance__shift__position__in=positions).aggregate(
        hours=Sum("hours"), served=Sum("people_served"))
    cities = sorted(targets, key=city_order)
    labels = _group_labels("city", cities)
    figure = Figure(
        title=_("Event headline figures"),
        desc=_("%(campaign)s: volunteers needed and recruited per host city.") % {"campaign": campaign.display_title},
        row_header=_("City"), categories=[labels[c] for c in cities],
        series=[(_("Needed"), [targets[c] for c in cities]), (_("Recruited"), [people.get(c, 0) for c in cities])])

    def age(born):
        return "—" if born is None else str(
            campaign.starts_on.year - born.year - ((campaign.starts_on.month, campaign.starts_on.day)
                                                   < (born.month, born.day)))

    total_needed = sum(targets.values())
    figure.headline = [
        (_("Venues"), f"{sum(len(v) for v in venues.values()):,}"), (_("Cities"), f"{len(cities):,}"),
        (_("Volunteers needed"), f"{total_needed:,}"),
        (_("Volunteers recruited"), f"{overall['n'] or 0:,} ({_share(overall['n'] or 0, total_needed)})"),
        (_("Shifts"), f"{seats['shifts'] or 0:,}"),
        (_("Seats filled"), f"{seats['filled'] or 0:,} / {seats['seats'] or 0:,}"),
        (_("Volunteers who served"), f"{served['present'] or 0:,}"),
        (_("Service hours"), _hours(hours["hours"] or Decimal("0"))),
        (_("People served"), f"{hours['served'] or 0:,}"),
        (_("No-shows"), f"{served['no_shows'] or 0:,}"),
        (_("Ages (on the first day)"), f"{age(overall['youngest'])}–{age(overall['oldest'])}"),
        (_("Aged 65 and over"), f"{overall['over_65'] or 0:,} ({_share(overall['over_65'] or 0, overall['n'] or 0)})"),
    ]
    return figure
