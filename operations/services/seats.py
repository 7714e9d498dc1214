"""Seats and state transitions, shared by everything people race for: shift sign-ups today, training-session
enrolments when that module arrives.

A *seat holder* is a row with a capacity column and a counter column (`Shift.headcount` /
`Shift.accepted_count`). A *claim* is a row that holds a seat or waits for one (`Signup`). Every change of a
claim follows the same steps, always in the same order so that two transactions never wait for each other
in a circle:

1. lock the seat-holder row (`lock_row(Shift, pk)`) — this serialises everything that happens on that
   shift: taking, freeing, waitlisting and promoting;
2. lock and *re-read* the claim row(s), never trusting a copy read before the lock;
3. ask the transition table whether the event is allowed from the state just read: a repeat of the same
   request is a no-op (`Step.changed is False`), a disallowed one raises `TransitionNotAllowed` with a
   translated message;
4. write, count the seat with `take_seat` / `release_seat` (conditional UPDATEs, backed by a CHECK
   constraint and, on PostgreSQL, a deferred constraint trigger).

`seat_transition` wraps a service in `transaction.atomic` and retries it (a few times) when PostgreSQL
reports a deadlock or serialisation failure, which rare lock cycles across several volunteers can still
produce.

Why a small table and not django-fsm-2: the transitions here are decided on rows re-read under a lock and
counted with conditional UPDATEs; an FSM field that changes the in-memory instance (and `protected` fields
that forbid `refresh_from_db`) would fight both, and bulk paths (group rosters) never call model methods.
The table keeps every allowed step in one place and is tested directly."""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Model

RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
RETRIES = 3


class TransitionNotAllowed(ValidationError):
    """The requested change is not allowed from the state the row is in now."""


@dataclass(frozen=True)
class Step:
    source: str | None
    target: str

    @property
    def changed(self) -> bool:
        return self.source != self.target


class TransitionTable:
    """`events`: event name → ({allowed source states}, target state). `None` as a source means "no row yet".
    `refusals`: event name → the (lazily translated) message shown when the event is not allowed."""

    def __init__(self, events: dict[str, tuple[frozenset, str]], refusals: dict[str, str]):
        self.events = events
        self.refusals = refusals

    def step(self, event: str, current: str | None) -> Step:
        """The step for `event` from `current`. Being in the target state already is a repeat: a no-op step."""
        sources, target = self.events[event]
        if current == target:
            return Step(current, target)
        if current not in sources:
            raise TransitionNotAllowed(str(self.refusals[event]), code="transition_not_allowed")
        return Step(current, target)

    def allowed(self, event: str, current: str | None) -> bool:
        sources, target = self.events[event]
        return current == target or current in sources


def lock_row(model: type[Model], pk, *, related: tuple[str, ...] = ()):
    """Lock one row (`SELECT … FOR UPDATE` of that table only) and return it read afresh."""
    qs = model._default_manager.select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    return qs.get(pk=pk)


# The seat statements every sign-up runs are written as SQL text once per model: the ORM would compile the same
# statement again on every call (about a third of a sign-up's Python time went to compiling queries).
@functools.cache
def _statement(kind: str, model: type[Model], counter: str = "", capacity: str = "") -> str:
    qn = connection.ops.quote_name
    table, key = qn(model._meta.db_table), qn(model._meta.pk.column)
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    if kind == "lock":
        return f"SELECT 1 FROM {table} WHERE {key} = %s{suffix}"
    counter_col, capacity_col = qn(model._meta.get_field(counter).column), qn(model._meta.get_field(capacity).column)
    if kind == "lock_seats":
        return f"SELECT {counter_col}, {capacity_col} FROM {table} WHERE {key} = %s{suffix}"
    return (f"UPDATE {table} SET {counter_col} = {counter_col} + %s "
            f"WHERE {key} = %s AND {counter_col} <= {capacity_col} - %s")


def lock_only(model: type[Model], pk) -> bool:
    """Lock one row without reading it; False when there is no such row. For a row locked to serialise its
    writers, whose columns the caller does not need."""
    with connection.cursor() as cursor:
        cursor.execute(_statement("lock", model), [pk])
        return cursor.fetchone() is not None


def lock_seats(model: type[Model], pk, *, counter: str = "accepted_count", capacity: str = "headcount") -> int:
    """Lock a seat holder and return its free seats as they are now (0 when there is no such row)."""
    with connection.cursor() as cursor:
        cursor.execute(_statement("lock_seats", model, counter, capacity), [pk])
        row = cursor.fetchone()
    return max(row[1] - row[0], 0) if row else 0


def take_seat(model: type[Model], pk, *, counter: str = "accepted_count", capacity: str = "headcount",
              n: int = 1) -> bool:
    """Take `n` seats of a seat holder with one conditional UPDATE; False (and nothing changed) when fewer
    are free. Without a prior lock the UPDATE's own row lock serialises concurrent takers."""
    with connection.cursor() as cursor:
        cursor.execute(_statement("take", model, counter, capacity), [n, pk, n])
        return cursor.rowcount == 1


def release_seat(model: type[Model], pk, *, counter: str = "accepted_count", n: int = 1) -> None:
    """Give back `n` seats. Call with the seat holder locked, after the claim row was re-read as holding."""
    # A counter already lower than the rows say is left alone: the invariant check reports and repairs it.
    model._default_manager.filter(**{"pk": pk, f"{counter}__gte": n}).update(**{counter: F(counter) - n})


def _retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in RETRY_SQLSTATES or getattr(cause, "pgcode", None) in RETRY_SQLSTATES


def seat_transition(func):
    """Run a seat-changing service atomically; when it is the outermost transaction, retry it after a
    deadlock or serialisation failure (callbacks registered with on_commit by a failed try are discarded)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(RETRIES):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except DatabaseError as exc:
                if attempt == RETRIES - 1 or not _retryable(exc):
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
