"""The monthly roll-up of service hours must equal a GROUP BY over the ledger after anything, the count-from
dates what the certificates give, and the kept report figures (hours per unit and month, spans of membership)
what the ledger, the training and record-book dates, the memberships and the tree give: import `rollup_stays_exact` into a test module (an autouse fixture) and every
database test of the module checks both at its end, whatever path wrote the ledger or the certificates
(attendance, staff entry, imports, corrections, PDPA, load data)."""
from __future__ import annotations

import pytest

from operations.selectors.hours import count_from_differences, rollup_differences
from operations.selectors.kept import unit_hours_differences, unit_member_differences


@pytest.fixture(autouse=True)
def rollup_stays_exact(request):
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names and "transactional_db" not in names:
        yield  # a test without the database
        return
    # set the database up before this fixture, so that the check runs before it is rolled back or flushed
    transactional = "transactional_db" in names or (marker is not None and (
        marker.kwargs.get("transaction", False) or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    assert rollup_differences() == [], "the monthly roll-up differs from the ledger"
    assert count_from_differences() == [], "the count-from dates differ from the certificates"
    assert unit_hours_differences() == [], "the kept hours of the units differ from the ledger"
    assert unit_member_differences() == [], "the kept spans of membership differ from the memberships"
