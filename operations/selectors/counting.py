"""Row counts of the long back-office lists, cached for a short while.

A city-wide officer's volunteer list counts 150,000 rows through the scope's semi-join on every page view
(60–100 ms on PostgreSQL), though paging and re-sorting the same filter give the same number. The count is
cached under the count query's own SQL (so scope and filters are part of the key, ordering is not) and
the people-data version. Every save or delete of a volunteer, a membership, an organisation node or a
volunteer's languages and skills bumps the version, as do the services that write in bulk, so a change
shows at once; entries expire after COUNT_TTL seconds, so a write that bypasses both (raw SQL, a tree move
inside treebeard) is reflected within that time."""
from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from volunteer_site.cache_versions import bump_version, current_version

from ..scoping import hashed_reach

COUNT_TTL = 30
VERSION_KEY = "operations:people-data-version"


def bump_people_version(**kwargs) -> None:
    bump_version(VERSION_KEY)


def _digest(queryset: QuerySet) -> str | None:
    """The cache key part of a queryset: its SQL and parameters (scope and filters included)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty choice list)
        return None
    return hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()


def cached_count(queryset: QuerySet) -> int:
    queryset = queryset.order_by()
    digest = _digest(queryset)
    if digest is None:
        return 0
    key = f"operations:count:{current_version(VERSION_KEY)}:{digest}"
    count = cache.get(key)
    if count is None:
        with hashed_reach():  # every row is read: hashing the scope's subqueries once is cheaper
            count = queryset.count()
        cache.set(key, count, COUNT_TTL)
    return count


class CachedCountPaginator(Paginator):
    """A django-tables2 paginator whose total comes from `cached_count`, and whose deep pages are read with a
    deferred join: past `DEEP_OFFSET` rows, the page's primary keys are found first by a narrow query (the
    sort keys and the key, which PostgreSQL can answer from an index, with the scope in its hashed form:
    `scoping.hashed_reach`), then only those rows are loaded with their prefetches. The plain OFFSET would
    build and discard every full row before the page."""

    DEEP_OFFSET = 1000

    def _queryset(self):
        queryset = getattr(getattr(self.object_list, "data", None), "data", None)  # BoundRows → queryset
        return queryset if isinstance(queryset, QuerySet) else None

    @cached_property
    def count(self) -> int:
        queryset = self._queryset()
        if queryset is not None:
            return cached_count(queryset)
        return super().count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self._queryset()
        if queryset is None or bottom < self.DEEP_OFFSET:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        pks = self._deep_page_keys(queryset, number, bottom, top)
        loaded = {record.pk: record for record in queryset.filter(pk__in=pks)}
        records = [loaded[pk] for pk in pks if pk in loaded]
        rows = type(self.object_list)(data=records, table=self.object_list.table)
        return self._get_page(rows, number, self)


    def _deep_page_keys(self, queryset: QuerySet, number: int, bottom: int, top: int) -> list:
        """The primary keys of a deep page. Reading them skips `bottom` rows; the sort key of the page's first
        row, and of the next page's, are remembered (until people data change, like the count), so that the
        same page again, or the next one, seeks from that key through the sort index instead (keyset)."""
        order = _keyset_order(queryset)
        digest = _digest(queryset) if order else None
        if digest is None:
            with hashed_reach():  # the rows skipped by OFFSET are checked against a hash, not one by one
                return list(queryset.values_list("pk", flat=True)[bottom:top])
        version = current_version(VERSION_KEY)

        def anchor_key(page_number):
            return f"operations:anchor:{version}:{digest}:{self.per_page}:{page_number}"

        anchor = cache.get(anchor_key(number))
        if anchor is not None:
            return list(queryset.filter(_from_key(order, anchor)).values_list("pk", flat=True)[:top - bottom])
        columns = [name for name, _desc in order]
        with hashed_reach():
            rows = list(queryset.values_list(*columns)[bottom:top + 1])
        if rows:
            cache.set(anchor_key(number), rows[0], COUNT_TTL)
        if len(rows) > top - bottom:
            cache.set(anchor_key(number + 1), rows[-1], COUNT_TTL)
        return [row[-1] for row in rows[:top - bottom]]


def _keyset_order(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """(column, descending) of the queryset's ordering when it can be sought by key: plain non-null columns
    of the model, ending with the primary key (so that the order is total); else None."""
    fields = [f for f in queryset.query.order_by if isinstance(f, str)]
    if not fields or len(fields) != len(queryset.query.order_by) or fields[-1].lstrip("-") not in ("pk", "id"):
        return None
    opts = queryset.model._meta
    order = []
    for item in fields:
        name = item.lstrip("-")
        try:
            field = opts.pk if name == "pk" else opts.get_field(name)
        except Exception:  # a relation path or an annotation
            return None
        if not getattr(field, "concrete", False) or field.null or field.is_relation:
            return None
        order.append((field.attname, item.startswith("-")))
    return order


def _from_key(order: list[tuple[str, bool]], key: tuple) -> Q:
    """Rows at or after `key` in `order` (lexicographic, each column ascending or descending)."""
    found = Q(pk__in=[])
    for i, (name, descending) in enumerate(order):
        last = i == len(order) - 1
        lookup = ("lte" if descending else "gte") if last else ("lt" if descending else "gt")
        condition = {column: value for (column, _d), value in zip(order[:i], key[:i], strict=True)}
        condition[f"{name}__{lookup}"] = key[i]
        found |= Q(**condition)
    # the same bound on the first column alone, which the sort index can seek to (PostgreSQL reads the OR above
    # as a filter)
    first, descending = order[0]
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": key[0]}) & found


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from ..models import Membership, OrgNode, Volunteer

    for model in (Volunteer, Membership, OrgNode):
        post_save.connect(bump_people_version, sender=model, dispatch_uid=f"people-count-save-{model.__name__}")
        post_delete.connect(bump_people_version, sender=model, dispatch_uid=f"people-count-del-{model.__name__}")
    for through in (Volunteer.languages.through, Volunteer.skills.through):
        m2m_changed.connect(bump_people_version, sender=through, dispatch_uid=f"people-count-m2m-{through.__name__}")
