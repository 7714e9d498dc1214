"""Award nominations and service-plan filing on the review chain, and one person deciding at most one step
of a review: the steps and who decides them, approve / return → resubmit / reject and what each does to the
form, my queue, the e-mail of every transition, the reminders of the beat job, and the pages that show a
form's review history."""
from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    AwardNomination,
    Decision,
    FilingStatus,
    FormType,
    NominationStatus,
    Review,
    ReviewEvent,
    ReviewState,
    ServicePlan,
)
from operations.selectors.reviews import my_queue, my_queue_count
from operations.services import awards
from operations.services import reviews as svc
from operations.services.plans import service_plan_create, service_plan_update
from tests.conftest import fresh

from .test_awards_services import hours, scheme  # noqa: F401 - the fixture is used by name
from .test_backoffice_people_plans import ELEMENTS

pytestmark = pytest.mark.django_db

D = datetime.date


def decide(actor, review, decision, comment=""):
    review = Review.objects.get(pk=review.pk)
    return svc.review_decide(actor=fresh(actor), review=review, decision=decision, comment=comment,
                             version=review.version)


@pytest.fixture
def nomination(org, scheme):  # noqa: F811 - the fixture above
    hours(org, org.vol_a, org.unit_a, "100")
    return awards.award_nominate(actor=fresh(org.admin_a), level=scheme.levels.get(code="bronze"),
                                 volunteer=org.vol_a, unit=org.unit_a, year=2025)


# --- award nominations ---------------------------------------------------------------------------------

def test_a_nomination_goes_to_the_purpose_authority_then_the_competent_authority(org, nomination):
    review = nomination.review
    assert nomination.status == NominationStatus.SUBMITTED
    assert (review.form_type, review.current_node, review.current_group) == (
        FormType.AWARD_NOMINATION, org.wmg, "authority")
    assert review.due_on == timezone.localdate(review.submitted_at) + datetime.timedelta(days=30)
    assert list(my_queue(fresh(org.officer_wmg))) == [review]
    assert my_queue_count(fresh(org.admin_a)) == 0 and my_queue_count(fresh(org.admin_b)) == 0
    decide(org.officer_wmg, review, Decision.APPROVE, "資料齊全")
    review.refresh_from_db()
    assert review.current_node == org.root and my_queue_count(fresh(org.officer_wmg)) == 0
    assert list(my_queue(fresh(org.officer_root))) == [review]
    decide(org.officer_root, review, Decision.APPROVE)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.APPROVED and nomination.review.state == ReviewState.APPROVED


def test_a_returned_nomination_is_counted_again_when_sent_in_again(org, nomination):
    decide(org.officer_wmg, nomination.review, Decision.RETURN, "請補附績效證明書")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.RETURNED
    with pytest.raises(ValidationError):  # return needs a comment
        decide(org.officer_wmg, nomination.review, Decision.RETURN)
    review = Review.objects.get(pk=nomination.review_id)
    svc.review_resubmit(actor=fresh(org.admin_a), review=review, version=review.version)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED and nomination.review.state == ReviewState.IN_REVIEW


def test_a_withdrawn_nomination_cannot_be_sent_in_again(org, nomination):
    decide(org.officer_wmg, nomination.review, Decision.RETURN, "不符資格")
    awards.award_nomination_withdraw(actor=fresh(org.admin_a), nomination=AwardNomination.objects.get(),
                                     reason="撤回")
    review = Review.objects.get(pk=nomination.review_id)
    with pytest.raises(ValidationError):
        svc.review_resubmit(actor=fresh(org.admin_a), review=review, version=review.version)
    assert Review.objects.get(pk=review.pk).state == ReviewState.RETURNED  # nothing half-written
    assert AwardNomination.objects.get().status == NominationStatus.WITHDRAWN


def test_a_rejected_nomination_lets_the_unit_nominate_again(org, scheme, nomination):  # noqa: F811
    decide(org.officer_wmg, nomination.review, Decision.REJECT, "時數不符")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.REJECTED
    again = awards.award_nominate(actor=fresh(org.admin_a), level=scheme.levels.get(code="bronze"),
                                  volunteer=org.vol_a, unit=org.unit_a, year=2025)
    assert again.pk != nomination.pk and again.review_id != nomination.review_id


def test_nomination_page_shows_the_review_history_in_scope(org, nomination, login):
    decide(org.officer_wmg, nomination.review, Decision.RETURN, "請補附績效證明書")
    page = login(org.admin_a).get(f"/backoffice/awards/nominations/{nomination.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "請補附績效證明書" in text and f"/backoffice/reviews/{nomination.review_id}/" in text
    english = login(org.admin_a).get(f"/en/backoffice/awards/nominations/{nomination.pk}/").content.decode()
    assert "Returned for changes" in english
    assert login(org.admin_b).get(f"/backoffice/awards/nominations/{nomination.pk}/").status_code == 404
    assert login(org.admin_b).get("/backoffice/awards/nominations/999999/").status_code == 404
    review_page = login(org.officer_wmg).get(f"/backoffice/reviews/{nomination.review_id}/").content.decode()
    assert f"/backoffice/awards/nominations/{nomination.pk}/" in review_page


def test_nomination_mails_and_reminders(org, scheme, django_capture_on_commit_callbacks):  # noqa: F811
    org.officer_wmg.email = "wmg@example.org"
    org.officer_wmg.save()
    hours(org, org.vol_a, org.unit_a, "100")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        nomination = awards.award_nominate(actor=fresh(org.admin_a), level=scheme.levels.get(code="bronze"),
                                           volunteer=org.vol_a, unit=org.unit_a, year=2025)
    assert [m.to for m in mail.outbox] == [["wmg@example.org"]]
    start = timezone.localdate(nomination.review.submitted_at)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.review_reminders_queue(today=start + datetime.timedelta(days=21)) == 1
    assert [m.to for m in mail.outbox] == [["wmg@example.org"]]
    assert svc.review_reminders_queue(today=start + datetime.timedelta(days=10)) == 0
    assert svc.review_reminders_queue(today=start + datetime.timedelta(days=31)) == 1


# --- one person, one step ------------------------------------------------------------------------------

def test_one_person_decides_at_most_one_step_of_a_review(org, nomination):
    review = nomination.review
    decide(org.officer_root, review, Decision.APPROVE)  # the root's officer may act at the purpose authority
    review.refresh_from_db()
    assert review.current_node == org.root
    assert my_queue_count(fresh(org.officer_root)) == 0  # not in their queue: they signed a step
    assert not svc.may_decide(fresh(org.officer_root), review)
    with pytest.raises(PermissionDenied) as refused:
        decide(org.officer_root, review, Decision.REJECT, "自己再決定一次")
    assert "不同的人" in str(refused.value)
    assert "沒有其他人" not in str(refused.value)  # the system administrator may still decide it
    assert list(my_queue(fresh(org.sysadmin))) == [review]
    decide(org.sysadmin, review, Decision.APPROVE)
    assert Review.objects.get(pk=review.pk).state == ReviewState.APPROVED


def test_the_message_says_when_nobody_else_may_decide(org, nomination):
    org.sysadmin.grants.all().delete()
    decide(org.officer_root, nomination.review, Decision.APPROVE)
    with pytest.raises(PermissionDenied) as refused:
        decide(org.officer_root, nomination.review, Decision.APPROVE)
    assert "沒有其他人" in str(refused.value)


def test_a_new_round_after_a_return_counts_afresh(org, nomination):
    review = nomination.review
    decide(org.officer_root, review, Decision.APPROVE)
    decide(org.sysadmin, review, Decision.RETURN, "請補件")
    review.refresh_from_db()
    svc.review_resubmit(actor=fresh(org.admin_a), review=review, version=review.version)
    review.refresh_from_db()
    assert review.round_version == review.version
    decide(org.sysadmin, review, Decision.APPROVE)  # a new round: the first step again, by somebody else
    with pytest.raises(PermissionDenied):
        decide(org.sysadmin, review, Decision.APPROVE)
    decide(org.officer_root, review, Decision.APPROVE)
    assert Review.objects.get(pk=review.pk).state == ReviewState.APPROVED
    deciders = list(ReviewEvent.objects.filter(review=review, version__gt=review.round_version)
                    .values_list("actor__username", flat=True))
    assert len(deciders) == len(set(deciders)) == 2


# --- service plans -------------------------------------------------------------------------------------

def submitted_plan(org, unit=None, authority=None):
    return service_plan_create(actor=fresh(org.admin_a) if unit is None else None, unit=unit or org.unit_a,
                               title="甲場館志願服務計畫", starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31),
                               purpose_authority=authority or org.wmg, filing_status=FilingStatus.SUBMITTED,
                               **ELEMENTS)


def test_submitting_a_plan_opens_its_filing_review_at_the_purpose_authority(org):
    draft = service_plan_create(actor=fresh(org.admin_a), unit=org.unit_a, title="草稿", starts_on=D(2025, 1, 1),
                                ends_on=D(2025, 12, 31))
    assert draft.review is None
    plan = submitted_plan(org)
    review = plan.review
    assert (review.form_type, review.current_node, review.authority) == (FormType.SERVICE_PLAN, org.wmg, org.wmg)
    assert list(my_queue(fresh(org.officer_wmg))) == [review]
    decide(org.officer_wmg, review, Decision.APPROVE)
    plan.refresh_from_db()
    assert plan.filing_status == FilingStatus.FILED and plan.filed_on == timezone.localdate()
    assert plan.filing_reference.startswith("SP")


def test_a_returned_plan_is_corrected_and_submitted_again_by_the_unit(org, login):
    plan = submitted_plan(org)
    with pytest.raises(ValidationError):  # still in review: not back to draft
        service_plan_update(actor=fresh(org.admin_a), plan=plan, filing_status=FilingStatus.DRAFT)
    decide(org.officer_wmg, plan.review, Decision.RETURN, "訓練內容請補充")
    plan.refresh_from_db()
    assert plan.filing_status == FilingStatus.REJECTED and plan.review.state == ReviewState.RETURNED
    page = login(org.admin_a).get(f"/backoffice/plans/{plan.pk}/").content.decode()
    assert "訓練內容請補充" in page
    service_plan_update(actor=fresh(org.admin_a), plan=plan, training="每年 12 小時", filing_status=FilingStatus.SUBMITTED)
    plan.refresh_from_db()
    review = Review.objects.get(pk=plan.review_id)
    assert plan.filing_status == FilingStatus.SUBMITTED and review.state == ReviewState.IN_REVIEW
    assert ServicePlan.objects.filter(review__isnull=False).count() == 1 and Review.objects.count() == 1
    decide(org.officer_wmg, review, Decision.APPROVE)  # a new round: the same officer decides again
    assert ServicePlan.objects.get(pk=plan.pk).filing_status == FilingStatus.FILED


def test_an_officer_filing_on_the_plan_page_decides_the_review(org):
    plan = submitted_plan(org)
    with pytest.raises(ValidationError):  # only the authority files
        service_plan_update(actor=fresh(org.admin_a), plan=plan, filing_status=FilingStatus.FILED,
                            filing_reference="x", filed_on=D(2025, 1, 5))
    service_plan_update(actor=fresh(org.officer_wmg), plan=plan, filing_status=FilingStatus.FILED,
                        filing_reference="北市體字第1號", filed_on=D(2025, 1, 5))
    plan.refresh_from_db()
    assert (plan.filing_status, plan.filing_reference) == (FilingStatus.FILED, "北市體字第1號")
    assert plan.review.state == ReviewState.APPROVED
    assert plan.review.events.last().actor == org.officer_wmg


def test_a_plan_filed_with_an_authority_off_its_branch_waits_there(org, login):
    plan = submitted_plan(org, unit=org.unit_c, authority=org.wmg)  # unit C hangs from the root
    review = plan.review
    assert review.current_node == org.wmg
    assert list(my_queue(fresh(org.officer_wmg))) == [review]
    assert login(org.officer_wmg).get(f"/backoffice/reviews/{review.pk}/").status_code == 200
    assert login(org.admin_b).get(f"/backoffice/reviews/{review.pk}/").status_code == 404


# --- unit applications -------------------------------------------------------------------------------

def application(org, **overrides):
    from operations.services.unit_applications import unit_application_submit

    fields = dict(organisation_name="大安社區關懷協會", category="social_welfare", registration_type="agency",
                  purpose_authority=org.wmg, city="taipei", address="和平東路1號", contact_person="陳會長",
                  contact_phone="02-2700-0000", contact_email="chair@daan.example.org", submitted_language="zh-hant")
    fields.update(overrides)
    return unit_application_submit(**fields)


def test_a_unit_application_waits_in_the_queue_of_the_authority_it_is_addressed_to(org):
    addressed = application(org)
    unaddressed = application(org, purpose_authority=None, contact_email="other@example.org")
    assert addressed.review.current_node == org.wmg and unaddressed.review.current_node == org.root
    assert list(my_queue(fresh(org.officer_wmg))) == [addressed.review]
    assert set(my_queue(fresh(org.officer_root))) == {addressed.review, unaddressed.review}
    assert my_queue_count(fresh(org.admin_a)) == 0


def test_approving_on_the_review_page_runs_the_approval_once(org, django_capture_on_commit_callbacks):
    from operations.models import ApplicationStatus, OrgNode, RoleGrant, UnitApplication
    from operations.services.unit_applications import unit_application_approve

    submitted = application(org)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(org.officer_wmg, submitted.review, Decision.APPROVE)
    approved = UnitApplication.objects.get(pk=submitted.pk)
    assert approved.status == ApplicationStatus.APPROVED and approved.created_unit.get_parent() == org.wmg
    assert RoleGrant.objects.filter(node=approved.created_unit).count() == 1
    assert [m.to for m in mail.outbox] == [["chair@daan.example.org"]] and "set-password" in mail.outbox[0].body
    with pytest.raises(ValidationError):  # the application's own page: already decided
        unit_application_approve(actor=fresh(org.officer_wmg), application=approved, purpose_authority=org.wmg)
    assert OrgNode.objects.filter(name="大安社區關懷協會").count() == 1


def test_approving_on_the_application_page_decides_the_review(org):
    from operations.services.unit_applications import unit_application_approve

    submitted = application(org, purpose_authority=None)
    with pytest.raises(ValidationError):  # no authority chosen by the applicant: choose it on the application page
        decide(org.officer_root, submitted.review, Decision.APPROVE)
    assert Review.objects.get(pk=submitted.review_id).state == ReviewState.IN_REVIEW
    unit_application_approve(actor=fresh(org.officer_root), application=submitted, purpose_authority=org.wmg)
    review = Review.objects.get(pk=submitted.review_id)
    assert review.state == ReviewState.APPROVED and review.events.last().actor == org.officer_root


def test_a_unit_application_is_rejected_with_the_reason_not_returned(org, django_capture_on_commit_callbacks):
    from operations.models import ApplicationStatus, UnitApplication

    submitted = application(org)
    with pytest.raises(ValidationError):
        decide(org.officer_wmg, submitted.review, Decision.RETURN, "請補件")
    assert Review.objects.get(pk=submitted.review_id).state == ReviewState.IN_REVIEW  # nothing half-written
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(org.officer_wmg, submitted.review, Decision.REJECT, "立案證書影本不清楚")
    rejected = UnitApplication.objects.get(pk=submitted.pk)
    assert rejected.status == ApplicationStatus.REJECTED and rejected.decision_reason == "立案證書影本不清楚"
    assert [m.to for m in mail.outbox] == [["chair@daan.example.org"]]


def test_the_application_page_shows_its_review_history(org, login):
    from operations.services.unit_applications import unit_application_reject

    submitted = application(org)
    unit_application_reject(actor=fresh(org.officer_wmg), application=submitted, reason="資料不齊全，請補件")
    page = login(org.officer_wmg).get(f"/backoffice/unit-applications/{submitted.pk}/").content.decode()
    assert "資料不齊全，請補件" in page and f"/backoffice/reviews/{submitted.review_id}/" in page


def test_the_submitter_follows_a_returned_nomination_on_its_back_office_page(org, scheme,  # noqa: F811
                                                                            django_capture_on_commit_callbacks):
    org.admin_a.email = "admin@a.example.org"
    org.admin_a.save()
    hours(org, org.vol_a, org.unit_a, "100")
    nomination = awards.award_nominate(actor=fresh(org.admin_a), level=scheme.levels.get(code="bronze"),
                                       volunteer=org.vol_a, unit=org.unit_a, year=2025)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(org.officer_wmg, nomination.review, Decision.RETURN, "請補附績效證明書")
    assert [m.to for m in mail.outbox] == [["admin@a.example.org"]]
    assert f"/backoffice/awards/nominations/{nomination.pk}/" in mail.outbox[0].body
    assert "請補附績效證明書" in mail.outbox[0].body


def test_who_decided_a_step_is_not_asked_to_decide_the_next(org, nomination, django_capture_on_commit_callbacks):
    for user, address in ((org.officer_root, "root@example.org"), (org.sysadmin, "admin@example.org")):
        user.email = address
        user.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(org.officer_root, nomination.review, Decision.APPROVE)
    assert [m.to for m in mail.outbox if "root@example.org" in m.to or "admin@example.org" in m.to] == [
        ["admin@example.org"]]
    assert svc.reviewer_addresses(Review.objects.get(pk=nomination.review_id)) == ["admin@example.org"]


def test_the_migration_starts_the_round_of_a_resubmitted_review_at_its_resubmission(org, nomination):
    import importlib

    from django.apps import apps

    decide(org.officer_wmg, nomination.review, Decision.RETURN, "請補件")
    review = Review.objects.get(pk=nomination.review_id)
    svc.review_resubmit(actor=fresh(org.admin_a), review=review, version=review.version)
    untouched = application(org).review
    Review.objects.update(round_version=1)
    migration = importlib.import_module("operations.migrations.0029_review_more_forms")
    migration.set_rounds(apps, None)
    assert Review.objects.get(pk=review.pk).round_version == 3
    assert Review.objects.get(pk=untouched.pk).round_version == 1
