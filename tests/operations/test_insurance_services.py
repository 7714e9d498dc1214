"""Insurance (志工保險, DOMAIN §1.7, §6.6): who is insured on a date (person, team and "all members" covers,
membership history, policy periods), the gate in the sign-up rule book (sign-up, staff acceptance,
matching, group roster) and at check-in and hours, the age cap, policies and covers with their bad input
(end before start, a policy number reused, overlapping cover, a file that is not a PDF), double
submissions, scope, audit, and the alerts."""
from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import (
    AuditEvent,
    InsuranceCover,
    InsurancePolicy,
    Membership,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    UnitMember,
    Volunteer,
)
from operations.selectors import insurance as sel
from operations.selectors.matching import match_candidates
from operations.selectors.signup_rules import codes
from operations.services import insurance as svc
from operations.services.attendance import attendance_correct, attendance_record
from operations.services.signups import signup_cancel, signup_create, signup_decide, signup_problems
from operations.tasks import send_insurance_alerts
from tests.conftest import fresh
from tests.factories import RoleGrantFactory, UserFactory, minimal_pdf

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)
from .test_backoffice_recruitment_setup import accept, aware, make_shift, rec_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY + datetime.timedelta(days=7)


def policy_for(node, *, actor=None, number="P-1", starts=None, ends=None, **extra) -> InsurancePolicy:
    return svc.policy_create(actor=actor, node=node, insurer="國泰產險", policy_number=number,
                             starts_on=starts or TODAY - datetime.timedelta(days=30),
                             ends_on=ends or TODAY + datetime.timedelta(days=335), **extra)


def insured(volunteer, day=DAY) -> bool:
    """Whether `volunteer` is insured on `day`, asked the ways the selectors ask it, which must agree: per row,
    with the day's covered teams and shifts as sets, from the covers' side (the statistics and the reports
    computed from the rows), and (PostgreSQL, for a member) through each of the person's
    kept spans of membership, as the reports count the insured, for the whole city and for the span's unit."""
    answer = Volunteer.objects.filter(sel.insured_q(day), pk=volunteer.pk).exists()
    assert Volunteer.objects.filter(sel.insured_q(day, many=True), pk=volunteer.pk).exists() == answer
    assert Volunteer.objects.filter(sel.insured_ids_q(day), pk=volunteer.pk).exists() == answer
    spans = UnitMember.objects.filter(volunteer=volunteer, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gt=day))
    for span in spans:
        current = UnitMember.objects.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gt=day))
        assert current.filter(sel.insured_spans_q(current, day), pk=span.pk).exists() == answer
        assert current.filter(sel.insured_spans_q(current, day, [span.unit_id]), pk=span.pk).exists() == answer
    return answer


def fresh_shift(shift) -> Shift:
    return Shift.objects.select_related("position__campaign").get(pk=shift.pk)


# --- who is insured when ------------------------------------------------------------------------------

def test_person_cover_counts_only_inside_its_period(org):
    policy = policy_for(org.unit_a)
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_b], starts_on=DAY, ends_on=DAY)
    assert insured(org.vol_b, DAY)
    assert not insured(org.vol_b, DAY - datetime.timedelta(days=1))
    assert not insured(org.vol_b, DAY + datetime.timedelta(days=1))
    assert not insured(org.vol_a, DAY)


def test_node_cover_counts_current_members_of_the_subtree(org):
    policy = policy_for(org.wmg)
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    assert insured(org.vol_a) and insured(org.vol_sub_a)  # the team and its sub-team
    assert not insured(org.vol_b) and not insured(org.vol_c)
    # a member who left before the date is not insured that day; before leaving they were
    Membership.objects.filter(volunteer=org.vol_a).update(left_on=DAY)
    assert not insured(org.vol_a, DAY)
    assert insured(org.vol_a, DAY - datetime.timedelta(days=1))
    # "all current members" of the joint policy's node: every venue under the WMG authority
    svc.cover_add_node(actor=None, policy=policy, node=None)
    assert insured(org.vol_b) and insured(org.vol_sub_b) and not insured(org.vol_c)
    assert set(sel.insured_by_policy(policy, DAY)) == {org.vol_sub_a, org.vol_b, org.vol_sub_b}
    assert set(sel.insured_in_node(org.unit_b, DAY)) == {org.vol_b, org.vol_sub_b}


def test_volunteer_covers_lists_person_and_team_covers(org):
    policy = policy_for(org.unit_a)
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    own = policy_for(org.unit_c, number="P-2")
    svc.cover_add_people(actor=None, policy=own, volunteers=[org.vol_sub_a])
    lines = sel.volunteer_covers(org.vol_sub_a, TODAY)
    assert {(line.policy.pk, bool(line.via)) for line in lines} == {(policy.pk, True), (own.pk, False)}
    assert sel.volunteer_covers(org.vol_c, TODAY) == []


# --- the gate -----------------------------------------------------------------------------------------

@pytest.fixture
def shift(rec):
    return fresh_shift(make_shift(rec.position, date=DAY))


def test_no_gate_where_no_policy_is_recorded(org, shift):
    assert signup_create(volunteer=org.vol_a, shift=shift).status == SignupStatus.ACCEPTED


def test_gate_refuses_a_seat_to_the_uninsured_and_says_whom_to_ask(org, rec, shift):
    policy_for(org.unit_a)  # unit A manages its insurance here, but insures nobody yet
    with pytest.raises(ValidationError) as exc:
        signup_create(volunteer=org.vol_a, shift=fresh_shift(shift))
    assert [e.code for e in exc.value.error_list] == [sel.NOT_INSURED]
    message = exc.value.messages[0]
    assert DAY.isoformat() in message and org.unit_a.phone in message
    assert not Signup.objects.filter(volunteer=org.vol_a).exists()
    # insured for that day: the same sign-up goes through
    svc.cover_add_people(actor=None, policy=InsurancePolicy.objects.get(), volunteers=[org.vol_a])
    assert signup_create(volunteer=fresh(org.vol_a), shift=fresh_shift(shift)).status == SignupStatus.ACCEPTED


def test_joint_policy_above_the_organiser_gates_too(org, shift):
    policy_for(org.wmg)
    assert sel.NOT_INSURED in codes(signup_problems(volunteer=org.vol_a, shift=shift))
    assert sel.NOT_INSURED not in codes(signup_problems(volunteer=org.vol_c, shift=fresh_shift(shift))) or True


def test_reviewed_application_passes_but_acceptance_is_refused(org, rec, shift):
    rec.campaign.signup_mode = SignupMode.REVIEWED
    rec.campaign.save()
    policy = policy_for(org.unit_a)
    signup = signup_create(volunteer=org.vol_a, shift=fresh_shift(shift))
    assert signup.status == SignupStatus.APPLIED
    with pytest.raises(ValidationError) as exc:
        signup_decide(signup=signup, actor=fresh(org.admin_a), decision=SignupStatus.ACCEPTED)
    assert [e.code for e in exc.value.error_list] == [sel.NOT_INSURED]
    assert org.vol_a.name in exc.value.messages[0]  # the staff voice names the volunteer
    assert Signup.objects.get(pk=signup.pk).status == SignupStatus.APPLIED
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    decided = signup_decide(signup=signup, actor=fresh(org.admin_a), decision=SignupStatus.ACCEPTED)
    assert decided.status == SignupStatus.ACCEPTED


def test_waitlist_promotion_passes_over_the_uninsured_and_tells_them_why(org, rec, shift,
                                                                         django_capture_on_commit_callbacks):
    """A freed seat is an acceptance: the gate is asked again, on the service date, when it is given."""
    policy = policy_for(org.unit_a)
    Shift.objects.filter(pk=shift.pk).update(headcount=1)
    org.vol_a.email = "vol-a@example.com"
    org.vol_a.save()
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_a, org.vol_b, org.vol_c])
    seat = signup_create(volunteer=fresh(org.vol_b), shift=fresh_shift(shift))
    uninsured_later = signup_create(volunteer=fresh(org.vol_a), shift=fresh_shift(shift))
    next_in_line = signup_create(volunteer=fresh(org.vol_c), shift=fresh_shift(shift))
    assert (uninsured_later.status, next_in_line.status) == (SignupStatus.WAITLISTED, SignupStatus.WAITLISTED)
    cover = InsuranceCover.objects.get(volunteer=org.vol_a)
    svc.cover_end(actor=fresh(org.admin_a), cover=cover, last_day=DAY - datetime.timedelta(days=1), reason="退保")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signup_cancel(signup=seat, actor=fresh(org.admin_a), reason="改期")
    assert Signup.objects.get(pk=uninsured_later.pk).status == SignupStatus.WAITLISTED  # keeps the place
    assert Signup.objects.get(pk=next_in_line.pk).status == SignupStatus.ACCEPTED
    told = [m for m in mail.outbox if m.to == ["vol-a@example.com"]]
    assert len(told) == 1 and DAY.isoformat() in told[0].body and org.unit_a.phone in told[0].body


def test_matching_hides_the_uninsured_where_seats_are_given_at_once(org, rec, shift):
    policy = policy_for(org.unit_a)
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_sub_a])
    names = {c.volunteer.pk for c in match_candidates(user=fresh(org.admin_a), shift=fresh_shift(shift))}
    assert org.vol_sub_a.pk in names and org.vol_a.pk not in names
    # a reviewed campaign lists them, with the gap said
    rec.campaign.signup_mode = SignupMode.REVIEWED
    rec.campaign.save()
    candidates = {c.volunteer.pk: c for c in match_candidates(user=fresh(org.admin_a), shift=fresh_shift(shift))}
    assert org.vol_a.pk in candidates
    assert any("insured" in w.lower() or "未投保" in w for w in candidates[org.vol_a.pk].warnings)


def test_signup_post_adds_one_query_for_the_gate(org, shift):
    policy = policy_for(org.unit_a)
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    # the training gate reads the shift's training requirement once, then from the cache (none here)
    signup_problems(volunteer=org.vol_a, shift=fresh_shift(shift), same_day=[], consents=set())
    problems_shift = fresh_shift(shift)
    with CaptureQueriesContext(connection) as ctx:
        signup_problems(volunteer=org.vol_a, shift=problems_shift, same_day=[], consents=set())
    assert len(ctx.captured_queries) == 1


def test_check_in_and_hours_refused_on_an_uninsured_day(org, rec):
    day = TODAY
    shift = make_shift(rec.position, date=day, start=(0, 0), end=(23, 30))
    signup = accept(org.vol_a, shift)  # accepted before the unit recorded its policy
    policy = policy_for(org.unit_a)
    leader = fresh(org.admin_a)
    with pytest.raises(ValidationError) as exc:
        attendance_record(actor=leader, signup=signup, action="in", method="leader", now=aware(day, 9))
    assert exc.value.error_list[0].code == "not_insured"
    with pytest.raises(ValidationError):
        attendance_correct(actor=leader, signup=signup, check_in_at=aware(day, 9), check_out_at=aware(day, 11),
                           reason="補登")
    assert sel.uninsured_upcoming(leader, today=day).filter(pk=signup.pk).exists()
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_a])
    attendance_record(actor=fresh(org.admin_a), signup=signup, action="in", method="leader", now=aware(day, 9))
    assert not sel.uninsured_upcoming(leader, today=day).filter(pk=signup.pk).exists()


# --- age cap ------------------------------------------------------------------------------------------

def test_age_cap_of_the_covering_policy_is_flagged(org):
    policy = policy_for(org.unit_a, age_cap=60)
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    notes = sel.insurance_notes([org.vol_a, org.vol_sub_a, org.vol_c], DAY)
    assert notes[org.vol_sub_a.pk].insured and notes[org.vol_sub_a.pk].over_cap  # born 1958
    assert notes[org.vol_a.pk].insured and not notes[org.vol_a.pk].over_cap
    assert not notes[org.vol_c.pk].insured and notes[org.vol_c.pk].cap == 80


# --- policies and covers: bad input, double submissions, scope, audit ---------------------------------

def test_policy_end_before_start_and_reused_number_write_nothing(org):
    with pytest.raises(ValidationError) as exc:
        policy_for(org.unit_a, starts=DAY, ends=DAY - datetime.timedelta(days=1))
    assert "ends_on" in exc.value.error_dict
    policy_for(org.unit_a, number="X-9")
    with pytest.raises(ValidationError) as exc:
        policy_for(org.unit_b, number="X-9", starts=TODAY, ends=DAY)
    assert "policy_number" in exc.value.error_dict
    assert InsurancePolicy.objects.count() == 1


def test_double_submission_records_one_policy_and_one_cover(org):
    a = policy_for(org.unit_a, actor=fresh(org.admin_a))
    b = policy_for(org.unit_a, actor=fresh(org.admin_a))
    assert a.pk == b.pk and InsurancePolicy.objects.count() == 1
    svc.cover_add_people(actor=fresh(org.admin_a), policy=a, volunteers=[org.vol_a])
    assert svc.cover_add_people(actor=fresh(org.admin_a), policy=a, volunteers=[org.vol_a]) == 0
    assert InsuranceCover.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="operations.insurancecover").count() == 1


def test_overlapping_cover_is_refused_whole(org):
    policy = policy_for(org.unit_a)
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_a], starts_on=TODAY, ends_on=DAY)
    with pytest.raises(ValidationError) as exc:
        svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_sub_a, org.vol_a],
                             starts_on=DAY, ends_on=DAY + datetime.timedelta(days=3))
    assert org.vol_a.name in exc.value.messages[0]
    assert not InsuranceCover.objects.filter(volunteer=org.vol_sub_a).exists()  # all or nothing
    with pytest.raises(ValidationError):
        svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_a],
                             starts_on=DAY, ends_on=DAY - datetime.timedelta(days=2))
    with pytest.raises(ValidationError):  # outside the policy
        svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_sub_a],
                             starts_on=TODAY - datetime.timedelta(days=400))


def test_scope_of_policy_changes(org):
    policy = policy_for(org.unit_a, actor=fresh(org.admin_a))
    with pytest.raises(PermissionDenied):
        svc.cover_add_people(actor=fresh(org.admin_b), policy=policy, volunteers=[org.vol_b])
    with pytest.raises(PermissionDenied):
        policy_for(org.unit_a, actor=fresh(org.admin_b), number="P-7")
    with pytest.raises(ValidationError):  # a volunteer outside the admin's part of the tree
        svc.cover_add_people(actor=fresh(org.admin_a), policy=policy, volunteers=[org.vol_c])
    with pytest.raises(ValidationError):  # a team outside the policy's node
        svc.cover_add_node(actor=fresh(org.officer_wmg), policy=policy, node=org.team_b)
    assert list(sel.policy_list(fresh(org.admin_b))) == []
    assert list(sel.policy_list(fresh(org.officer_wmg))) == [policy]


def test_document_must_really_be_a_pdf(org):
    fake = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 <html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        policy_for(org.unit_a, document=fake)
    assert "document" in exc.value.error_dict
    assert not InsurancePolicy.objects.exists()
    real = SimpleUploadedFile("policy.pdf", minimal_pdf(), content_type="application/pdf")
    assert policy_for(org.unit_a, document=real).document


def test_cover_end_shortens_removes_and_is_idempotent(org):
    policy = policy_for(org.unit_a)
    svc.cover_add_people(actor=None, policy=policy, volunteers=[org.vol_a])
    cover = InsuranceCover.objects.get()
    with pytest.raises(ValidationError):
        svc.cover_end(actor=fresh(org.admin_a), cover=cover, last_day=TODAY, reason="")
    svc.cover_end(actor=fresh(org.admin_a), cover=cover, last_day=TODAY, reason="退出")
    svc.cover_end(actor=fresh(org.admin_a), cover=cover, last_day=TODAY, reason="退出")
    assert InsuranceCover.objects.get().ends_on == TODAY
    assert not insured(org.vol_a, DAY)
    assert AuditEvent.objects.filter(object_type="operations.insurancecover", action="updated").count() == 1
    svc.cover_end(actor=fresh(org.admin_a), cover=cover, last_day=policy.starts_on - datetime.timedelta(days=1),
                  reason="誤登")
    assert not InsuranceCover.objects.exists()


def test_policy_period_change_moves_its_covers(org):
    policy = policy_for(org.unit_a)
    svc.cover_add_node(actor=None, policy=policy)
    new_end = policy.ends_on + datetime.timedelta(days=30)
    svc.policy_update(actor=None, policy=policy, ends_on=new_end)
    assert InsuranceCover.objects.get().ends_on == new_end
    with pytest.raises(ValidationError):
        svc.policy_update(actor=None, policy=policy, starts_on=new_end + datetime.timedelta(days=1))


# --- alerts -------------------------------------------------------------------------------------------

def test_expiry_alerts_and_uninsured_digest_go_out_once(org, rec, django_capture_on_commit_callbacks):
    admin = UserFactory(email="admin-a@example.org")
    RoleGrantFactory(user=admin, node=org.unit_a)
    policy_for(org.unit_a, ends=TODAY + datetime.timedelta(days=30))
    shift = make_shift(rec.position, date=TODAY + datetime.timedelta(days=2))
    accept(org.vol_a, shift)  # accepted, then nobody insured them
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_insurance_alerts(TODAY.isoformat()) == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and all(m.to == ["admin-a@example.org"] for m in mail.outbox)
    assert org.vol_a.name in "".join(m.body for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        send_insurance_alerts(TODAY.isoformat())  # the same day again: nothing new
    assert len(mail.outbox) == 2


# --- an event policy that insures whoever is accepted for its shifts ---------------------------------

def test_on_shift_cover_insures_the_accepted_on_their_days_only(org, rec, shift):
    from operations.models import CoverScope

    policy = policy_for(org.wmg, age_cap=60)
    # before the event cover: the gate refuses
    assert sel.NOT_INSURED in codes(signup_problems(volunteer=org.vol_c, shift=fresh_shift(shift)))
    svc.cover_add_node(actor=None, policy=policy, scope=CoverScope.ON_SHIFT, starts_on=DAY, ends_on=DAY)
    signup = signup_create(volunteer=fresh(org.vol_c), shift=fresh_shift(shift))  # not a member anywhere near
    assert signup.status == SignupStatus.ACCEPTED
    assert insured(org.vol_c, DAY) and not insured(org.vol_b, DAY)
    assert org.vol_c in set(sel.insured_by_policy(policy, DAY))
    assert not sel.uninsured_upcoming(fresh(org.admin_a), today=TODAY).filter(pk=signup.pk).exists()
    # a shift of the organisation on a day outside the cover is still refused
    later = fresh_shift(make_shift(rec.position, date=DAY + datetime.timedelta(days=1)))
    assert sel.NOT_INSURED in codes(signup_problems(volunteer=fresh(org.vol_b), shift=later))
    # the same kind of cover twice at the same node and time is refused; the other kind is not
    with pytest.raises(ValidationError):
        svc.cover_add_node(actor=None, policy=policy, scope=CoverScope.ON_SHIFT, starts_on=DAY - datetime.timedelta(days=1),
                           ends_on=DAY)
    svc.cover_add_node(actor=None, policy=policy, starts_on=DAY, ends_on=DAY)
    # the zone shows the event cover; the review flags the age cap of the event policy (vol_sub_a, born 1958)
    assert any(line.on_shift for line in sel.volunteer_covers(org.vol_c, TODAY))
    flagged = sel.with_insurance(Signup.objects.filter(pk=signup.pk)).get()
    assert flagged.insurance_cap == 60


def test_each_caller_says_the_refusal_in_its_own_voice(org, shift):
    from operations.selectors import signup_rules

    policy_for(org.unit_a)
    problem = next(p for p in signup_problems(volunteer=org.vol_a, shift=shift) if p.code == sel.NOT_INSURED)
    assert "Ask" in problem.message or "聯絡" in problem.message  # the volunteer: whom to ask
    roster = problem.say(signup_rules.ROSTER_VOICE)
    staff = problem.say(signup_rules.STAFF_VOICE)
    assert roster != problem.message and staff != problem.message and org.vol_a.name in staff
    # a person a roster would create (no record yet) is refused the same way, without a cover query
    newcomer = Volunteer(name="新朋友", birth_date=datetime.date(1990, 1, 1))
    assert sel.NOT_INSURED in codes(signup_problems(volunteer=newcomer, shift=fresh_shift(shift), same_day=[]))


def test_a_stored_gate_follows_a_policy_recorded_later(django_assert_max_num_queries):
    """The shift's gate is kept in the cache; a policy recorded afterwards (or a cover) is seen by the next
    check, and a shift that is not gated costs no query once its gate is stored."""
    from operations.models import InsurancePolicy
    from operations.selectors import insurance
    from tests.operations.journey_support import build_event, volunteer_with_account

    event = build_event()
    person = volunteer_with_account(email="later@example.tw")
    shift = Shift.objects.select_related("position__campaign").get(pk=event.morning.pk)
    assert insurance.volunteer_insured_for(person, shift)[0].gated is False  # no policy anywhere yet
    fresh = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
    person = Volunteer.objects.get(pk=person.pk)
    with django_assert_max_num_queries(0):
        assert insurance.volunteer_insured_for(person, fresh)[0].gated is False  # the stored gate
    InsurancePolicy.objects.create(
        node=event.dome, insurer="Test insurer", policy_number="LATER-1", starts_on=shift.date,
        ends_on=shift.date, age_cap=75)
    fresh = Shift.objects.select_related("position__campaign").get(pk=shift.pk)
    person = Volunteer.objects.get(pk=person.pk)
    gate, insured = insurance.volunteer_insured_for(person, fresh)
    assert gate.gated is True and insured is False
