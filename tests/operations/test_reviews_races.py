"""The review chain under a double click, on real PostgreSQL with threads: two decisions at the same version
(a double click, or two reviewers at once) decide once — one event, one version step, one set of record
book numbers. SQLite serialises every writer: skipped there."""
from __future__ import annotations

import pytest
from django.db import connection

from operations.models import Decision, RecordBook, Review, ReviewEvent, ReviewState
from operations.services import records
from operations.services import reviews as svc
from tests.conftest import fresh

from .journey_support import race
from .test_reviews_services import ready

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"),
]


def test_a_double_click_decides_once(org):
    from operations.models import Role, RoleGrant
    from tests.factories import UserFactory

    officer_a = UserFactory(username="case_officer_a")
    RoleGrant.objects.create(user=officer_a, node=org.unit_a, role=Role.UNIT_ADMIN)
    batch = records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a), ready(org.vol_sub_a)])
    review = Review.objects.get(pk=batch.review.pk)
    svc.review_decide(actor=fresh(officer_a), review=review, decision=Decision.APPROVE, version=1)

    def click(user):
        return lambda: svc.review_decide(actor=fresh(user), review=review, decision=Decision.APPROVE, version=2)

    errors = race([click(org.officer_wmg), click(org.officer_wmg), click(org.officer_root)])
    assert len(errors) == 2 and all(isinstance(e, svc.AlreadyDecided) for e in errors)
    review.refresh_from_db()
    assert review.state == ReviewState.APPROVED and review.version == 3
    assert ReviewEvent.objects.filter(review=review).count() == 3
    assert RecordBook.objects.count() == 2
    assert len(set(RecordBook.objects.values_list("number", flat=True))) == 2


def test_approve_and_reject_at_once_leave_one_outcome(org):
    from operations.models import Role, RoleGrant
    from tests.factories import UserFactory

    one, two = UserFactory(username="case_one"), UserFactory(username="case_two")
    for user in (one, two):
        RoleGrant.objects.create(user=user, node=org.unit_a, role=Role.UNIT_ADMIN)
    batch = records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    review = Review.objects.get(pk=batch.review.pk)
    errors = race([
        lambda: svc.review_decide(actor=fresh(one), review=review, decision=Decision.APPROVE, version=1),
        lambda: svc.review_decide(actor=fresh(two), review=review, decision=Decision.REJECT, comment="不符",
                                  version=1)])
    assert len(errors) == 1 and isinstance(errors[0], svc.AlreadyDecided)
    review.refresh_from_db()
    assert review.version == 2 and ReviewEvent.objects.filter(review=review).count() == 2
    assert review.state in (ReviewState.IN_REVIEW, ReviewState.REJECTED)
