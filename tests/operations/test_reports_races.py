"""Half-year and annual reports under a double click, on real PostgreSQL with threads: two submissions open
one review, two re-openings make one new version, two "new report" clicks make one report. SQLite serialises
every writer: skipped there."""
from __future__ import annotations

import pytest
from django.db import connection

from operations.models import Decision, PeriodKind, PeriodReport, ReportStatus, Review
from operations.services import reports as svc
from operations.services import reviews as review_svc
from tests.conftest import fresh

from .journey_support import race
from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"),
]


def create(org):
    return lambda: svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind=PeriodKind.YEAR,
                                     year=2025)


def test_two_new_report_clicks_make_one_report(org):
    errors = race([create(org), create(org)])
    assert errors == []
    assert PeriodReport.objects.count() == 1


def test_a_double_submit_opens_one_review_and_a_double_reopen_one_version(org):
    report = create(org)()
    errors = race([lambda: svc.report_submit(actor=fresh(org.admin_a), report=report)] * 2)
    assert len(errors) == 1 and isinstance(errors[0], svc.ReportMovedOn)
    assert Review.objects.count() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    for officer in (org.officer_wmg, org.officer_root):
        review = Review.objects.get()
        review_svc.review_decide(actor=fresh(officer), review=review, decision=Decision.APPROVE, version=review.version)
    errors = race([lambda: svc.report_reopen(actor=fresh(org.admin_a), report=report, reason="更正")] * 2)
    assert len(errors) == 1 and isinstance(errors[0], svc.ReportMovedOn)
    assert sorted(PeriodReport.objects.values_list("version", "status")) == [
        (1, ReportStatus.SUPERSEDED), (2, ReportStatus.DRAFT)]
