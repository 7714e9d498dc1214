"""Issue 9 on any database: the sign-up transition table, repeated requests as no-ops, the overlap rule of
several shifts at once, one-time keys on the sign-up and cancel forms (a repeated POST shows the first
result; a refused cancel is told apart from a successful one), and the invariant check with repair."""
from __future__ import annotations

import datetime
import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import AuditEvent, RoleGrant, Shift, Signup, SignupStatus, SubmissionKey, User
from operations.services.seat_invariants import seat_invariant_findings, seat_invariant_repair
from operations.services.seats import TransitionNotAllowed
from operations.services.signups import (
    SIGNUP_TRANSITIONS,
    promote_waitlist,
    signup_cancel,
    signup_create,
    signup_create_many,
    signup_decide,
)
from operations.services.submissions import submission_keys_purge
from tests.factories import ShiftFactory, VolunteerFactory

from .journey_support import build_event, run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


@pytest.fixture
def event(db):
    return build_event(headcount=1)


@pytest.fixture
def ming(event):
    return volunteer_with_account(email="ming@example.com")


@pytest.fixture
def officer(event):
    user = User.objects.create_user(username="officer", email="officer@example.com")
    RoleGrant.objects.create(user=user, node=event.dome.get_parent(), role="authority_officer")
    return user


def fresh(shift):
    return Shift.objects.select_related("position__campaign", "position__venue").get(pk=shift.pk)


# --- the transition table ---------------------------------------------------------------------------

def test_the_transition_table_allows_repeats_and_refuses_the_rest():
    assert SIGNUP_TRANSITIONS.step("cancel", SignupStatus.ACCEPTED).changed
    assert not SIGNUP_TRANSITIONS.step("cancel", SignupStatus.CANCELLED).changed  # a repeat: no-op
    assert SIGNUP_TRANSITIONS.step("take_seat", None).target == SignupStatus.ACCEPTED
    assert SIGNUP_TRANSITIONS.step("take_seat", SignupStatus.CANCELLED).changed  # signing up again
    with pytest.raises(TransitionNotAllowed) as exc:
        SIGNUP_TRANSITIONS.step("accept", SignupStatus.CANCELLED)
    assert exc.value.messages == [_("Only active sign-ups can be decided on.")]
    assert "只" in exc.value.messages[0] or "active" in exc.value.messages[0]  # translated (zh-hant first)
    with pytest.raises(TransitionNotAllowed):
        SIGNUP_TRANSITIONS.step("promote", SignupStatus.APPLIED)
    with pytest.raises(TransitionNotAllowed):
        SIGNUP_TRANSITIONS.step("join_waitlist", SignupStatus.ACCEPTED)


def test_a_sign_up_decides_on_the_campaign_as_it_is_now_not_on_the_caller_s_copy(event, ming):
    """The service reads the shift and its campaign again (only the sign-up page, which has just read them,
    says `fresh`): a campaign closed after the caller's copy was read refuses the sign-up."""
    from operations.models import Campaign, CampaignStatus

    shift = fresh(event.morning)
    Campaign.objects.filter(pk=shift.position.campaign_id).update(status=CampaignStatus.CLOSED)
    with pytest.raises(ValidationError) as refused:
        signup_create(volunteer=ming, shift=shift)
    assert _("This recruitment is not open.") in refused.value.messages
    assert not Signup.objects.filter(volunteer=ming).exists()


def test_the_same_time_lock_takes_exactly_the_rows_of_the_overlap_rule(event, ming):
    """`_lock_same_time` locks with a statement written once in SQL; it must take the rows `same_time_q` (the
    overlap rule) gives: the same day, starting before the shift ends and ending after it starts — not a
    shift that only touches it, another day's, or another volunteer's."""
    from django.db.models import Q

    from operations.selectors import signup_rules
    from operations.services.signups import _lock_same_time

    base = event.morning
    day, other_day = base.date, base.date + datetime.timedelta(days=1)
    times = [(7, 9), (8, 12), (11, 13), (12, 14), (6, 8), (9, 10)]  # overlap, same, overlap, touches, touches, inside
    shifts = [ShiftFactory(position=base.position, date=day, start_time=datetime.time(a), end_time=datetime.time(b),
                           headcount=5) for a, b in times]
    shifts.append(ShiftFactory(position=base.position, date=other_day, start_time=base.start_time,
                               end_time=base.end_time, headcount=5))
    someone = VolunteerFactory()
    for shift in shifts:
        Signup.objects.create(volunteer=ming, shift=shift, status=SignupStatus.WAITLISTED)
        Signup.objects.create(volunteer=someone, shift=shift, status=SignupStatus.WAITLISTED)
    for probe in [base, *shifts]:
        expected = list(Signup.objects.filter(Q(volunteer=ming) & signup_rules.same_time_q(probe))
                        .order_by("id").values_list("id", flat=True))
        for reread in (False, True):
            assert [s.pk for s in _lock_same_time(ming.pk, probe, reread=reread)] == expected
    assert len([s for s in _lock_same_time(ming.pk, base) if s.shift.date == day]) == 4  # 7–9, 8–12, 11–13, 9–10


def test_a_repeated_cancel_or_decision_changes_nothing(event, officer):
    people = [volunteer_with_account(email=f"p{i}@example.com") for i in range(3)]
    first, second, third = (signup_create(volunteer=v, shift=event.morning) for v in people)
    signup_cancel(signup=first, actor=people[0].user)
    again = signup_cancel(signup=first, actor=people[0].user)  # answers like the first, frees nothing
    assert again.status == SignupStatus.CANCELLED
    assert Signup.objects.get(pk=second.pk).status == SignupStatus.ACCEPTED
    assert Signup.objects.get(pk=third.pk).status == SignupStatus.WAITLISTED
    events = AuditEvent.objects.filter(object_type="operations.signup", object_id=str(second.pk)).count()
    signup_decide(signup=second, actor=officer, decision="accepted")  # already accepted: no-op, no audit
    assert AuditEvent.objects.filter(object_type="operations.signup", object_id=str(second.pk)).count() == events
    with pytest.raises(ValidationError, match=_("Only active sign-ups can be decided on.")):
        signup_decide(signup=first, actor=officer, decision="accepted")
    assert seat_invariant_findings() == []


# --- several shifts, overlaps -----------------------------------------------------------------------

def test_a_full_shift_never_costs_the_free_overlapping_one(event, ming):
    """The issue's case: A (full) and B (free) overlap; the volunteer gets B's seat and keeps a waitlist
    place on A, whose promotion passes them over (and tells them) while they hold B."""
    holder = volunteer_with_account(email="holder@example.com")
    seat = signup_create(volunteer=holder, shift=event.morning)
    outcomes = signup_create_many(volunteer=ming, shifts=[fresh(event.morning), fresh(event.overlapping)])
    assert [o.status for o in outcomes] == [SignupStatus.WAITLISTED, SignupStatus.ACCEPTED]
    assert str(event.overlapping) in outcomes[0].note
    other = volunteer_with_account(email="other@example.com")
    assert signup_create(volunteer=other, shift=event.morning).status == SignupStatus.WAITLISTED
    mail.outbox.clear()
    signup_cancel(signup=seat, actor=holder.user)
    assert Signup.objects.get(volunteer=ming, shift=event.morning).status == SignupStatus.WAITLISTED
    assert Signup.objects.get(volunteer=other, shift=event.morning).status == SignupStatus.ACCEPTED
    told = [m for m in mail.outbox if m.to == ["ming@example.com"]]
    assert len(told) == 1
    assert _("A seat became free, but you have another shift at that time") in told[0].subject
    assert seat_invariant_findings() == []


def test_two_free_overlapping_shifts_give_the_earlier_and_refuse_the_later(event, ming):
    outcomes = signup_create_many(volunteer=ming, shifts=[fresh(event.overlapping), fresh(event.morning)])
    assert [o.shift.pk for o in outcomes] == [event.morning.pk, event.overlapping.pk]
    assert outcomes[0].status == SignupStatus.ACCEPTED and not outcomes[1].ok
    assert _("This shift overlaps another of your shifts (%(shift)s).") % {"shift": str(event.morning)} in \
        outcomes[1].errors


def test_promotion_skips_someone_accepted_elsewhere_at_that_time(event, officer):
    holder, waiting = VolunteerFactory(), VolunteerFactory()
    seat = signup_create(volunteer=holder, shift=event.morning)
    place = signup_create(volunteer=waiting, shift=event.morning)
    assert place.status == SignupStatus.WAITLISTED
    signup_create(volunteer=waiting, shift=event.overlapping)  # accepted there
    signup_decide(signup=seat, actor=officer, decision="rejected", reason="重複報名")
    assert Signup.objects.get(pk=place.pk).status == SignupStatus.WAITLISTED
    event.morning.refresh_from_db()
    assert event.morning.accepted_count == 0
    assert seat_invariant_findings() == []  # the only one waiting holds an overlapping seat: not a stall
    assert promote_waitlist(shift=event.morning) == []


def test_a_skipped_volunteer_is_told_once_however_often_seats_free(event, officer,
                                                                   django_capture_on_commit_callbacks):
    from django.core import mail

    waiting = VolunteerFactory(email="waiting@example.com")
    seat = signup_create(volunteer=VolunteerFactory(), shift=event.morning)
    Shift.objects.filter(pk=event.morning.pk).update(headcount=1)
    signup_create(volunteer=waiting, shift=event.morning)  # waitlisted
    signup_create(volunteer=waiting, shift=event.overlapping)  # accepted there
    with django_capture_on_commit_callbacks(execute=True):
        signup_decide(signup=seat, actor=officer, decision="rejected", reason="重複報名")  # passed over once
    newcomer = signup_create(volunteer=VolunteerFactory(), shift=event.morning)  # takes the free seat
    assert newcomer.status == SignupStatus.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        signup_decide(signup=newcomer, actor=officer, decision="rejected", reason="重複報名")  # and again
    skipped = render_to_string("emails/signup_subject.txt", {
        "signup": Signup.objects.get(volunteer=waiting, shift=event.morning), "event": "skipped_overlap"}).strip()
    assert [m.subject for m in mail.outbox if m.to == ["waiting@example.com"]].count(skipped) == 1


def test_the_confirmation_page_flags_chosen_shifts_that_overlap(client, event, ming):
    client.force_login(ming.user)
    page = client.get("/volunteer/signup/", {"shift": [event.morning.pk, event.overlapping.pk, event.afternoon.pk]})
    assert page.status_code == 200
    assert page.context["overlap_pairs"] == [(event.morning, event.overlapping), (event.overlapping, event.afternoon)]
    html = page.content.decode()
    assert html.count(_("Overlaps another chosen shift")) == 3
    assert 'type="checkbox" name="shift"' in html and 'name="submission_key"' in html
    # Unticking one of them keeps it out of the POST.
    key = page.context["submission_key"]
    result = client.post("/volunteer/signup/", {"shift": [event.morning.pk, event.afternoon.pk], "submission_key": key})
    assert [o.status for o in result.context["outcomes"]] == [SignupStatus.ACCEPTED, SignupStatus.ACCEPTED]
    assert not Signup.objects.filter(volunteer=ming, shift=event.overlapping).exists()


def test_the_overlap_flags_name_shifts_in_the_page_language(client, event, ming):
    Shift.objects.filter(pk__in=[event.morning.pk, event.overlapping.pk]).update(name="早班", name_en="Morning")
    client.force_login(ming.user)
    html = client.get("/en/volunteer/signup/", {"shift": [event.morning.pk, event.overlapping.pk]}).content.decode()
    pairs = html[html.index("signup-overlaps"):html.index("</ul>", html.index("signup-overlaps"))]
    assert "Morning" in pairs and "早班" not in pairs


# --- one-time keys ----------------------------------------------------------------------------------

def test_a_repeated_sign_up_post_shows_the_first_result(client, event, ming):
    client.force_login(ming.user)
    key = client.get("/volunteer/signup/", {"shift": [event.morning.pk]}).context["submission_key"]
    first = client.post("/volunteer/signup/", {"shift": [event.morning.pk], "submission_key": key})
    again = client.post("/volunteer/signup/", {"shift": [event.morning.pk], "submission_key": key})
    assert first.context["outcomes"][0].status == SignupStatus.ACCEPTED
    assert again.context["repeated"] and again.context["outcomes"][0].status == SignupStatus.ACCEPTED
    assert again.context["outcomes"][0].signup.pk == first.context["outcomes"][0].signup.pk
    assert _("You have already signed up for this shift.") not in again.content.decode()
    assert Signup.objects.filter(volunteer=ming).count() == 1
    assert len(mail.outbox) == 1
    # A new form (new key) is a new request: refused as already signed up.
    other = client.post("/volunteer/signup/", {"shift": [event.morning.pk],
                                               "submission_key": "0" * 32}).context["outcomes"][0]
    assert not other.ok and _("You have already signed up for this shift.") in other.errors


def test_a_repeated_cancel_post_answers_like_the_first(client, event, ming):
    client.force_login(ming.user)
    signup = signup_create(volunteer=ming, shift=event.morning)
    waiting = VolunteerFactory()
    place = signup_create(volunteer=waiting, shift=event.morning)
    key = client.get(f"/volunteer/shifts/{signup.pk}/cancel/").context["submission_key"]
    first = client.post(f"/volunteer/shifts/{signup.pk}/cancel/", {"submission_key": key})
    again = client.post(f"/volunteer/shifts/{signup.pk}/cancel/", {"submission_key": key}, follow=True)
    assert first.status_code == 302 and first.url.endswith("/volunteer/shifts/")
    assert again.redirect_chain[0][1] == 302
    assert [str(m) for m in again.context["messages"]][-1] == _("Your sign-up is cancelled.")
    assert Signup.objects.get(pk=place.pk).status == SignupStatus.ACCEPTED
    assert SubmissionKey.objects.filter(user=ming.user, purpose="cancel").count() == 1


def test_a_refused_cancel_is_told_apart_from_a_successful_one(client, event, ming):
    client.force_login(ming.user)
    soon = ShiftFactory(position=event.dome_position, date=timezone.localdate() + datetime.timedelta(days=1),
                        start_time=datetime.time(8), end_time=datetime.time(9), headcount=3)
    late = signup_create(volunteer=ming, shift=soon)
    key = client.get(f"/volunteer/shifts/{late.pk}/cancel/").context["submission_key"]
    refused = client.post(f"/volunteer/shifts/{late.pk}/cancel/", {"submission_key": key})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert _("Your sign-up was not cancelled.") in html and "48" in html
    assert _("Yes, cancel my sign-up") not in html
    again = client.post(f"/volunteer/shifts/{late.pk}/cancel/", {"submission_key": key})
    assert again.status_code == 409 and _("Your sign-up was not cancelled.") in again.content.decode()
    assert Signup.objects.get(pk=late.pk).status == SignupStatus.ACCEPTED


def test_old_submission_keys_are_purged(ming):
    SubmissionKey.objects.create(user=ming.user, key="a" * 32, purpose="cancel", result={"ok": True})
    assert submission_keys_purge(now=timezone.now() + datetime.timedelta(days=3)) == 1


# --- the invariant check ----------------------------------------------------------------------------

def test_the_invariant_check_finds_and_repairs_with_an_audit_record(event, settings, caplog):
    settings.ADMINS = [("ops", "ops@example.com")]
    people = [VolunteerFactory() for _ in range(3)]
    for v in people:
        signup_create(volunteer=v, shift=event.afternoon)  # 1 accepted, 2 waiting
    # Break it the way the old double cancel did: a second row accepted behind the counter's back, and a
    # free seat on another shift while someone waits.
    Signup.objects.filter(volunteer=people[1], shift=event.afternoon).update(status=SignupStatus.ACCEPTED)
    Shift.objects.filter(pk=event.language_shift.pk).update(headcount=2)
    waiting = VolunteerFactory()
    Signup.objects.create(volunteer=waiting, shift=event.language_shift, status=SignupStatus.WAITLISTED)
    kinds = sorted((f.shift_id, f.kind) for f in seat_invariant_findings())
    assert kinds == sorted([(event.afternoon.pk, "counter"), (event.afternoon.pk, "overbooked"),
                            (event.language_shift.pk, "stalled")])
    mail.outbox.clear()
    with caplog.at_level(logging.ERROR, logger="operations.seats"), pytest.raises(CommandError):
        call_command("check_signup_invariants")
    assert any(r.levelno == logging.ERROR and "overbooked" in r.getMessage() for r in caplog.records)
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    call_command("check_signup_invariants", "--repair", "--no-alert")
    assert seat_invariant_findings() == []
    assert Signup.objects.filter(shift=event.afternoon, status=SignupStatus.ACCEPTED).count() == 1
    assert Signup.objects.get(volunteer=waiting).status == SignupStatus.ACCEPTED
    repairs = AuditEvent.objects.filter(object_type="operations.shift", reason=_("Seat invariant repair"))
    assert {int(e.object_id) for e in repairs} == {event.afternoon.pk, event.language_shift.pk}
    call_command("check_signup_invariants")  # clean now: no error


def test_the_nightly_task_alerts_the_system_admins(event, settings):
    from operations.tasks import check_signup_invariants

    settings.ADMINS = []
    admin = User.objects.create_user(username="root-admin", email="root-admin@example.com")
    RoleGrant.objects.create(user=admin, node=event.dome.get_root(), role="system_admin")
    Shift.objects.filter(pk=event.morning.pk).update(accepted_count=1)  # counted, but nobody accepted
    mail.outbox.clear()
    assert check_signup_invariants.delay().get() == 1
    assert [m.to for m in mail.outbox] == [["root-admin@example.com"]]
    assert f"shift {event.morning.pk}: counter" in mail.outbox[0].body
    assert Shift.objects.get(pk=event.morning.pk).accepted_count == 1  # the nightly run only reports
    seat_invariant_repair(shift_id=event.morning.pk)  # leave it consistent (PostgreSQL checks at teardown)
    assert seat_invariant_findings() == []
