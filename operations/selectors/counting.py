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
from django.db.models import QuerySet
from django.utils.functional import cached_property
from volunteer_site.cache_versions import bump_version, current_version

from ..scoping import hashed_reach

COUNT_TTL = 30
VERSION_KEY = "operations:people-data-version"


def bump_people_version(**kwargs) -> None:
    bump_version(VERSION_KEY)


def cached_count(queryset: QuerySet) -> int:
    queryset = queryset.order_by()
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty choice list)
        return 0
    digest = hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
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
        with hashed_reach():  # the rows skipped by OFFSET are checked against a hash, not one by one
            pks = list(queryset.values_list("pk", flat=True)[bottom:top])
        loaded = {record.pk: record for record in queryset.filter(pk__in=pks)}
        records = [loaded[pk] for pk in pks if pk in loaded]
        rows = type(self.object_list)(data=records, table=self.object_list.table)
        return self._get_page(rows, number, self)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from ..models import Membership, OrgNode, Volunteer

    for model in (Volunteer, Membership, OrgNode):
        post_save.connect(bump_people_version, sender=model, dispatch_uid=f"people-count-save-{model.__name__}")
        post_delete.connect(bump_people_version, sender=model, dispatch_uid=f"people-count-del-{model.__name__}")
    for through in (Volunteer.languages.through, Volunteer.skills.through):
        m2m_changed.connect(bump_people_version, sender=through, dispatch_uid=f"people-count-m2m-{through.__name__}")
