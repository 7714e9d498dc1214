"""Performance certificates and honor cards (selectors.certificates, services.certificates): the boundaries
(364 vs 365 days, 149.5 vs 150 h), hours from the one countable_hours selector (misuse and hours before
the training left out), the three sign-offs of the chain, issue with a verification number, the PDF's text
read back with pypdf, a renewed honor card counting neither hours nor seniority twice, its validity from
the later of the approval and the previous expiry, and the public verification."""
from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from operations.models import (
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
    CourseKind,
    Decision,
    IssueKind,
    Review,
    ReviewState,
    Role,
    RoleGrant,
    UnitCategory,
)
from operations.pdf import certificate_pdf
from operations.selectors import certificates as sel
from operations.services import certificates as svc
from operations.services import reviews
from tests.conftest import fresh
from tests.factories import UserFactory

from .test_hours_selector import rec
from .test_training_services import certify

pytestmark = pytest.mark.django_db

D = datetime.date
SPORTS = UnitCategory.SPORTS
PERF, HONOR = CertificateKind.PERFORMANCE, CertificateKind.HONOR_CARD


@pytest.fixture
def trained(org):
    certify(org.vol_a, CourseKind.BASIC, on=D(2024, 1, 10))
    certify(org.vol_a, CourseKind.SPECIAL, SPORTS, on=D(2024, 3, 1))
    return org.vol_a


@pytest.fixture
def officer_a(org):
    user = UserFactory(username="case_officer_a")
    RoleGrant.objects.create(user=user, node=org.unit_a, role=Role.UNIT_ADMIN)
    return user


def hours(volunteer, unit, total, start=datetime.date(2024, 3, 1), step=Decimal("7.5")):  # noqa: B008
    day, left = start, Decimal(total)
    while left > 0:
        chunk = min(step, left)
        rec(volunteer, unit, day, str(chunk))
        left -= chunk
        day += datetime.timedelta(days=1)


def test_one_year_is_365_days_here_364_is_not_enough(org, trained):
    hours(trained, org.unit_a, 200)
    assert not sel.eligibility(trained, PERF, as_of=D(2025, 2, 28)).seniority_met  # day 364
    assert sel.eligibility(trained, PERF, as_of=D(2025, 3, 1)).eligible  # day 365
    with pytest.raises(ValidationError):
        svc.application_create(actor=org.admin_a, volunteer=trained, kind=PERF, unit=org.unit_a, today=D(2025, 2, 28))
    assert not CertificateApplication.objects.exists() and not Review.objects.exists()


def test_149_5_hours_are_not_150(org, trained):
    hours(trained, org.unit_a, "149.5")
    result = sel.eligibility(trained, PERF, as_of=D(2025, 6, 1))
    assert result.hours == Decimal("149.5") and not result.hours_met
    rec(trained, org.unit_a, D(2025, 5, 1), "0.5")
    assert sel.eligibility(trained, PERF, as_of=D(2025, 6, 1)).eligible


def test_hours_before_training_and_misuse_do_not_count(org, trained):
    hours(trained, org.unit_a, 140)
    rec(trained, org.unit_a, D(2024, 2, 20), "8")  # after basic, before the special training
    rec(trained, org.unit_a, D(2024, 6, 1), "8", misuse=True)
    result = sel.eligibility(trained, PERF, as_of=D(2025, 6, 1))
    assert result.hours == Decimal("140") and not result.eligible
    assert len(result.excluded) == 2


def test_performance_certificate_three_signoffs_then_issued_with_a_text_pdf(org, trained, officer_a):
    hours(trained, org.unit_a, 160)
    application = svc.application_create(actor=org.admin_a, volunteer=trained, kind=PERF, unit=org.unit_a,
                                         today=D(2025, 6, 1))
    assert application.hours == Decimal("160") and application.working["eligible"]
    with pytest.raises(ValidationError):  # one open application per kind: a double click applies once
        svc.application_create(actor=org.admin_a, volunteer=trained, kind=PERF, unit=org.unit_a, today=D(2025, 6, 1))
    with pytest.raises(PermissionDenied):
        svc.application_create(actor=org.admin_b, volunteer=trained, kind=PERF, unit=org.unit_b, today=D(2025, 6, 1))
    review = application.review
    assert review.chain.due_days == 7
    # three distinct sign-offs: one person decides at most one step of the review
    supervisor, head = UserFactory(username="supervisor_a"), UserFactory(username="head_a")
    for step, decider in (("case_officer", officer_a), ("supervisor", supervisor), ("unit_head", head)):
        review = Review.objects.get(pk=review.pk)
        assert review.current_step.key == step
        with pytest.raises(PermissionDenied):
            reviews.review_decide(actor=fresh(org.admin_a), review=review, decision=Decision.APPROVE,
                                  version=review.version)
        if step != "case_officer":
            with pytest.raises(PermissionDenied) as refused:
                reviews.review_decide(actor=fresh(officer_a), review=review, decision=Decision.APPROVE,
                                      version=review.version)
            assert "different person" in str(refused.value) or "不同的人" in str(refused.value)
        RoleGrant.objects.get_or_create(user=decider, node=org.unit_a, role=Role.UNIT_ADMIN)
        reviews.review_decide(actor=fresh(decider), review=review, decision=Decision.APPROVE, version=review.version)
    application.refresh_from_db()
    assert application.status == CertificateStatus.ISSUED and sel.NUMBER_RE.match(application.number)
    assert sel.verify(application.number) == application
    assert sel.verify(application.number.lower()) == application
    assert sel.verify("PC-00000-00000") is None and sel.verify("' OR 1=1 --") is None and sel.verify("") is None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        certificate_pdf(application=application, verify_url="https://example.org/volunteer/verify/"))).pages).replace("\x00", "")
    assert "志願服務績效證明書" in text and trained.name in text and application.number in text and "160" in text
    cancelled = svc.certificate_cancel(actor=org.admin_a, application=application, reason="資料錯誤")
    assert cancelled.status == CertificateStatus.CANCELLED


def test_returned_application_is_resubmitted_by_the_volunteer(org, trained, officer_a):
    user = UserFactory(username="vol_a_account")
    trained.user = user
    trained.save()
    hours(trained, org.unit_a, 160)
    application = svc.application_create(actor=user, volunteer=trained, kind=PERF, unit=org.unit_a, today=D(2025, 6, 1))
    review = application.review
    reviews.review_decide(actor=fresh(officer_a), review=review, decision=Decision.RETURN, comment="請附紀錄冊影本",
                          version=1)
    application.refresh_from_db()
    assert application.status == CertificateStatus.RETURNED
    reviews.review_resubmit(actor=fresh(user), review=Review.objects.get(pk=review.pk), version=2)
    application.refresh_from_db()
    assert application.status == CertificateStatus.IN_REVIEW
    with pytest.raises(ValidationError):  # a volunteer applies only through a unit they serve in
        svc.application_create(actor=user, volunteer=trained, kind=HONOR, unit=org.unit_b, today=D(2025, 6, 1))


def _issue(application, officer, root, *, approved_on):
    for user in (officer, root):
        review = Review.objects.get(pk=application.review_id)
        reviews.review_decide(actor=fresh(user), review=review, decision=Decision.APPROVE, version=review.version)
    application.refresh_from_db()
    assert application.status == CertificateStatus.ISSUED and application.review.state == ReviewState.APPROVED
    # the approval as of a given day (the decision above took today's date)
    valid_from, valid_until = sel.honor_card_validity(approved_on=approved_on, previous=application.previous)
    CertificateApplication.objects.filter(pk=application.pk).update(issued_on=approved_on, valid_from=valid_from,
                                                                    valid_until=valid_until)
    application.refresh_from_db()
    return application


def test_honor_card_renewal_counts_neither_hours_nor_seniority_twice(org, officer_a):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2015, 1, 10))
    certify(v, CourseKind.SPECIAL, SPORTS, on=D(2015, 3, 1))
    hours(v, org.unit_a, 300, start=D(2015, 3, 1))
    rec(v, org.unit_a, D(2018, 3, 5), "20")  # in the month of the application: not counted for the first card
    first = svc.application_create(actor=org.admin_a, volunteer=v, kind=HONOR, unit=org.unit_a, today=D(2018, 3, 15))
    assert first.hours_to == D(2018, 2, 28) and first.hours == Decimal("300") and first.issue_kind == IssueKind.FIRST
    assert first.review.chain.steps[-1].key == "competent_authority"
    review = Review.objects.get(pk=first.review_id)
    reviews.review_decide(actor=fresh(officer_a), review=review, decision=Decision.APPROVE, version=1)
    review.refresh_from_db()
    assert review.current_node == org.root
    with pytest.raises(PermissionDenied):  # the purpose authority is not the competent authority
        reviews.review_decide(actor=fresh(org.officer_wmg), review=review, decision=Decision.APPROVE, version=2)
    reviews.review_decide(actor=fresh(org.officer_root), review=Review.objects.get(pk=review.pk),
                          decision=Decision.APPROVE, version=2)
    CertificateApplication.objects.filter(pk=first.pk).update(issued_on=D(2018, 3, 20), valid_from=D(2018, 3, 20),
                                                              valid_until=D(2021, 3, 20))
    first.refresh_from_db()
    assert first.status == CertificateStatus.ISSUED
    # the renewal: seniority from 2018-03-21 (3 years on 2021-03-21), hours from 2018-03-01
    hours(v, org.unit_a, 290, start=D(2018, 4, 1))
    early = sel.eligibility(v, HONOR, as_of=D(2021, 3, 20))
    assert early.seniority_from == D(2018, 3, 21) and not early.seniority_met
    result = sel.eligibility(v, HONOR, as_of=D(2021, 4, 10))
    assert result.previous == first and result.hours_from == D(2018, 3, 1) and result.hours_to == D(2021, 3, 31)
    assert result.hours == Decimal("310")  # 20 + 290: the 300 of the first card are not counted again
    renewal = svc.application_create(actor=org.admin_a, volunteer=v, kind=HONOR, unit=org.unit_a,
                                     today=D(2021, 4, 10))
    assert renewal.issue_kind == IssueKind.RENEWAL and renewal.previous == first
    renewal = _issue(renewal, officer_a, org.officer_root, approved_on=D(2021, 4, 20))
    # valid three years from the later of the approval (2021-04-20) and the previous expiry (2021-03-20)
    assert (renewal.valid_from, renewal.valid_until) == (D(2021, 4, 20), D(2024, 4, 20))


def test_honor_card_validity_starts_at_the_previous_expiry_when_later():
    previous = CertificateApplication(valid_until=D(2024, 6, 30))
    assert sel.honor_card_validity(approved_on=D(2024, 5, 1), previous=previous) == (D(2024, 6, 30), D(2027, 6, 30))
    assert sel.honor_card_validity(approved_on=D(2024, 2, 29), previous=None) == (D(2024, 2, 29), D(2027, 2, 28))


def test_masked_name():
    assert sel.masked_name("王小明") == "王○明" and sel.masked_name("林美") == "林○"
