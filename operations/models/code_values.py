"""The labels and choices of the service categories and cities (the code tables of `models.codes`), for every
layer: the model fields' `choices` (callables, read when used), forms, lists, exports, statistics and PDFs.

One copy per process, read again when the tables' version (`volunteer_site.cache_versions`) has changed, which a
save or delete of a value bumps; the version is asked at most every `LOCAL_SECONDS`. When a table is empty (or
not migrated yet) the former constants (`UnitCategory`, `City`) answer."""
from __future__ import annotations

import time
from dataclasses import dataclass

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
    return {table: rows or _constants(table) for table, rows in tables.items()}


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
            return {"categories": _constants("categories"), "cities": _constants("cities")}
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
