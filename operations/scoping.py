"""The one scope. A user's role grants give a set of tree paths; `scope_q` turns them into the single
`Q` that every list, detail, export, report, API and task filters with. The `rules` predicates in
`operations/rules.py` are derived from the same function, so "may see this object" and "is in my list"
can never disagree."""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable

from django.db.models import BooleanField, Exists, Expression, Q

from .roles import Role

NOTHING = Q(pk__in=[])


def _grants(user) -> list[tuple[str, str, int]]:
    """(role, path, depth) of the user's grants, cached on the user object for the request."""
    cached = getattr(user, "_scope_grants", None)
    if cached is None:
        cached = list(user.grants.filter(node__is_active=True).values_list("role", "node__path", "node__depth"))
        user._scope_grants = cached
    return cached


def clear_scope_cache(user) -> None:
    if hasattr(user, "_scope_grants"):
        del user._scope_grants


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_unrestricted(user, roles: Iterable[str] | None = None) -> bool:
    """Superusers, system administrators and officers of a root authority see everything,
    including volunteers who belong to no team yet."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    roles = set(roles) if roles is not None else None
    for role, _path, depth in _grants(user):
        if roles is not None and role not in roles:
            continue
        if role == Role.SYSTEM_ADMIN or depth == 1:
            return True
    return False


def scope_paths(user, roles: Iterable[str] | None = None) -> list[str] | None:
    """The minimal set of subtree roots the user may see; None means everything."""
    if not _active(user):
        return []
    if is_unrestricted(user, roles):
        return None
    roles = set(roles) if roles is not None else None
    paths = sorted({path for role, path, _depth in _grants(user) if roles is None or role in roles})
    minimal: list[str] = []
    for path in paths:  # sorted, so an ancestor always comes before its descendants
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def scope_q(user, field: str = "", roles: Iterable[str] | None = None) -> Q:
    """The Q selecting rows whose organisation node (reached through `field`, "" for OrgNode itself)
    lies at or below one of the user's grants (optionally only grants with one of `roles`)."""
    paths = scope_paths(user, roles)
    if paths is None:
        return Q()
    if not paths:
        return NOTHING
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q()
    for path in paths:
        q |= Q(**{lookup: path})
    return q


def user_roles(user) -> set[str]:
    if not _active(user):
        return set()
    roles = {role for role, _path, _depth in _grants(user)}
    if user.is_superuser:
        roles.add(Role.SYSTEM_ADMIN)
    return roles


def has_any_role(user, roles: Iterable[str] | None = None) -> bool:
    owned = user_roles(user)
    return bool(owned) if roles is None else bool(owned & set(roles))


def is_staff_member(user) -> bool:
    """May use the back-office at all: holds at least one grant (or is a superuser)."""
    return has_any_role(user)


# -- Reaching a row through any of several relations ------------------------------------------------------------
#
# "Visible through a membership OR through a sign-up" written as `EXISTS(a) OR EXISTS(b)` makes PostgreSQL hash both
# subqueries in full before it returns the first row (the planner cannot turn an OR of EXISTS into semi-joins): a
# city-wide officer's first page of 25 volunteers cost 150-200 ms of hashing 195,000 memberships. One EXISTS over
# `a UNION ALL b` is checked row by row through the indexes instead (first page ~5 ms, a search ~10x faster), but
# a deep page or a full count then pays that check for every row it skips, and so does a narrow scope (a unit's
# 120 volunteers among 150,000: hashing them is cheap, checking 150,000 rows one by one is not). Both forms select
# the same rows. The row-by-row form is used for wide scopes (a grant on an authority: `wide_scope`); the
# paginator's deep pages and the cached count ask for the hashed form with `hashed_reach()`.

_HASHED_REACH = contextvars.ContextVar("hashed_reach", default=False)


@contextlib.contextmanager
def hashed_reach():
    """Inside this block, `reached_through` compiles to the OR of EXISTS (hashed subplans): cheaper when most
    rows of a large table are read (a deep OFFSET, a COUNT)."""
    token = _HASHED_REACH.set(True)
    try:
        yield
    finally:
        _HASHED_REACH.reset(token)


WIDE_DEPTH = 2  # a grant on the competent or a purpose authority


def wide_scope(user, roles: Iterable[str] | None = None) -> bool:
    """Does the user's scope include a whole authority (most rows of a large table)?"""
    roles = set(roles) if roles is not None else None
    return _active(user) and any(depth <= WIDE_DEPTH for role, _path, depth in _grants(user)
                                 if roles is None or role in roles)


class _ReachedThrough(Expression):
    conditional = True
    output_field = BooleanField()

    def __init__(self, per_row, hashed, prefer_per_row=True):
        super().__init__(output_field=BooleanField())
        self.per_row, self.hashed, self.prefer_per_row = per_row, hashed, prefer_per_row

    def get_source_expressions(self):
        return [self.per_row, self.hashed]

    def set_source_expressions(self, exprs):
        self.per_row, self.hashed = exprs

    def as_sql(self, compiler, connection):
        per_row = self.prefer_per_row and not _HASHED_REACH.get()
        return compiler.compile(self.per_row if per_row else self.hashed)


def reached_through(*subqueries, wide: bool = True):
    """A filter that is true when any of `subqueries` (querysets correlated with OuterRef, each selecting one
    column) has a row. Pass to `.filter()`; `wide=False` (a narrow scope) always uses the hashed form."""
    first, *rest = subqueries
    hashed = Q(Exists(first))
    for subquery in rest:
        hashed |= Q(Exists(subquery))
    return _ReachedThrough(Exists(first.union(*rest, all=True)) if rest else Exists(first), hashed, wide)
