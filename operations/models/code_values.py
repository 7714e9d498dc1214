"""The labels and choices of the service categories, cities and districts (the code tables of `models.codes`), for
every layer: the model fields' `choices` (callables, read when used), forms, lists, exports, statistics and PDFs.

One copy per process, read again when the tables' version (`volunteer_site.cache_versions`) has changed, which a
save or delete of a value bumps; the version is asked at most every `LOCAL_SECONDS`. When a table is empty (or
not migrated yet) the former constants (`UnitCategory`, `City`) answer."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import pgtrigger
from django.core.cache import cache
from django.db import DatabaseError
from django.utils.translation import get_language
from volunteer_site.cache_versions import bump_version, current_version

CODE_TABLES_VERSION_KEY = "operations:code-tables-version"
# A process reads the tables' version at most this often; a change made by this process is seen at once.
LOCAL_SECONDS = 2.0

@dataclass(frozen=True)
class CodeRow:
    code: str
    name: str
    name_en: str
    order: int
    is_active: bool
    hosting: bool = False
    city: str = ""  # districts: the city's code

    @property
    def label(self) -> str:
        return (self.name_en or self.name) if (get_language() or "").startswith("en") else self.name


_state: dict = {"checked": 0.0, "version": None, "tables": None}


def _constants(table: str) -> dict[str, CodeRow]:
    from django.utils import translation

    from .geo import City
    from .organisations import UnitCategory

    enum = UnitCategory if table == "categories" else City
    rows = {}
    for order, member in enumerate(enum):
        with translation.override("zh-hant"):
            name = str(member.label)
        with translation.override("en"):
            name_en = str(member.label)
        rows[member.value] = CodeRow(member.value, name, name_en, order * 10, True,
                                     member.value in ("taipei", "new_taipei"))
    return rows


def _load() -> dict[str, dict[str, CodeRow]] | None:
    """Both tables in one query."""
    from django.apps import apps
    from django.db.models import BooleanField, CharField, F, Value

    categories = (apps.get_model("operations", "ServiceCategory")._base_manager
                  .annotate(table=Value("categories", output_field=CharField()),
                            is_host=Value(False, output_field=BooleanField()))
                  .values_list("table", "code", "name", "name_en", "order", "is_active", "is_host").order_by())
    cities = (apps.get_model("operations", "CityArea")._base_manager
              .annotate(table=Value("cities", output_field=CharField()), is_host=F("hosting"))
              .values_list("table", "code", "name", "name_en", "order", "is_active", "is_host").order_by())
    try:
        rows = sorted(categories.union(cities, all=True), key=lambda r: (r[0], r[4], r[1]))
    except DatabaseError:  # the table does not exist yet (checks before `migrate`): not kept
        return None
    except RuntimeError:  # no database access here (a form class made at import under pytest): not kept
        return None
    tables: dict[str, dict[str, CodeRow]] = {"categories": {}, "cities": {}}
    for table, *values in rows:
        tables[table][values[0]] = CodeRow(*values)
    tables = {table: rows or _constants(table) for table, rows in tables.items()}
    tables["districts"] = _load_districts(tables["cities"])
    return tables


def _load_districts(cities: dict[str, CodeRow]) -> dict:
    """{city code: {Chinese name: row}}, the cities in their order and each city's districts in theirs (the
    `district` columns hold the Chinese name)."""
    from django.apps import apps

    try:
        rows = list(apps.get_model("operations", "District")._base_manager.order_by()
                    .values_list("code", "name", "name_en", "order", "is_active", "city"))
    except (DatabaseError, RuntimeError, LookupError):  # not migrated yet, or no database access here
        return {}
    city_order = {code: i for i, code in enumerate(cities)}
    rows.sort(key=lambda r: (city_order.get(r[5], len(city_order)), r[5], r[3], r[0]))
    districts: dict[str, dict[str, CodeRow]] = {}
    for code, name, name_en, order, is_active, city in rows:
        districts.setdefault(city, {})[name] = CodeRow(code, name, name_en, order, is_active, city=city)
    return districts


def _version() -> int:
    """The tables' version; when the cache has lost it (emptied), this process's copy stands for it again rather
    than every process reading the tables anew."""
    version = cache.get(CODE_TABLES_VERSION_KEY)
    if version is None:
        if _state["version"] is not None:
            cache.add(CODE_TABLES_VERSION_KEY, _state["version"], None)
        return current_version(CODE_TABLES_VERSION_KEY)
    return version


def _tables() -> dict[str, dict[str, CodeRow]]:
    now = time.monotonic()
    if _state["tables"] is not None and now - _state["checked"] < LOCAL_SECONDS:
        return _state["tables"]
    version = _version()
    if _state["tables"] is None or version != _state["version"]:
        tables = _load()
        if tables is None:
            return {"categories": _constants("categories"), "cities": _constants("cities"), "districts": {}}
        _state["tables"] = tables
        _state["version"] = version
    _state["checked"] = now
    return _state["tables"]


def code_tables_changed(**kwargs) -> None:
    """Every process drops its copy (the version) and this one at once."""
    bump_version(CODE_TABLES_VERSION_KEY)
    _state["tables"] = None



def _choices(table: str, active_only: bool, keep) -> list[tuple[str, str]]:
    keep = {keep} if isinstance(keep, str) else set(keep or ())
    return [(row.code, row.label) for row in _tables()[table].values()
            if row.is_active or not active_only or row.code in keep]


def _label(table: str, code: str | None) -> str:
    if not code:
        return ""
    row = _tables()[table].get(code)
    return row.label if row else str(code)


# Service categories ------------------------------------------------------------------------------------------

def service_category_label(code: str | None) -> str:
    """The category's name in the current language ("" for none; the code itself if unknown)."""
    return _label("categories", code)


def service_category_choices(active_only: bool = False, keep=()) -> list[tuple[str, str]]:
    """(code, name) in the table's order: every value (the model fields: a retired value stays valid where it is
    used), or with `active_only` the values a form offers, plus `keep` (the value an edited object has)."""
    return _choices("categories", active_only, keep)


def offered_service_category_choices() -> list[tuple[str, str]]:
    """The active categories: `choices=` of a form field (a callable, so read when the form is shown)."""
    return service_category_choices(active_only=True)


def offered_service_category_choices_blank() -> list[tuple[str, str]]:
    return [("", "—"), *offered_service_category_choices()]


def service_category_codes() -> set[str]:
    return set(_tables()["categories"])


# Cities ----------------------------------------------------------------------------------------------------

def city_label(code: str | None) -> str:
    return _label("cities", code)


def city_choices(active_only: bool = False, keep=()) -> list[tuple[str, str]]:
    return _choices("cities", active_only, keep)


def offered_city_choices() -> list[tuple[str, str]]:
    return city_choices(active_only=True)


def offered_city_choices_blank() -> list[tuple[str, str]]:
    return [("", "—"), *offered_city_choices()]


def host_cities() -> tuple[str, ...]:
    """The cities hosting WMG events (the `hosting` flag), in the table's order."""
    return tuple(row.code for row in _tables()["cities"].values() if row.hosting)


# Districts -------------------------------------------------------------------------------------------------
# The `district` columns hold the district's Chinese name; a city with no districts in the table keeps free text.

def district_cities() -> set[str]:
    """The codes of the cities that have districts in the table (their `district` must be one of them)."""
    return {city for city, rows in _tables()["districts"].items() if rows}


def district_row(city: str | None, district: str | None) -> CodeRow | None:
    """The table's row of `district` (a Chinese name) in `city`, retired or not; None when it is not there."""
    if not city or not district:
        return None
    return _tables()["districts"].get(city, {}).get(district)


def district_label(city: str | None, district: str | None) -> str:
    """The district in the current language: the table's English name on English pages, else as stored."""
    row = district_row(city, district)
    return row.label if row else (district or "")


def district_name_en(city: str | None, district: str | None) -> str:
    """The table's English name of the district ("" when it is not in the table)."""
    row = district_row(city, district)
    return row.name_en if row else ""


def district_choices(active_only: bool = True, keep=()) -> list:
    """The districts grouped by city, for a <select> with an <optgroup> per city (labels in the current
    language): [(city label, [(Chinese name, label), …]), …]. Retired districts are left out unless in `keep`
    ((city, Chinese name) pairs: the value an edited record already holds)."""
    keep = set(keep or ())
    groups = []
    for city, rows in _tables()["districts"].items():
        options = [(row.name, row.label) for row in rows.values()
                   if row.is_active or not active_only or (city, row.name) in keep]
        if options:
            groups.append((_label("cities", city), options))
    return groups


def district_problem(city: str | None, district: str | None, keep=()) -> str | None:
    """Why `district` cannot go with `city` (None when it can): a city with districts in the table takes one of
    its offered districts (or the one the record already holds, `keep`); any other city keeps free text."""
    from django.utils.translation import gettext

    if not district or city not in district_cities():
        return None
    row = district_row(city, district)
    if row is None:
        return gettext("Choose a district of %(city)s.") % {"city": _label("cities", city)}
    if not row.is_active and (city, district) not in set(keep or ()):
        return gettext("This district is no longer offered; choose another district of %(city)s.") % {
            "city": _label("cities", city)}
    return None


class WithDistrict:
    """A model with a `city` and a `district` column (volunteers, unit applications): the district in the page's
    language, and `clean()` keeping it to its city's districts. Put it before `models.Model` in the bases."""

    @property
    def display_district(self) -> str:
        """The district in the page's language (the table's English name on English pages)."""
        return district_label(self.city, self.district)

    def clean(self):
        super().clean()
        check_district(self)


def check_district(row) -> None:
    """A model's `clean()`: the row's district is one of its city's when the city has districts in the table (a
    retired one included: the row may hold it); the forms also refuse a retired district a row did not hold."""
    from django.core.exceptions import ValidationError

    problem = district_problem(row.city, row.district, keep={(row.city, row.district)})
    if problem:
        raise ValidationError({"district": problem})


DISTRICT_CHECK_SQL = """
    IF NEW.district <> '' AND EXISTS (SELECT 1 FROM operations_district WHERE city = NEW.city) THEN
        -- the key-share lock keeps the district from being deleted (or renamed) until this transaction ends
        PERFORM 1 FROM operations_district WHERE city = NEW.city AND name = NEW.district FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'district "%" is not a district of city "%"', NEW.district, NEW.city
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NEW;
"""


@contextmanager
def code_value_kept():
    """Around the save of a row with a city, a district or a service category (in a savepoint of its own): when a
    code table's trigger refuses it (the value was deleted by someone else after the form was checked), the form is
    told on that field instead of a server error."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils.translation import gettext as _

    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", "") != "23503":
            raise
        # the district trigger names no column; the city and category triggers do (`code_triggers`)
        column = "district" if "is not a district of city" in str(exc) else getattr(
            getattr(cause, "diag", None), "column_name", None)
        again = {"district": _("Choose the district again."), "city": _("Choose the city again."),
                 "category": _("Choose the service category again.")}
        if column not in again:
            raise
        raise ValidationError({column: again[column]}) from exc


def code_triggers(prefix: str, column: str, table: str) -> list[pgtrigger.Trigger]:
    """PostgreSQL triggers of a text column holding a code of a code table (a city, a service category): on insert,
    and on an update that changes it, a non-empty value takes `FOR KEY SHARE` on its row of the table, so that the
    value is not deleted until this transaction ends (the delete locks the row and counts the uses after the lock),
    or is refused when the table does not hold it. An empty table (before its data migration, or emptied by a
    test) refuses nothing: the constants answer then (see the module docstring)."""
    check = f"""
    IF NEW.{column} <> '' AND EXISTS (SELECT 1 FROM {table}) THEN
        PERFORM 1 FROM {table} WHERE code = NEW.{column} FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION '"%" is not a value of the code table {table}', NEW.{column}
                USING ERRCODE = 'foreign_key_violation', COLUMN = '{column}';
        END IF;
    END IF;
    RETURN NEW;
"""
    return [
        pgtrigger.Trigger(name=f"{prefix}_{column}_ins", when=pgtrigger.Before, operation=pgtrigger.Insert,
                          func=check),
        pgtrigger.Trigger(name=f"{prefix}_{column}_upd", when=pgtrigger.Before, operation=pgtrigger.Update,
                          condition=pgtrigger.Q(**{f"old__{column}__df": pgtrigger.F(f"new__{column}")}), func=check),
    ]


def city_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    return code_triggers(prefix, "city", "operations_cityarea")


def category_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    return code_triggers(prefix, "category", "operations_servicecategory")


def district_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    """PostgreSQL triggers of a table with `city` and `district` columns: a district is one of its city's in the
    table when the city has districts there (on insert, and on an update that changes either column)."""
    return [
        pgtrigger.Trigger(name=f"{prefix}_district_ins", when=pgtrigger.Before, operation=pgtrigger.Insert,
                          func=DISTRICT_CHECK_SQL),
        pgtrigger.Trigger(name=f"{prefix}_district_upd", when=pgtrigger.Before, operation=pgtrigger.Update,
                          condition=pgtrigger.Q(old__district__df=pgtrigger.F("new__district"))
                          | pgtrigger.Q(old__city__df=pgtrigger.F("new__city")),
                          func=DISTRICT_CHECK_SQL),
    ]
