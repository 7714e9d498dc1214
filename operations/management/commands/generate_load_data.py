"""Generate synthetic load data for benchmarks at the sizes in SPEC.md ("Data scale").

    manage.py generate_load_data --scale city|wmg|all [--factor 1.0] [--seed N] [--replace | --delete]

city: 1,500 units and 3,000 teams under a purpose authority `load-city`, 150,000 volunteers with
      1–2 team memberships each, some language and skill links, and staff users with role grants.
wmg:  70 venues (units spread over the six WMG cities) and 600 service groups (teams) under a purpose
      authority `load-wmg`, 12,000 volunteers, one campaign with a filed service plan, one position per
      venue × group, 20,000 shifts and 60,000 sign-ups (mostly accepted; Shift.accepted_count always
      equals the accepted sign-ups and never exceeds the headcount).

Everything written here can be recognised again, so that `--replace` / `--delete` never touch real data:
- organisations: the subtree of `load-city` / `load-wmg`, hung under the first root competent authority
  (a container root `load-root` is created only when the tree has none);
- volunteers: e-mail addresses at `city.load.invalid` / `wmg.load.invalid` (a reserved top-level domain,
  so nothing can ever be delivered to them);
- staff users: usernames starting with `load-city-` / `load-wmg-`;
- the WMG service plan and campaign: owned by the `load-wmg` node.

Speed: treebeard's add_child costs several queries per node, so the paths are computed here (same
alphabet and step length as OrgNode) and written in bulk. The big tables go through COPY on PostgreSQL
(psycopg 3) and batched bulk_create elsewhere. Deletion uses set-based SQL instead of Django's collector,
which would load every row into memory and write an audit-log entry per row.

Each scale is written in one transaction, including the deletion of the previous load data when
`--replace` is given: the phases of a scale depend on each other (memberships need volunteers, sign-ups
need shifts), so a failure in any phase rolls the whole scale back instead of leaving half of it behind.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, reset_queries, transaction
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from operations.identity import IdType, generate_national_id
from operations.models import (
    CadreRole,
    Campaign,
    CampaignStatus,
    City,
    FilingStatus,
    Language,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    RegistrationType,
    Role,
    RoleGrant,
    ServiceHoursMonth,
    ServicePlan,
    ServiceRecord,
    Sex,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Skill,
    TrainingCertificate,
    UnitCategory,
    UnitHoursMonth,
    UnitMember,
    User,
    Volunteer,
    VolunteerType,
)
from operations.selectors.counting import bump_people_version
from operations.services.hours import hours_rollup_rebuild
from operations.services.kept import bulk_writes, kept_rebuild

from ._load_hours import generate_hours, rollup_triggers_off

# --- Sizes (SPEC.md "Data scale"); every count is multiplied by --factor ------------------------
CITY_COUNTS = {"units": 1_500, "teams": 3_000, "volunteers": 150_000}
WMG_COUNTS = {"venues": 70, "groups": 600, "volunteers": 12_000, "shifts": 20_000, "signups": 60_000}
# Staff users with role grants per level (not scaled, but never more than there are nodes).
STAFF_PER_LEVEL = 50

ROOT_CODE = "load-root"
DEFAULT_SEED = 20250517
CHUNK = 10_000  # model instances per bulk_create call (Django splits further to the backend's limit)


@dataclass(frozen=True)
class ScaleSpec:
    name: str
    code: str  # code of the purpose authority that holds the scale's subtree
    email_domain: str
    username_prefix: str


SCALES = {
    "city": ScaleSpec("city", "load-city", "city.load.invalid", "load-city-"),
    "wmg": ScaleSpec("wmg", "load-wmg", "wmg.load.invalid", "load-wmg-"),
}


@dataclass
class PhaseTiming:
    scale: str
    phase: str
    seconds: float = 0.0
    rows: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Counts:
    """Row counts of what one run wrote, per table."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


def scaled(n: int, factor: float) -> int:
    return max(1, round(n * factor))


# --- Treebeard paths ----------------------------------------------------------------------------
ALPHABET = OrgNode.alphabet
STEPLEN = OrgNode.steplen


def path_step(position: int) -> str:
    """The path segment of the `position`-th child (1-based), as treebeard writes it."""
    if position < 1:
        raise ValueError("positions start at 1")
    base = len(ALPHABET)
    digits = ""
    while position:
        position, rest = divmod(position, base)
        digits = ALPHABET[rest] + digits
    if len(digits) > STEPLEN:
        raise ValueError("too many children for the path step length")
    return digits.rjust(STEPLEN, ALPHABET[0])


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Fast inserts and deletes -------------------------------------------------------------------
class RowWriter:
    """Insert many rows: COPY on PostgreSQL, batched bulk_create on other databases.

    `columns` are attribute names (`volunteer_id`, not `volunteer`); columns that are not given get the
    field's default, and auto_now / auto_now_add fields get the same "now" on both paths. With
    `return_ids` the primary keys are returned in row order.
    """

    def __init__(self, now: dt.datetime):
        self.now = now
        self.postgres = connection.vendor == "postgresql"

    def insert(self, model, columns: Sequence[str], rows: Sequence[tuple], *, return_ids: bool = False):
        if not rows:
            return []
        if self.postgres:
            return self._copy(model, columns, rows, return_ids)
        return self._bulk_create(model, columns, rows, return_ids)

    def _default(self, model_field):
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = self.now
        else:
            value = model_field.get_default()
        return model_field.get_db_prep_save(value, connection)

    def _copy(self, model, columns, rows, return_ids):
        from psycopg import sql

        opts = model._meta
        pk = opts.pk
        by_attname = {f.attname: f for f in opts.concrete_fields}
        unknown = set(columns) - set(by_attname)
        if unknown:
            raise ValueError(f"{opts.label} has no columns {sorted(unknown)}")
        extra = [f for f in opts.concrete_fields if f is not pk and f.attname not in columns]
        extra_values = tuple(self._default(f) for f in extra)
        db_columns = [by_attname[c].column for c in columns] + [f.column for f in extra]
        ids = []
        with connection.cursor() as cursor:
            if return_ids:
                # Take the keys from the table's own sequence, so that concurrent writers never clash.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [opts.db_table, pk.column, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                db_columns.insert(0, pk.column)
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(opts.db_table), sql.SQL(", ").join(map(sql.Identifier, db_columns))
            )
            # cursor.cursor is psycopg's own cursor under Django's wrapper.
            with cursor.cursor.copy(statement) as copy:
                if return_ids:
                    for pk_value, row in zip(ids, rows, strict=True):
                        copy.write_row((pk_value, *row, *extra_values))
                else:
                    for row in rows:
                        copy.write_row((*row, *extra_values))
        return ids

    def _bulk_create(self, model, columns, rows, return_ids):
        ids = []
        manager = model._base_manager
        for chunk in chunked(rows, CHUNK):
            objects = [model(**dict(zip(columns, row, strict=True))) for row in chunk]
            manager.bulk_create(objects)
            if return_ids:
                ids.extend(obj.pk for obj in objects)
                if ids and ids[-1] is None:  # a backend that cannot return keys from a bulk insert
                    raise CommandError(f"{connection.vendor} does not return keys from bulk inserts.")
            if settings.DEBUG:
                reset_queries()  # DEBUG keeps every statement in memory
        return ids


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def raw_delete(queryset, *, _depth: int = 0) -> int:
    """Delete the rows of `queryset` and what depends on them with set-based SQL.

    Follows on_delete like Django's collector (CASCADE deletes, SET_NULL clears, PROTECT / RESTRICT
    refuse when a row points here) but never loads rows and sends no signals, so it takes seconds for
    150,000 volunteers. Rows must be selected by their own columns (not through rows deleted first).
    """
    if _depth > 8:
        raise CommandError("Load data has too deep a chain of dependent rows to delete.")
    model = queryset.model
    if model._meta.parents:
        raise CommandError(f"Cannot bulk-delete {model._meta.label}: it uses multi-table inheritance.")
    queryset = queryset.order_by()
    deleted = 0
    for relation in get_candidate_relations_to_delete(model._meta):
        fk = relation.field
        on_delete = fk.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model._base_manager.filter(
            **{f"{fk.attname}__in": queryset.values(fk.target_field.attname)}
        )
        if on_delete is models.CASCADE:
            deleted += raw_delete(related, _depth=_depth + 1)
        elif on_delete is models.SET_NULL:
            related.update(**{fk.name: None})
        elif related.exists():
            raise CommandError(
                f"Cannot delete the load data: {relation.related_model._meta.verbose_name_plural} that are not "
                f"load data point at {model._meta.verbose_name_plural} in it ({fk.model._meta.label}.{fk.name}). "
                "Delete or move those first."
            )
    select_sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_quote(model._meta.db_table)} WHERE {_quote(model._meta.pk.column)} IN ({select_sql})",
            params,
        )
        deleted += max(cursor.rowcount, 0)
    return deleted


# --- Sample values ------------------------------------------------------------------------------
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴"
GIVEN = "怡婷雅惠淑芬美玲俊宏志明家豪建華冠宇承恩宗翰欣怡佳穎詩涵靜宜品妤子軒柏翰宥廷彥廷思妤心怡文雄國強秀英麗珠"
TAIPEI_DISTRICTS = ["中正區", "大同區", "中山區", "松山區", "大安區", "萬華區", "信義區", "士林區", "北投區", "內湖區",
                    "南港區", "文山區"]
ROADS = ["中山北路", "忠孝東路", "仁愛路", "信義路", "和平東路", "民生東路", "南京東路", "羅斯福路", "承德路", "重慶南路"]
RELATIONS = ["配偶", "父", "母", "子", "女", "兄弟", "姊妹", "朋友"]
WMG_CITIES = [City.TAIPEI, City.NEW_TAIPEI, City.TAOYUAN, City.HSINCHU_CITY, City.HSINCHU_COUNTY, City.YILAN]
WMG_CITY_NAMES = {
    City.TAIPEI: "臺北市", City.NEW_TAIPEI: "新北市", City.TAOYUAN: "桃園市", City.HSINCHU_CITY: "新竹市",
    City.HSINCHU_COUNTY: "新竹縣", City.YILAN: "宜蘭縣",
}
WMG_CITY_WEIGHTS = [34, 26, 4, 2, 2, 2]  # most events are in Taipei and New Taipei
WMG_SPORTS = [
    ("田徑", "Athletics"), ("游泳", "Swimming"), ("籃球", "Basketball"), ("足球", "Football"), ("網球", "Tennis"),
    ("桌球", "Table tennis"), ("羽球", "Badminton"), ("棒球", "Baseball"), ("壘球", "Softball"), ("排球", "Volleyball"),
    ("射箭", "Archery"), ("高爾夫", "Golf"), ("自由車", "Cycling"), ("柔道", "Judo"), ("舉重", "Weightlifting"),
]
WMG_GROUPS = [
    ("競賽服務組", "Competition services"), ("醫護組", "Medical"), ("交通組", "Transport"), ("接待組", "Hospitality"),
    ("語言服務組", "Language services"), ("媒體服務組", "Media services"), ("場地管理組", "Venue operations"),
    ("票務組", "Ticketing"), ("安全組", "Security"), ("行政組", "Administration"),
]
WMG_FIRST_DAY = dt.date(2025, 5, 17)
WMG_DAYS = 14
SHIFT_TEMPLATES = [
    ("早班", dt.time(7, 0), dt.time(11, 0)),
    ("午班", dt.time(11, 0), dt.time(15, 0)),
    ("晚班", dt.time(15, 0), dt.time(19, 0)),
    ("夜班", dt.time(18, 0), dt.time(22, 0)),
]
DEFAULT_LANGUAGES = [
    ("zh", "華語", "Mandarin"), ("nan", "臺語", "Taiwanese"), ("hak", "客語", "Hakka"), ("en", "英語", "English"),
    ("ja", "日語", "Japanese"), ("ko", "韓語", "Korean"), ("vi", "越南語", "Vietnamese"), ("id", "印尼語", "Indonesian"),
]
DEFAULT_SKILLS = [
    ("first-aid", "急救", "First aid"), ("cpr", "心肺復甦術", "CPR"), ("driving", "駕駛", "Driving"),
    ("sign-language", "手語", "Sign language"), ("photography", "攝影", "Photography"), ("it", "資訊", "IT"),
]
UNIT_CATEGORIES = [c for c in UnitCategory.values if c != UnitCategory.OTHER]
UNIT_KINDS = ["服務中心", "協會", "基金會", "醫院", "國民小學", "圖書館", "文化中心", "區公所", "運動中心", "社區發展協會"]

VOLUNTEER_COLUMNS = [
    "id_type", "id_number", "name", "sex", "birth_date", "phone", "email", "city", "district", "address",
    "emergency_contact_name", "emergency_contact_phone", "emergency_contact_relation",
]
NODE_COLUMNS = [
    "path", "depth", "numchild", "kind", "code", "name", "name_en", "category", "registration_type",
    "registration_number", "city", "district", "address", "contact_person", "phone", "email", "description",
    "is_venue", "sports", "sports_en",
]


def _phone(rng: random.Random) -> str:
    return f"09{rng.randrange(10**8):08d}"


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _node_row(path: str, numchild: int, kind: str, code: str, name: str, **profile) -> tuple:
    values = {
        "path": path, "depth": len(path) // STEPLEN, "numchild": numchild, "kind": kind, "code": code,
        "name": name, "name_en": "", "category": "", "registration_type": "", "registration_number": "",
        "city": "", "district": "", "address": "", "contact_person": "", "phone": "", "email": "",
        "description": "", "is_venue": False, "sports": "", "sports_en": "",
    }
    unknown = set(profile) - set(values)
    if unknown:
        raise ValueError(f"unknown node fields {sorted(unknown)}")
    values.update(profile)
    return tuple(values[c] for c in NODE_COLUMNS)


def _spread(rng: random.Random, items: int, bins: int) -> list[int]:
    """How many of `items` go to each of `bins`: at least one each while there are enough, the rest random."""
    if items < bins:
        counts = [0] * bins
        for index in rng.sample(range(bins), items):
            counts[index] = 1
        return counts
    counts = [1] * bins
    for _ in range(items - bins):
        counts[rng.randrange(bins)] += 1
    return counts



def _seat_trigger_names() -> list[str]:
    """The PostgreSQL names of the deferred seat-invariant constraint triggers (django-pgtrigger)."""
    return [trigger.get_pgid(model) for model in (Shift, Signup) for trigger in model._meta.triggers]

class Command(BaseCommand):
    help = "Generate synthetic load data (city and/or WMG scale) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", required=True, choices=["city", "wmg", "all"])
        parser.add_argument("--factor", type=float, default=1.0, help="Multiply every count (e.g. 0.01).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the random generator.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--replace", action="store_true", help="Delete the previous load data of the scale first.")
        group.add_argument("--delete", action="store_true", help="Only delete the load data of the scale.")

    # ------------------------------------------------------------------------------------------
    def handle(self, *args, **options):
        factor = options["factor"]
        if not 0 < factor <= 10:
            raise CommandError("--factor must be greater than 0 and at most 10.")
        self.factor = factor
        self.seed = options["seed"]
        self.timings: list[PhaseTiming] = []
        self.counts = Counts()
        self.now = timezone.now()
        self.writer = RowWriter(self.now)
        specs = [SCALES[name] for name in (["city", "wmg"] if options["scale"] == "all" else [options["scale"]])]

        if not options["replace"] and not options["delete"]:
            found = [f"{spec.name}: {', '.join(what)}" for spec in specs if (what := self._existing(spec))]
            if found:
                raise CommandError(
                    "Load data already exists (" + "; ".join(found) + "). "
                    "Run again with --replace to delete it and generate it anew, or --delete to remove it."
                )

        started = time.perf_counter()
        self.stdout.write(
            f"Generating load data on {connection.vendor} ({connection.settings_dict['NAME']}), "
            f"scale={options['scale']} factor={factor:g} seed={self.seed}"
        )
        owns_transaction = not connection.in_atomic_block
        with disable_auditlog():  # bulk writes send no signals anyway; this covers the few ORM saves
            for spec in specs:
                with transaction.atomic():
                    if owns_transaction and connection.vendor == "postgresql":
                        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked one by one at
                        # COMMIT. Checking them as rows are written makes each phase show its real cost.
                        with connection.cursor() as cursor:
                            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                            # …except the seat-invariant triggers: they check a shift's final state at commit.
                            cursor.execute("SET CONSTRAINTS " + ", ".join(_seat_trigger_names()) + " DEFERRED")
                    bulk_writes()  # the kept report figures are rebuilt once at the end
                    if options["replace"] or options["delete"]:
                        self._delete_scale(spec)
                    if not options["delete"]:
                        getattr(self, f"_generate_{spec.name}")(spec)
                    if connection.vendor == "postgresql":
                        with self._phase(spec.name, "kept report figures") as phase:
                            phase.rows = sum(kept_rebuild().values())
                        if not owns_transaction:
                            self._analyze(spec)
                    commit_started = time.perf_counter()
                if owns_transaction:
                    self._record(PhaseTiming(spec.name, "commit", time.perf_counter() - commit_started))
                    if not options["delete"]:
                        self._analyze(spec)  # after the commit: with VACUUM on PostgreSQL
            transaction.on_commit(bump_people_version)  # cached list counts (COPY sends no signals)
            if options["delete"]:
                with transaction.atomic():
                    self._delete_empty_root()
        total = time.perf_counter() - started
        self._report(total)

    # ------------------------------------------------------------------------------------------
    @contextmanager
    def _phase(self, scale: str, name: str):
        record = PhaseTiming(scale, name)
        start = time.perf_counter()
        yield record
        record.seconds = time.perf_counter() - start
        self._record(record)

    def _record(self, record: PhaseTiming) -> None:
        self.timings.append(record)
        line = f"  {record.scale:<5} {record.phase:<26} {record.seconds:8.2f} s"
        if record.rows:
            line += f" {record.rows:>10,} rows {record.rows_per_second:>10,.0f} rows/s"
        self.stdout.write(line)
        if settings.DEBUG:
            reset_queries()

    def _existing(self, spec: ScaleSpec) -> list[str]:
        what = []
        if OrgNode.objects.filter(code=spec.code).exists():
            what.append(f"organisation {spec.code}")
        if Volunteer.objects.filter(email__endswith="@" + spec.email_domain).exists():
            what.append(f"volunteers @{spec.email_domain}")
        if User.objects.filter(username__startswith=spec.username_prefix).exists():
            what.append(f"users {spec.username_prefix}*")
        return what

    def _root(self) -> OrgNode:
        """The root competent authority the load subtrees hang under; `load-root` only if there is none."""
        roots = OrgNode.get_root_nodes().filter(kind=OrgKind.COMPETENT_AUTHORITY)
        root = roots.exclude(code=ROOT_CODE).first() or roots.filter(code=ROOT_CODE).first()
        if root is None:
            root = OrgNode.add_root(instance=OrgNode(
                kind=OrgKind.COMPETENT_AUTHORITY, code=ROOT_CODE, name="壓力測試主管機關",
                name_en="Load-test competent authority",
            ))
            self.counts.add("organisations", 1)
        return root

    def _add_purpose(self, root: OrgNode, spec: ScaleSpec, name: str, name_en: str) -> OrgNode:
        root = OrgNode.objects.get(pk=root.pk)  # fresh numchild for treebeard
        node = root.add_child(instance=OrgNode(kind=OrgKind.PURPOSE_AUTHORITY, code=spec.code, name=name, name_en=name_en))
        self.counts.add("organisations", 1)
        return node

    def _unique_ids(self, rng: random.Random, sexes: Sequence[str]) -> list[str]:
        """One valid national ID per volunteer, unique among themselves and the database."""
        taken = set(Volunteer.objects.filter(id_type=IdType.NATIONAL_ID).values_list("id_number", flat=True))
        numbers = []
        for sex in sexes:
            while True:
                number = generate_national_id(rng, sex=sex if sex in (Sex.MALE, Sex.FEMALE) else None)
                if number not in taken:
                    taken.add(number)
                    numbers.append(number)
                    break
        return numbers

    def _volunteer_rows(self, rng, spec: ScaleSpec, count: int, *, cities, born: tuple[int, int, int]):
        sexes = [Sex.OTHER if rng.random() < 0.01 else rng.choice((Sex.MALE, Sex.FEMALE, Sex.FEMALE)) for _ in range(count)]
        numbers = self._unique_ids(rng, sexes)
        first_year, last_year, mode = born
        rows = []
        for index, (sex, number) in enumerate(zip(sexes, numbers, strict=True)):
            year = int(rng.triangular(first_year, last_year, mode))
            city = cities(rng)
            if city == City.TAIPEI:
                district = rng.choice(TAIPEI_DISTRICTS)
                address = f"臺北市{district}{rng.choice(ROADS)}{rng.randint(1, 400)}號"
            else:
                district, address = "", f"{WMG_CITY_NAMES.get(city, '')}{rng.choice(ROADS)}{rng.randint(1, 400)}號"
            rows.append((
                IdType.NATIONAL_ID, number, _person_name(rng), sex,
                dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)), _phone(rng),
                f"v{index + 1:06d}@{spec.email_domain}", city, district, address,
                _person_name(rng), _phone(rng), rng.choice(RELATIONS),
            ))
        return rows

    def _staff(self, spec: ScaleSpec, grants: list[tuple[str, str, int]]) -> tuple[int, int]:
        """Create users (username, role, node id) with one grant each."""
        user_rows = [
            (username, make_password(None), f"{spec.name.upper()} {role}", False, True, False, "zh-hant")
            for username, role, _node in grants
        ]
        user_ids = self.writer.insert(
            User, ["username", "password", "display_name", "is_staff", "is_active", "is_superuser", "preferred_language"],
            user_rows, return_ids=True,
        )
        grant_rows = [(uid, node, role) for uid, (_u, role, node) in zip(user_ids, grants, strict=True)]
        self.writer.insert(RoleGrant, ["user_id", "node_id", "role"], grant_rows)
        self.counts.add("users", len(user_rows))
        self.counts.add("role grants", len(grant_rows))
        return len(user_rows), len(grant_rows)

    # --- city ---------------------------------------------------------------------------------
    def _generate_city(self, spec: ScaleSpec) -> None:
        rng = random.Random(self.seed)
        n_units = scaled(CITY_COUNTS["units"], self.factor)
        n_teams = scaled(CITY_COUNTS["teams"], self.factor)
        n_volunteers = scaled(CITY_COUNTS["volunteers"], self.factor)

        with self._phase("city", "organisation tree") as phase:
            purpose = self._add_purpose(self._root(), spec, "壓力測試：臺北市志願服務", "Load test: Taipei City")
            teams_per_unit = _spread(rng, n_teams, n_units)
            unit_rows, unit_names = [], []
            for index in range(n_units):
                category = rng.choice(UNIT_CATEGORIES)
                registration = rng.choice(list(RegistrationType.values))
                district = rng.choice(TAIPEI_DISTRICTS)
                name = f"臺北市{district}{rng.choice(UNIT_KINDS)}{index + 1:04d}"
                unit_names.append(name)
                unit_rows.append(_node_row(
                    purpose.path + path_step(index + 1), teams_per_unit[index], OrgKind.UNIT,
                    f"load-city-u{index + 1:05d}", name, name_en=f"Load unit {index + 1:04d}", category=category,
                    registration_type=registration,
                    registration_number=(
                        f"北市志字第{rng.randrange(10**7):07d}號"
                        if registration in (RegistrationType.REGISTERED, RegistrationType.CORPORATION) else ""
                    ),
                    city=City.TAIPEI, district=district,
                    address=f"臺北市{district}{rng.choice(ROADS)}{rng.randint(1, 400)}號",
                    contact_person=_person_name(rng), phone=f"02-{rng.randrange(10**8):08d}",
                    email=f"unit{index + 1:05d}@{spec.email_domain}",
                ))
            unit_ids = self.writer.insert(OrgNode, NODE_COLUMNS, unit_rows, return_ids=True)
            team_rows, team_unit = [], []
            for unit_index, count in enumerate(teams_per_unit):
                unit_path = unit_rows[unit_index][0]
                for position in range(1, count + 1):
                    number = len(team_rows) + 1
                    team_rows.append(_node_row(
                        unit_path + path_step(position), 0, OrgKind.TEAM, f"load-city-t{number:05d}",
                        f"{unit_names[unit_index]}第{position}志工隊", name_en=f"Load team {number:05d}",
                        city=City.TAIPEI,
                    ))
                    team_unit.append(unit_index)
            team_ids = self.writer.insert(OrgNode, NODE_COLUMNS, team_rows, return_ids=True)
            OrgNode.objects.filter(pk=purpose.pk).update(numchild=n_units)
            phase.rows = 1 + n_units + n_teams
            self.counts.add("organisations", n_units + n_teams)

        with self._phase("city", "staff users and grants") as phase:
            grants = [(f"{spec.username_prefix}officer", Role.AUTHORITY_OFFICER, purpose.pk)]
            grants += [(f"{spec.username_prefix}unit-{i + 1:05d}", Role.UNIT_ADMIN, unit_ids[i])
                       for i in range(min(STAFF_PER_LEVEL, n_units))]
            grants += [(f"{spec.username_prefix}team-{i + 1:05d}", Role.TEAM_LEADER, team_ids[i])
                       for i in range(min(STAFF_PER_LEVEL, n_teams))]
            phase.rows = sum(self._staff(spec, grants))

        with self._phase("city", "volunteers") as phase:
            rows = self._volunteer_rows(
                rng, spec, n_volunteers,
                cities=lambda r: City.TAIPEI if r.random() < 0.85 else r.choice(WMG_CITIES[1:]),
                born=(1940, 2008, 1962),
            )
            volunteer_ids = self.writer.insert(Volunteer, VOLUNTEER_COLUMNS, rows, return_ids=True)
            phase.rows = len(volunteer_ids)
            self.counts.add("volunteers", len(volunteer_ids))

        with self._phase("city", "memberships") as phase:
            rows = []
            captains = set()
            today = timezone.localdate()
            first, last = dt.date(2019, 1, 1), min(dt.date(2025, 6, 30), today)
            for volunteer_id in volunteer_ids:
                k = 2 if n_teams > 1 and rng.random() < 0.3 else 1
                for team_index in rng.sample(range(n_teams), k):
                    joined = _date_between(rng, first, last)
                    left = None
                    if rng.random() < 0.05:  # a few have left again (never in the future)
                        left = max(joined, min(today, joined + dt.timedelta(days=rng.randrange(30, 900))))
                    role = CadreRole.MEMBER
                    if team_index not in captains and left is None:
                        captains.add(team_index)
                        role = CadreRole.CAPTAIN
                    rows.append((volunteer_id, team_ids[team_index], role, joined, left,
                                 "遷居" if left else ""))
            self.writer.insert(
                Membership, ["volunteer_id", "team_id", "cadre_role", "joined_on", "left_on", "leave_reason"], rows
            )
            phase.rows = len(rows)
            self.counts.add("memberships", len(rows))
            team_place = {team_ids[i]: (unit_ids[u], unit_rows[u][NODE_COLUMNS.index("category")])
                          for i, u in enumerate(team_unit)}
            volunteer_units: dict[int, list[tuple[int, str]]] = {}
            for row in rows:
                volunteer_units.setdefault(row[0], []).append(team_place[row[1]])

        with self._phase("city", "languages and skills") as phase:
            language_ids = self._code_table(Language, DEFAULT_LANGUAGES, "languages")
            skill_ids = self._code_table(Skill, DEFAULT_SKILLS, "skills")
            language_rows, skill_rows = [], []
            for volunteer_id in volunteer_ids:
                if rng.random() < 0.35:
                    for language_id in rng.sample(language_ids, min(len(language_ids), rng.choice((1, 1, 2)))):
                        language_rows.append((volunteer_id, language_id))
                if rng.random() < 0.25:
                    for skill_id in rng.sample(skill_ids, min(len(skill_ids), rng.choice((1, 1, 2)))):
                        skill_rows.append((volunteer_id, skill_id))
            self.writer.insert(Volunteer.languages.through, ["volunteer_id", "language_id"], language_rows)
            self.writer.insert(Volunteer.skills.through, ["volunteer_id", "skill_id"], skill_rows)
            phase.rows = len(language_rows) + len(skill_rows)
            self.counts.add("volunteer languages", len(language_rows))
            self.counts.add("volunteer skills", len(skill_rows))

        # service hours and training certificates (module 7): 2,000,000 records, see _load_hours
        generate_hours(self, rng=random.Random(self.seed + 7), factor=self.factor, volunteer_units=volunteer_units,
                       scaled=scaled)

    def _code_table(self, model, defaults, label: str) -> list[int]:
        """The ids of a code table (languages, skills), filling it with a default set when it is empty."""
        if not model.objects.exists():
            model.objects.bulk_create(
                [model(code=code, name=name, name_en=name_en, order=(i + 1) * 10)
                 for i, (code, name, name_en) in enumerate(defaults)]
            )
            self.counts.add(label, len(defaults))
        return list(model.objects.order_by("order", "code").values_list("pk", flat=True))

    # --- WMG ----------------------------------------------------------------------------------
    def _generate_wmg(self, spec: ScaleSpec) -> None:
        rng = random.Random(self.seed + 1)
        n_venues = scaled(WMG_COUNTS["venues"], self.factor)
        n_groups = scaled(WMG_COUNTS["groups"], self.factor)
        n_volunteers = scaled(WMG_COUNTS["volunteers"], self.factor)
        n_shifts = scaled(WMG_COUNTS["shifts"], self.factor)
        n_signups = scaled(WMG_COUNTS["signups"], self.factor)

        with self._phase("wmg", "organisation tree") as phase:
            purpose = self._add_purpose(
                self._root(), spec, "壓力測試：2025雙北世界壯年運動會", "Load test: 2025 World Masters Games"
            )
            # Every city gets a venue while there are enough, the rest follow where the events are.
            cities = WMG_CITIES[:n_venues] + rng.choices(WMG_CITIES, WMG_CITY_WEIGHTS, k=max(0, n_venues - 6))
            groups_per_venue = _spread(rng, n_groups, n_venues)
            venue_rows, venue_names = [], []
            for index, city in enumerate(cities):
                sports = rng.sample(WMG_SPORTS, rng.randint(1, 3))
                name = f"{WMG_CITY_NAMES[city]}第{index + 1:02d}競賽場館"
                venue_names.append(name)
                venue_rows.append(_node_row(
                    purpose.path + path_step(index + 1), groups_per_venue[index], OrgKind.UNIT,
                    f"load-wmg-v{index + 1:03d}", name, name_en=f"Load venue {index + 1:02d}",
                    category=UnitCategory.SPORTS, registration_type=RegistrationType.AGENCY, city=city,
                    address=f"{WMG_CITY_NAMES[city]}{rng.choice(ROADS)}{rng.randint(1, 400)}號",
                    contact_person=_person_name(rng), phone=f"02-{rng.randrange(10**8):08d}",
                    email=f"venue{index + 1:03d}@{spec.email_domain}", is_venue=True,
                    sports="、".join(s[0] for s in sports), sports_en=", ".join(s[1] for s in sports),
                ))
            venue_ids = self.writer.insert(OrgNode, NODE_COLUMNS, venue_rows, return_ids=True)
            group_rows, group_venue, group_titles = [], [], []
            for venue_index, count in enumerate(groups_per_venue):
                for position in range(1, count + 1):
                    number = len(group_rows) + 1
                    title, title_en = WMG_GROUPS[(position - 1) % len(WMG_GROUPS)]
                    name = f"{venue_names[venue_index]}{title}"
                    if position > len(WMG_GROUPS):
                        name += f"{position // len(WMG_GROUPS) + 1}"
                    group_rows.append(_node_row(
                        venue_rows[venue_index][0] + path_step(position), 0, OrgKind.TEAM,
                        f"load-wmg-g{number:05d}", name, name_en=f"Load venue {venue_index + 1:02d} {title_en}",
                        city=cities[venue_index],
                    ))
                    group_venue.append(venue_index)
                    group_titles.append((name, f"Load venue {venue_index + 1:02d} {title_en}"))
            group_ids = self.writer.insert(OrgNode, NODE_COLUMNS, group_rows, return_ids=True)
            OrgNode.objects.filter(pk=purpose.pk).update(numchild=n_venues)
            phase.rows = 1 + n_venues + n_groups
            self.counts.add("organisations", n_venues + n_groups)

        with self._phase("wmg", "staff users and grants") as phase:
            grants = [(f"{spec.username_prefix}officer", Role.AUTHORITY_OFFICER, purpose.pk)]
            grants += [(f"{spec.username_prefix}venue-{i + 1:03d}", Role.UNIT_ADMIN, venue_ids[i])
                       for i in range(n_venues)]
            grants += [(f"{spec.username_prefix}group-{i + 1:05d}", Role.TEAM_LEADER, group_ids[i])
                       for i in range(min(STAFF_PER_LEVEL, n_groups))]
            phase.rows = sum(self._staff(spec, grants))

        with self._phase("wmg", "volunteers") as phase:
            rows = self._volunteer_rows(
                rng, spec, n_volunteers, cities=lambda r: r.choices(WMG_CITIES, WMG_CITY_WEIGHTS)[0],
                born=(1955, 2006, 1995),  # adults on the first day (no guardian consents needed)
            )
            volunteer_ids = self.writer.insert(Volunteer, VOLUNTEER_COLUMNS, rows, return_ids=True)
            phase.rows = len(volunteer_ids)
            self.counts.add("volunteers", len(volunteer_ids))

        with self._phase("wmg", "memberships") as phase:
            rows = [
                (volunteer_id, group_ids[rng.randrange(n_groups)], CadreRole.MEMBER,
                 _date_between(rng, dt.date(2025, 1, 1), dt.date(2025, 4, 30)))
                for volunteer_id in volunteer_ids
            ]
            self.writer.insert(Membership, ["volunteer_id", "team_id", "cadre_role", "joined_on"], rows)
            phase.rows = len(rows)
            self.counts.add("memberships", len(rows))

        with self._phase("wmg", "plan, campaign, positions") as phase:
            plan = ServicePlan.objects.create(
                unit=purpose, purpose_authority=purpose, title="2025雙北世界壯年運動會志願服務計畫（壓力測試）",
                starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 6, 30),
                recruitment="公開招募", training="基礎及特殊訓練", management="分組管理", deployment="依場館分派",
                guidance="督導", evaluation="服務評量", service_items="賽會志願服務",
                filing_status=FilingStatus.FILED, filing_reference="LOAD-WMG-2025", filed_on=dt.date(2025, 2, 1),
            )
            tz = timezone.get_current_timezone()
            campaign = Campaign.objects.create(
                unit=purpose, service_plan=plan, code="load-wmg-2025", title="2025雙北世界壯年運動會賽會志工（壓力測試）",
                title_en="2025 World Masters Games volunteers (load test)", volunteer_type=VolunteerType.VENUE,
                signup_mode=SignupMode.INSTANT, status=CampaignStatus.OPEN, starts_on=WMG_FIRST_DAY,
                ends_on=WMG_FIRST_DAY + dt.timedelta(days=WMG_DAYS - 1),
                signup_opens_at=dt.datetime(2025, 3, 1, 10, 0, tzinfo=tz),
                signup_closes_at=dt.datetime(2025, 4, 30, 23, 59, tzinfo=tz), min_age=16,
            )
            position_rows = [
                (campaign.pk, venue_ids[group_venue[i]], group_ids[i], title, title_en)
                for i, (title, title_en) in enumerate(group_titles)
            ]
            position_ids = self.writer.insert(
                Position, ["campaign_id", "venue_id", "team_id", "title", "title_en"], position_rows, return_ids=True
            )
            language_ids = self._code_table(Language, DEFAULT_LANGUAGES, "languages")
            language_rows = [(pid, rng.choice(language_ids)) for pid in position_ids if rng.random() < 0.1]
            self.writer.insert(Position.required_languages.through, ["position_id", "language_id"], language_rows)
            phase.rows = 2 + len(position_ids) + len(language_rows)
            self.counts.add("service plans", 1)
            self.counts.add("campaigns", 1)
            self.counts.add("positions", len(position_ids))

        # Plan every shift and sign-up first, so that accepted_count is written with the shift.
        slots = [(WMG_FIRST_DAY + dt.timedelta(days=d), t) for d in range(WMG_DAYS) for t in SHIFT_TEMPLATES]
        per_position = [min(c, len(slots)) for c in _spread(rng, n_shifts, len(position_ids))]
        shift_plan = []  # (position index, date, template, headcount)
        for position_index, count in enumerate(per_position):
            for day, template in sorted(rng.sample(slots, count), key=lambda s: (s[0], s[1][1])):
                shift_plan.append((position_index, day, template, rng.randint(2, 8)))
        signup_plan, accepted = self._plan_signups(rng, shift_plan, n_signups, len(volunteer_ids))

        with self._phase("wmg", "shifts") as phase:
            rows = [
                (position_ids[p], day, start, end, name, headcount, accepted[i])
                for i, (p, day, (name, start, end), headcount) in enumerate(shift_plan)
            ]
            shift_ids = self.writer.insert(
                Shift, ["position_id", "date", "start_time", "end_time", "name", "headcount", "accepted_count"],
                rows, return_ids=True,
            )
            phase.rows = len(shift_ids)
            self.counts.add("shifts", len(shift_ids))

        with self._phase("wmg", "sign-ups") as phase:
            rows = [
                (volunteer_ids[v], shift_ids[s], status,
                 self.now if status not in (SignupStatus.APPLIED, SignupStatus.CANCELLED) else None,
                 self.now if status == SignupStatus.CANCELLED else None)
                for s, v, status in signup_plan
            ]
            self.writer.insert(Signup, ["volunteer_id", "shift_id", "status", "decided_at", "cancelled_at"], rows)
            phase.rows = len(rows)
            self.counts.add("sign-ups", len(rows))

    @staticmethod
    def _plan_signups(rng, shift_plan, n_signups: int, n_volunteers: int):
        """(shift index, volunteer index, status) per sign-up and the accepted count per shift."""
        n_shifts = len(shift_plan)
        # A shift takes a few more sign-ups than seats (the rest wait), never more than there are people.
        caps = [min(n_volunteers, headcount + 2) for (_p, _d, _t, headcount) in shift_plan]
        n_signups = min(n_signups, sum(caps))
        per_shift = [0] * n_shifts
        open_shifts = None
        for _ in range(n_signups):
            for _attempt in range(20):
                s = rng.randrange(n_shifts)
                if per_shift[s] < caps[s]:
                    break
            else:  # nearly full: pick among the shifts that still have room
                open_shifts = [i for i in range(n_shifts) if per_shift[i] < caps[i]]
                s = rng.choice(open_shifts)
            per_shift[s] += 1
        plan, accepted = [], [0] * n_shifts
        for s, count in enumerate(per_shift):
            headcount = shift_plan[s][3]
            for volunteer in rng.sample(range(n_volunteers), count):
                r = rng.random()
                if r < 0.03:
                    status = SignupStatus.CANCELLED
                elif r < 0.05:
                    status = SignupStatus.REJECTED
                elif r < 0.10:
                    status = SignupStatus.APPLIED
                elif accepted[s] < headcount:
                    status = SignupStatus.ACCEPTED
                    accepted[s] += 1
                else:
                    status = SignupStatus.WAITLISTED
                plan.append((s, volunteer, status))
        return plan, accepted

    # --- statistics, deletion, report ----------------------------------------------------------
    def _analyze(self, spec: ScaleSpec) -> None:
        """Refresh the planner statistics of the tables just filled (COPY does not), and on PostgreSQL their
        visibility maps too (VACUUM, as autovacuum would shortly after a real load), so that index-only
        scans need no heap visits. VACUUM cannot run inside a transaction: then only ANALYZE."""
        tables = [OrgNode, User, RoleGrant, Volunteer, Membership, UnitMember, UnitHoursMonth]
        if spec.name == "city":
            tables += [Volunteer.languages.through, Volunteer.skills.through, ServiceRecord, ServiceHoursMonth,
                       TrainingCertificate]
        else:
            tables += [Position, Shift, Signup]
        with self._phase(spec.name, "analyze") as phase, connection.cursor() as cursor:
            for model in tables:
                vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
                cursor.execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {_quote(model._meta.db_table)}")
            phase.rows = 0

    def _delete_scale(self, spec: ScaleSpec) -> None:
        if connection.vendor == "postgresql":  # the kept report figures go first (rebuilt at the end of the scale)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {_quote(UnitMember._meta.db_table)}")
                cursor.execute(f"DELETE FROM {_quote(UnitHoursMonth._meta.db_table)}")
        if spec.name != "city":  # the few service records of other scales keep the roll-up through its triggers
            with self._phase(spec.name, "delete previous") as phase:
                phase.rows = self._delete_scale_rows(spec)
            return
        # the city's 2,000,000 service records go with its volunteers: without the roll-up's row triggers, and the
        # roll-up rebuilt from what is left after (PostgreSQL; see _load_hours)
        with self._phase(spec.name, "delete previous") as phase, rollup_triggers_off():
            if connection.vendor == "postgresql":  # emptied first: its rows must not outlive their volunteers
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {_quote(ServiceHoursMonth._meta.db_table)}")
            phase.rows = self._delete_scale_rows(spec)
        if connection.vendor == "postgresql":
            with self._phase(spec.name, "hours roll-up after the deletion") as phase:
                phase.rows = hours_rollup_rebuild()

    def _delete_scale_rows(self, spec: ScaleSpec) -> int:
        deleted = 0
        node = OrgNode.objects.filter(code=spec.code).first()
        subtree = OrgNode.objects.filter(path__startswith=node.path) if node else None
        if node:
            deleted += raw_delete(Campaign.objects.filter(unit__path__startswith=node.path))
            deleted += raw_delete(ServicePlan.objects.filter(unit__path__startswith=node.path))
            deleted += raw_delete(ServicePlan.objects.filter(purpose_authority__path__startswith=node.path))
        deleted += raw_delete(Volunteer.objects.filter(email__endswith="@" + spec.email_domain))
        if node:
            deleted += raw_delete(Membership.objects.filter(team__path__startswith=node.path))
        deleted += raw_delete(User.objects.filter(username__startswith=spec.username_prefix))
        if node:
            parent = node.get_parent()
            deleted += raw_delete(subtree)
            if parent is not None:
                OrgNode.objects.filter(pk=parent.pk).update(numchild=parent.get_children().count())
        return deleted

    def _delete_empty_root(self) -> None:
        root = OrgNode.objects.filter(code=ROOT_CODE, depth=1).first()
        if root is not None and not root.get_children().exists():
            raw_delete(OrgNode.objects.filter(pk=root.pk))

    def _report(self, total: float) -> None:
        self.stdout.write(f"Total {total:.2f} s")
        if self.counts.rows:
            self.stdout.write("Rows written:")
            for table, n in self.counts.rows.items():
                self.stdout.write(f"  {table:<22} {n:>10,}")
        self.total_seconds = total
