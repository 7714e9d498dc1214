"""The review chain (services.reviews) on a record-book batch: the configured steps and who decides them,
approve → next step → approved (the authority's numbers issued), return → resubmit, reject, nobody
decides their own form, a stale version decides nothing, the queue, the e-mail of every transition and
the reminders of the beat job."""
from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    AuditEvent,
    BookStatus,
    CourseKind,
    Decision,
    FormType,
    RecordBook,
    Review,
    ReviewAction,
    ReviewState,
    Role,
    RoleGrant,
    Volunteer,
)
from operations.selectors.reviews import my_queue, my_queue_count
from operations.services import records
from operations.services import reviews as svc
from tests.conftest import fresh
from tests.factories import UserFactory

from .test_training_services import certify

pytestmark = pytest.mark.django_db


def ready(volunteer, photo="volunteer-photos/x.jpg"):
    certify(volunteer, CourseKind.BASIC, on=datetime.date(2024, 1, 10))
    Volunteer.objects.filter(pk=volunteer.pk).update(photo=photo)
    return Volunteer.objects.get(pk=volunteer.pk)


@pytest.fixture
def officer_a(org):
    """A second unit administrator of unit A: the case officer who decides what admin_a submits."""
    user = UserFactory(username="case_officer_a", email="case@a.example.org")
    RoleGrant.objects.create(user=user, node=org.unit_a, role=Role.UNIT_ADMIN)
    return user


@pytest.fixture
def batch(org, officer_a):
    org.officer_wmg.email = "wmg@example.org"
    org.officer_wmg.save()
    org.admin_a.email = "admin@a.example.org"
    org.admin_a.save()
    return records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])


def decide(actor, review, decision, comment=""):
    review = Review.objects.get(pk=review.pk)
    return svc.review_decide(actor=fresh(actor), review=review, decision=decision, comment=comment,
                             version=review.version)


def test_chain_steps_from_the_unit_to_its_purpose_authority(org, officer_a, batch):
    review = batch.review
    assert (review.state, review.step, review.current_node, review.current_group) == (
        ReviewState.IN_REVIEW, 0, org.unit_a, "unit")
    assert batch.authority == org.wmg
    assert list(my_queue(fresh(officer_a))) == [review]
    assert my_queue_count(fresh(org.admin_a)) == 0  # the submitter never sees their own form
    assert my_queue_count(fresh(org.officer_wmg)) == 0  # not at their step yet
    review = decide(officer_a, review, Decision.APPROVE, "名冊齊全")
    assert (review.step, review.current_node, review.current_group) == (1, org.wmg, "authority")
    assert my_queue_count(fresh(officer_a)) == 0 and list(my_queue(fresh(org.officer_wmg))) == [review]
    assert my_queue_count(fresh(org.officer_root)) == 1  # the competent authority may act above
    assert my_queue_count(fresh(org.admin_b)) == 0
    review = decide(org.officer_wmg, review, Decision.APPROVE)
    assert review.state == ReviewState.APPROVED and review.decided_at and review.current_node is None
    book = RecordBook.objects.get(volunteer=org.vol_a)
    assert book.status == BookStatus.UNCOLLECTED and book.issuing_authority == org.wmg
    assert book.number.startswith("WMG-RECORD_BOOK-") and book.applied_by_unit == org.unit_a
    actions = [e.action for e in review.events.order_by("version")]
    assert actions == [ReviewAction.SUBMITTED, ReviewAction.STEP_APPROVED, ReviewAction.APPROVED]
    assert [e.version for e in review.events.order_by("version")] == [1, 2, 3]
    assert AuditEvent.objects.filter(object_type="operations.review", object_id=str(review.pk)).count() == 3


def test_nobody_decides_their_own_form(org, officer_a, batch):
    with pytest.raises(PermissionDenied):
        decide(org.admin_a, batch.review, Decision.APPROVE)
    # nor a form about themselves: the volunteer's account is the subject
    review = Review.objects.get(pk=batch.review.pk)
    review.subject_user = officer_a
    review.save()
    with pytest.raises(PermissionDenied):
        decide(officer_a, review, Decision.APPROVE)
    assert Review.objects.get(pk=review.pk).version == 1


def test_outside_the_scope_or_the_wrong_role_cannot_decide(org, batch):
    for user in (org.admin_b, org.leader_a, org.subleader_a):
        with pytest.raises(PermissionDenied):
            decide(user, batch.review, Decision.APPROVE)
    assert Review.objects.get(pk=batch.review.pk).version == 1


def test_return_needs_a_comment_then_the_submitter_resubmits(org, officer_a, batch):
    with pytest.raises(ValidationError):
        decide(officer_a, batch.review, Decision.RETURN, "  ")
    review = decide(officer_a, batch.review, Decision.RETURN, "照片不清楚")
    assert review.state == ReviewState.RETURNED and review.current_node is None
    assert my_queue_count(fresh(officer_a)) == 0
    with pytest.raises(PermissionDenied):  # only the submitter sends it in again
        svc.review_resubmit(actor=fresh(officer_a), review=review, version=review.version)
    review = svc.review_resubmit(actor=fresh(org.admin_a), review=review, version=review.version, comment="已換照片")
    assert (review.state, review.step, review.current_node) == (ReviewState.IN_REVIEW, 0, org.unit_a)
    assert list(my_queue(fresh(officer_a))) == [review]
    assert [e.action for e in review.events.order_by("version")][-2:] == [ReviewAction.RETURNED,
                                                                          ReviewAction.RESUBMITTED]


def test_reject_ends_the_review_without_issuing(org, officer_a, batch):
    review = decide(officer_a, batch.review, Decision.REJECT, "非本單位志工")
    assert review.state == ReviewState.REJECTED
    assert not RecordBook.objects.exists()
    with pytest.raises(svc.AlreadyDecided):
        decide(officer_a, review, Decision.APPROVE)


def test_a_stale_version_decides_nothing(org, officer_a, batch):
    review = Review.objects.get(pk=batch.review.pk)
    svc.review_decide(actor=fresh(officer_a), review=review, decision=Decision.APPROVE, version=1)
    with pytest.raises(svc.AlreadyDecided):  # the second click of a double click
        svc.review_decide(actor=fresh(officer_a), review=review, decision=Decision.APPROVE, version=1)
    review.refresh_from_db()
    assert review.version == 2 and review.step == 1 and review.events.count() == 2


def test_every_transition_mails_the_next_reviewers_or_the_submitter(org, officer_a,
                                                                    django_capture_on_commit_callbacks):
    org.officer_wmg.email = "wmg@example.org"
    org.officer_wmg.save()
    org.admin_a.email = "admin@a.example.org"
    org.admin_a.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    assert [m.to for m in mail.outbox] == [["case@a.example.org"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(officer_a, batch.review, Decision.APPROVE)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@a.example.org", "wmg@example.org"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(org.officer_wmg, batch.review, Decision.APPROVE)
    assert [m.to for m in mail.outbox] == [["admin@a.example.org"]]
    assert "核准" in mail.outbox[0].subject or "Approved" in mail.outbox[0].subject


def test_reminders_on_the_reminder_day_and_when_overdue(org, officer_a, batch, django_capture_on_commit_callbacks):
    review = batch.review
    start = timezone.localdate(review.submitted_at)
    chain = review.chain
    assert svc.review_reminders_queue(today=start + datetime.timedelta(days=1)) == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.review_reminders_queue(today=start + datetime.timedelta(days=chain.remind_day)) == 1
    assert [m.to for m in mail.outbox] == [["case@a.example.org"]]
    assert svc.review_reminders_queue(today=start + datetime.timedelta(days=chain.due_days + 1)) == 1
    assert Review.objects.get(pk=review.pk).is_overdue(start + datetime.timedelta(days=chain.due_days + 1))


def test_configured_chains():
    from operations.models import CHAINS

    assert [s.key for s in CHAINS[FormType.PERFORMANCE_CERTIFICATE].steps] == ["case_officer", "supervisor",
                                                                               "unit_head"]
    assert CHAINS[FormType.PERFORMANCE_CERTIFICATE].due_days == 7
    assert CHAINS[FormType.PERFORMANCE_CERTIFICATE].remind_day == 5
    assert [s.key for s in CHAINS[FormType.HONOR_CARD].steps] == ["case_officer", "competent_authority"]
