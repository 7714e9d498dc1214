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


def test_one_person_cannot_decide_two_steps_at_once(org):
    """The same officer sends the first step's approval and, from another page, the next step's at the same
    moment: whichever order the row lock gives them, they decide one step and the other is refused."""
    from django.core.exceptions import PermissionDenied

    from operations.models import AwardLevel, AwardScheme, UnitCategory
    from operations.services import awards

    from .test_awards_services import hours

    scheme = AwardScheme.objects.create(code="race-sports", name="體育志工獎", authority="體育署",
                                        unit_categories=[UnitCategory.SPORTS])
    level = AwardLevel.objects.create(scheme=scheme, code="bronze", name="銅", hours=100, rank=1)
    hours(org, org.vol_a, org.unit_a, "100")
    nomination = awards.award_nominate(actor=fresh(org.admin_a), level=level, volunteer=org.vol_a, unit=org.unit_a,
                                       year=2025)
    review = Review.objects.get(pk=nomination.review_id)

    def approve(version):
        return lambda: svc.review_decide(actor=fresh(org.officer_root), review=review, decision=Decision.APPROVE,
                                         version=version)

    errors = race([approve(1), approve(2)])
    assert len(errors) == 1 and isinstance(errors[0], (svc.AlreadyDecided, PermissionDenied))
    review.refresh_from_db()
    assert (review.state, review.step, review.version) == (ReviewState.IN_REVIEW, 1, 2)
    assert ReviewEvent.objects.filter(review=review, actor=org.officer_root).count() == 1


def test_the_second_step_waits_for_the_first_and_is_refused(org):
    """The first step's decision holds the review's row until it commits; the same person's decision of the
    next step, sent meanwhile, waits for the lock, reads the committed first step and is refused."""
    import threading
    import time

    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from operations.models import AwardLevel, AwardScheme, UnitCategory
    from operations.services import awards

    from .test_awards_services import hours

    scheme = AwardScheme.objects.create(code="race-sports-2", name="體育志工獎", authority="體育署",
                                        unit_categories=[UnitCategory.SPORTS])
    level = AwardLevel.objects.create(scheme=scheme, code="bronze", name="銅", hours=100, rank=1)
    hours(org, org.vol_a, org.unit_a, "100")
    nomination = awards.award_nominate(actor=fresh(org.admin_a), level=level, volunteer=org.vol_a, unit=org.unit_a,
                                       year=2025)
    review = Review.objects.get(pk=nomination.review_id)
    holding = threading.Event()

    def first():
        with transaction.atomic():
            svc.review_decide(actor=fresh(org.officer_root), review=review, decision=Decision.APPROVE, version=1)
            holding.set()
            time.sleep(0.5)

    def second():
        holding.wait(5)
        svc.review_decide(actor=fresh(org.officer_root), review=review, decision=Decision.APPROVE, version=2)

    errors = race([first, second])
    assert len(errors) == 1 and isinstance(errors[0], PermissionDenied)
    review.refresh_from_db()
    assert (review.state, review.step, review.version) == (ReviewState.IN_REVIEW, 1, 2)
