"""Personal-data rights (PDPA Art.3, Art.11; DOMAIN §3.1): a request is made once, a completed deletion deletes
the account and what no law keeps and keeps what units must keep (checked row by row), a completion posted twice
decides once, only the competent authority decides, a refusal re-opens the account, stopping processing takes the
volunteer out of matching, due-date reminders, the retention job (dry run writes nothing), and My data."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    Attendance,
    AttendanceOutcome,
    AuditAction,
    AuditEvent,
    GuardianConsent,
    Membership,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
    User,
    Volunteer,
)
from operations.selectors import privacy as sel
from operations.selectors.volunteer_zone import my_data, my_data_rows
from operations.services import privacy as svc
from operations.services.people import volunteer_update
from operations.tasks import send_privacy_reminders
from tests.factories import CampaignFactory, PositionFactory, ShiftFactory, SignupFactory, UserFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def with_account(volunteer, email="vol@example.org") -> User:
    user = UserFactory(username=email, email=email, preferred_language="en")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user, email=email, address="市府路1號",
                                                     emergency_contact_name="王媽媽", notes="素食")
    volunteer.refresh_from_db()
    return user


def served(org, volunteer, *, days_ago=30) -> tuple[Signup, Attendance, ServiceRecord]:
    """A past shift the volunteer served: accepted sign-up, attendance with check-in/out, service record."""
    day = TODAY - datetime.timedelta(days=days_ago)
    shift = ShiftFactory(position=PositionFactory(campaign=CampaignFactory(unit=org.unit_a), venue=org.unit_a),
                         date=day)
    signup = SignupFactory(volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    attendance = Attendance.objects.create(signup=signup, shift=shift, volunteer=volunteer,
                                           outcome=AttendanceOutcome.PRESENT, check_in_at=start,
                                           check_out_at=start + datetime.timedelta(hours=4))
    record = ServiceRecord.objects.create(volunteer=volunteer, unit=org.unit_a, attendance=attendance, date=day,
                                          content="場館引導", minutes=240, hours=Decimal("4.0"), people_served=30)
    return signup, attendance, record


def coming_signup(volunteer, *, days=10, status=SignupStatus.APPLIED) -> Signup:
    shift = ShiftFactory(date=TODAY + datetime.timedelta(days=days))
    return SignupFactory(volunteer=volunteer, shift=shift, status=status)


def deletion(user) -> PrivacyRequest:
    return svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.DELETION, details="搬離臺北")


# --- the volunteer's request ------------------------------------------------------------------------------------

def test_a_request_is_made_once_due_in_thirty_days_and_a_deletion_closes_the_account(org):
    user = with_account(org.vol_a)
    first = deletion(user)
    again = deletion(user)
    assert first.pk == again.pk and PrivacyRequest.objects.count() == 1
    assert first.due_on == TODAY + datetime.timedelta(days=30)
    assert first.node == org.root
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.PRIVACY_REQUESTED).count() == 1
    # another kind is another request
    svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.STOP_PROCESSING)
    assert PrivacyRequest.objects.count() == 2


def test_bad_requests_are_refused_and_write_nothing(org):
    user = with_account(org.vol_a)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.CORRECTION, details="  ")
    with pytest.raises(ValidationError):
        svc.privacy_request_submit(user=user, kind="everything")
    with pytest.raises(ValidationError):
        svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.CORRECTION, details="x" * 2001)
    with pytest.raises(ValidationError):  # an account without a volunteer record
        svc.privacy_request_submit(user=org.nobody, kind=PrivacyRequestKind.DELETION)
    assert PrivacyRequest.objects.count() == 0 and AuditEvent.objects.count() == audit_before
    assert User.objects.get(pk=org.nobody.pk).deletion_requested_at is None


# --- completing a deletion --------------------------------------------------------------------------------------

def test_completing_a_deletion_keeps_what_must_be_kept_and_removes_the_rest(org, django_capture_on_commit_callbacks):
    volunteer = org.vol_a
    user = with_account(volunteer)
    kept_signup, attendance, record = served(org, volunteer)
    future = coming_signup(volunteer, status=SignupStatus.ACCEPTED)
    past_cancelled = SignupFactory(volunteer=volunteer, shift=ShiftFactory(date=TODAY - datetime.timedelta(days=90)),
                                   status=SignupStatus.CANCELLED)
    consent = GuardianConsent.objects.create(volunteer=volunteer, campaign=future.shift.position.campaign,
                                             guardian_name="林爸爸")
    volunteer_update(actor=org.sysadmin, volunteer=volunteer, phone="0911222333")
    volunteer_ct = ContentType.objects.get_for_model(Volunteer)
    assert LogEntry.objects.filter(content_type=volunteer_ct, object_pk=str(volunteer.pk)).exclude(changes={}).exists()
    request = deletion(user)
    plan = sel.deletion_plan(volunteer)
    assert [line.count for line in plan.kept][:2] == [1, 1]  # one service record, one served attendance
    assert plan.kept_until == sel.add_years(TODAY, 5)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = svc.privacy_request_complete(actor=org.officer_root, request=request)

    assert done.status == PrivacyRequestStatus.COMPLETED and done.decided_by == org.officer_root
    assert done.details == ""  # the reason given is not kept either
    # deleted: the account, contact details, sign-ups without service, the consent, the history of old values
    assert not User.objects.filter(pk=user.pk).exists()
    volunteer.refresh_from_db()
    assert volunteer.user_id is None
    assert (volunteer.email, volunteer.phone, volunteer.address, volunteer.emergency_contact_name, volunteer.notes) \
        == ("", "", "", "", "")
    assert list(volunteer.languages.all()) == []
    assert not Signup.objects.filter(pk__in=[future.pk, past_cancelled.pk]).exists()
    assert not GuardianConsent.objects.filter(pk=consent.pk).exists()
    assert not LogEntry.objects.filter(content_type=volunteer_ct, object_pk=str(volunteer.pk)).exclude(
        changes={}).exists()
    assert volunteer.data_deleted_at is not None and volunteer.anonymised_at is None
    # kept: the service record, the served shift's attendance, its sign-up, the (now ended) membership, and the
    # name and identity number that tie them to the person; the statistics' sex and birth date
    assert ServiceRecord.objects.filter(pk=record.pk, volunteer=volunteer, hours=Decimal("4.0")).exists()
    assert Attendance.objects.filter(pk=attendance.pk).exists() and Signup.objects.filter(pk=kept_signup.pk).exists()
    membership = Membership.objects.get(volunteer=volunteer)
    assert membership.left_on == TODAY
    assert volunteer.name == "甲隊林美華" and volunteer.sex and volunteer.birth_date == datetime.date(1990, 3, 14)
    assert done.outcome["kept"]["service_records"] == 1 and done.outcome["kept_until"] == plan.kept_until.isoformat()
    assert done.outcome["account"] == 1 and done.outcome["signups"] == 2
    # audited, and the person told once at the address they had
    assert AuditEvent.objects.filter(action=AuditAction.PRIVACY_COMPLETED, object_id=str(request.pk)).count() == 1
    assert [m.to for m in mail.outbox] == [["vol@example.org"]]
    assert plan.kept_until.isoformat() in mail.outbox[0].body


def test_a_deletion_with_nothing_to_keep_anonymises_at_once(org, django_capture_on_commit_callbacks):
    volunteer = org.vol_c
    Membership.objects.filter(volunteer=volunteer).delete()
    user = with_account(volunteer, "c@example.org")
    request = deletion(user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.privacy_request_complete(actor=org.sysadmin, request=request)
    volunteer.refresh_from_db()
    assert volunteer.anonymised_at is not None
    assert volunteer.name == f"ANON-{volunteer.pk}" and volunteer.id_number == f"ANON{volunteer.pk}"
    assert volunteer.birth_date == datetime.date(1966, 7, 1)  # the age band survives
    assert AuditEvent.objects.filter(action=AuditAction.ANONYMISED, object_id=str(volunteer.pk)).count() == 1
    assert not AuditEvent.objects.filter(object_repr__contains="李雅婷").exists()


def test_completion_posted_twice_decides_once(org, django_capture_on_commit_callbacks):
    user = with_account(org.vol_a)
    request = deletion(user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.privacy_request_complete(actor=org.officer_root, request=request)
        again = svc.privacy_request_complete(actor=org.sysadmin, request=request)
        refused = svc.privacy_request_refuse(actor=org.sysadmin, request=request, note="too late")
    assert again.decided_by == org.officer_root and refused.status == PrivacyRequestStatus.COMPLETED
    assert AuditEvent.objects.filter(action__in=[AuditAction.PRIVACY_COMPLETED, AuditAction.PRIVACY_REFUSED]).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("who", ["officer_wmg", "admin_a", "leader_a", "nobody"])
def test_only_the_competent_authority_decides(org, who):
    user = with_account(org.vol_a)
    request = deletion(user)
    with pytest.raises(PermissionDenied):
        svc.privacy_request_complete(actor=org.users[who], request=request)
    with pytest.raises(PermissionDenied):
        svc.privacy_request_refuse(actor=org.users[who], request=request, note="no")
    assert PrivacyRequest.objects.get().is_pending and User.objects.filter(pk=user.pk).exists()


def test_a_staff_account_is_not_deleted_while_it_holds_roles(org):
    Volunteer.objects.filter(pk=org.vol_a.pk).update(user=org.leader_a)
    request = deletion(org.leader_a)
    with pytest.raises(ValidationError):
        svc.privacy_request_complete(actor=org.officer_root, request=request)
    assert PrivacyRequest.objects.get().is_pending and User.objects.filter(pk=org.leader_a.pk).exists()


def test_refusing_needs_a_reason_and_re_opens_the_account(org, django_capture_on_commit_callbacks):
    user = with_account(org.vol_a)
    request = deletion(user)
    with pytest.raises(ValidationError):
        svc.privacy_request_refuse(actor=org.officer_root, request=request, note=" ")
    assert PrivacyRequest.objects.get().is_pending
    with django_capture_on_commit_callbacks(execute=True):
        svc.privacy_request_refuse(actor=org.officer_root, request=request, note="尚有保險理賠進行中")
    assert User.objects.get(pk=user.pk).deletion_requested_at is None
    assert PrivacyRequest.objects.get().status == PrivacyRequestStatus.REFUSED
    assert "尚有保險理賠進行中" in mail.outbox[-1].body


def test_a_correction_needs_what_was_corrected(org):
    user = with_account(org.vol_a)
    request = svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.CORRECTION, details="生日應為 3 月 15 日")
    with pytest.raises(ValidationError):
        svc.privacy_request_complete(actor=org.officer_root, request=request)
    done = svc.privacy_request_complete(actor=org.officer_root, request=request, note="已更正生日")
    assert done.status == PrivacyRequestStatus.COMPLETED and done.decision_note == "已更正生日"


def test_stopping_processing_cancels_coming_sign_ups_and_turns_mail_off(org):
    user = with_account(org.vol_a)
    coming = coming_signup(org.vol_a)
    request = svc.privacy_request_submit(user=user, kind=PrivacyRequestKind.STOP_PROCESSING)
    svc.privacy_request_complete(actor=org.officer_root, request=request)
    assert Signup.objects.get(pk=coming.pk).status == SignupStatus.CANCELLED
    user.refresh_from_db()
    assert not user.notify_by_email and not user.notify_reminders
    assert Volunteer.objects.get(pk=org.vol_a.pk).processing_stopped_at is not None


# --- reminders --------------------------------------------------------------------------------------------------

def test_a_digest_of_requests_coming_due_goes_out_once_a_day(org, django_capture_on_commit_callbacks):
    org.officer_root.email = "officer@example.org"
    org.officer_root.save()
    user = with_account(org.vol_a)
    request = deletion(user)
    assert send_privacy_reminders(TODAY.isoformat()) == 0  # due in 30 days: nothing yet
    PrivacyRequest.objects.filter(pk=request.pk).update(due_on=TODAY + datetime.timedelta(days=7))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_privacy_reminders(TODAY.isoformat()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        send_privacy_reminders(TODAY.isoformat())
    assert len(mail.outbox) == 1 and "officer@example.org" in mail.outbox[0].to
    assert f"#{request.pk}" in mail.outbox[0].body


# --- the retention job ------------------------------------------------------------------------------------------

def _age(volunteer, years=6):
    long_ago = timezone.now() - datetime.timedelta(days=365 * years)
    Volunteer.objects.filter(pk=volunteer.pk).update(created_at=long_ago)
    Membership.objects.filter(volunteer=volunteer).update(joined_on=long_ago.date(),
                                                          left_on=long_ago.date() + datetime.timedelta(days=30))


def _snapshot():
    return list(Volunteer.objects.order_by("pk").values_list("pk", "name", "id_number", "phone", "anonymised_at"))


def test_the_retention_dry_run_changes_nothing_and_the_run_anonymises_only_the_inactive(org):
    _age(org.vol_b)
    _age(org.vol_c)
    signup, _a, _r = served(org, org.vol_c, days_ago=365 * 6)  # served, but six years ago
    Signup.objects.filter(pk=signup.pk).update(created_at=timezone.now() - datetime.timedelta(days=365 * 6 + 10))
    before, audit_before = _snapshot(), AuditEvent.objects.count()
    report = svc.privacy_retention_run(dry_run=True)
    assert sorted(row["id"] for row in report.candidates) == sorted([org.vol_b.pk, org.vol_c.pk])
    assert _snapshot() == before and AuditEvent.objects.count() == audit_before

    report = svc.privacy_retention_run(dry_run=False)
    assert report.anonymised == 2
    for volunteer in (org.vol_b, org.vol_c):
        volunteer.refresh_from_db()
        assert volunteer.anonymised_at is not None and volunteer.name == f"ANON-{volunteer.pk}"
    assert ServiceRecord.objects.filter(volunteer=org.vol_c).count() == 1  # the hours stay for statistics
    active = Volunteer.objects.get(pk=org.vol_a.pk)
    assert active.anonymised_at is None and active.name == "甲隊林美華"
    assert AuditEvent.objects.filter(action=AuditAction.ANONYMISED).count() == 3  # two volunteers and the run
    assert svc.privacy_retention_run(dry_run=False).anonymised == 0  # nothing left to do


def test_the_retention_command_dry_run_prints_and_writes_nothing(org, capsys):
    from django.core.management import call_command

    _age(org.vol_b)
    before = _snapshot()
    call_command("privacy_retention", "--dry-run")
    out = capsys.readouterr().out
    assert f"would anonymise volunteer {org.vol_b.pk}" in out and "nothing was changed" in out
    assert _snapshot() == before


# --- My data ----------------------------------------------------------------------------------------------------

def test_my_data_holds_attendance_service_records_training_insurance_and_requests(org):
    user = with_account(org.vol_a)
    served(org, org.vol_a)
    deletion(user)
    data = my_data(Volunteer.objects.get(pk=org.vol_a.pk))
    assert data["attendance"][0]["outcome"] == "present"
    assert data["service_records"][0]["hours"] == "4.0"
    assert data["privacy_requests"][0]["request"] == "deletion"
    for key in ("training_enrolments", "training_certificates", "insurance_covers", "group_rosters",
                "guardian_consents", "memberships", "signups"):
        assert key in data
    titles = [title for title, _h, _r in my_data_rows(data)]
    assert {"attendance", "service_records", "insurance_covers", "training_certificates"} <= set(titles)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(__import__("django.db").db.connection.vendor != "postgresql",
                    reason="needs PostgreSQL row locks (DATABASE_URL)")
def test_two_officers_completing_at_once_decide_once(org, django_capture_on_commit_callbacks):
    from django.db import transaction

    from .journey_support import race

    user = with_account(org.vol_a)
    with transaction.atomic():  # the seat counter and the accepted sign-up commit together
        served(org, org.vol_a)
    request = deletion(user)
    mail.outbox.clear()
    errors = race([lambda: svc.privacy_request_complete(actor=org.officer_root, request=request),
                   lambda: svc.privacy_request_complete(actor=org.sysadmin, request=request),
                   lambda: svc.privacy_request_refuse(actor=org.sysadmin, request=request, note="no")])
    assert errors == []
    decided = PrivacyRequest.objects.get(pk=request.pk)
    assert not decided.is_pending
    assert AuditEvent.objects.filter(action__in=[AuditAction.PRIVACY_COMPLETED, AuditAction.PRIVACY_REFUSED],
                                     object_id=str(request.pk)).count() == 1
    assert len(mail.outbox) == 1  # tasks run inline after each commit: one decision, one mail
    assert ServiceRecord.objects.filter(volunteer=org.vol_a).count() == 1
