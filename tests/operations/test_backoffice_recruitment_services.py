"""Recruitment management rules: plans gate campaigns, bulk shift generation (and its bad input),
headcount edits, promotion on reject and cancel, bulk decisions all-or-nothing, matching."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    AuditEvent,
    CampaignStatus,
    FilingStatus,
    GuardianConsent,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
)
from operations.selectors.matching import match_candidates
from operations.services.recruitment import (
    ShiftSlot,
    campaign_create,
    campaign_update,
    match_assign,
    shift_pattern_plan,
    shifts_generate,
    signups_decide_bulk,
)
from operations.services.signups import shift_set_headcount, signup_cancel, signup_decide
from tests.conftest import fresh
from tests.factories import ServicePlanFactory

from .test_backoffice_recruitment_setup import accept, extra_volunteer, make_shift, rec_fixture  # noqa: F401

T = datetime.time
SLOTS = [ShiftSlot("早班", T(8), T(12), 10), ShiftSlot("午班", T(12), T(16), 10), ShiftSlot("晚班", T(16), T(20), 10)]


# --- plans gate campaigns ----------------------------------------------------------------------------

def _campaign_fields(rec, **overrides):
    fields = dict(code="new-campaign", title="新招募", starts_on=rec.campaign.starts_on, ends_on=rec.campaign.ends_on,
                  status=CampaignStatus.OPEN, service_plan=rec.plan)
    fields.update(overrides)
    return fields


def test_campaign_cannot_open_without_a_plan(rec):
    with pytest.raises(ValidationError) as exc:
        campaign_create(actor=fresh(rec.org.admin_a), unit=rec.org.unit_a, **_campaign_fields(rec, service_plan=None))
    assert "service plan" in str(exc.value.message_dict["status"]).lower() or "服務計畫" in str(exc.value.message_dict)
    assert not rec.org.unit_a.campaigns.filter(code="new-campaign").exists()


def test_campaign_cannot_open_with_an_unfiled_plan_but_may_stay_draft(rec):
    draft_plan = ServicePlanFactory(unit=rec.org.unit_a, filing_status=FilingStatus.SUBMITTED,
                                    starts_on=rec.plan.starts_on, ends_on=rec.plan.ends_on)
    admin = fresh(rec.org.admin_a)
    with pytest.raises(ValidationError) as exc:
        campaign_create(actor=admin, unit=rec.org.unit_a, **_campaign_fields(rec, service_plan=draft_plan))
    assert "status" in exc.value.message_dict
    campaign = campaign_create(actor=admin, unit=rec.org.unit_a,
                               **_campaign_fields(rec, service_plan=draft_plan, status=CampaignStatus.DRAFT))
    with pytest.raises(ValidationError):
        campaign_update(actor=admin, campaign=campaign, status=CampaignStatus.OPEN)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    campaign = campaign_update(actor=admin, campaign=campaign, service_plan=rec.plan, status=CampaignStatus.OPEN)
    assert campaign.status == CampaignStatus.OPEN


def test_campaign_outside_the_plan_period_cannot_open(rec):
    with pytest.raises(ValidationError) as exc:
        campaign_create(actor=fresh(rec.org.admin_a), unit=rec.org.unit_a,
                        **_campaign_fields(rec, ends_on=rec.plan.ends_on + datetime.timedelta(days=1)))
    assert "status" in exc.value.message_dict


def test_campaign_for_another_unit_is_refused(rec):
    with pytest.raises(PermissionDenied):
        campaign_create(actor=fresh(rec.org.admin_b), unit=rec.org.unit_a, **_campaign_fields(rec))


# --- bulk shift generation ---------------------------------------------------------------------------

def test_pattern_preview_then_generate(rec):
    start = rec.campaign.starts_on
    plan = shift_pattern_plan(position=rec.position, date_from=start, date_to=start + datetime.timedelta(days=2), slots=SLOTS)
    assert len(plan) == 9
    assert [p.name for p in plan[:3]] == ["早班", "午班", "晚班"]
    assert Shift.objects.filter(position=rec.position).count() == 0  # the preview writes nothing
    created = shifts_generate(actor=fresh(rec.org.admin_a), position=rec.position, date_from=start,
                              date_to=start + datetime.timedelta(days=2), slots=SLOTS)
    assert len(created) == 9
    assert sorted(set(Shift.objects.filter(position=rec.position).values_list("headcount", flat=True))) == [10]
    assert AuditEvent.objects.filter(object_type="operations.position", object_id=str(rec.position.pk)).exists()


def test_pattern_only_on_chosen_weekdays(rec):
    start = rec.campaign.starts_on
    plan = shift_pattern_plan(position=rec.position, date_from=start, date_to=start + datetime.timedelta(days=13),
                              slots=SLOTS[:1], weekdays={5, 6})
    assert len(plan) == 4 and all(p.date.weekday() in (5, 6) for p in plan)


@pytest.mark.parametrize("slots,dates,message", [
    ([ShiftSlot("早班", T(8), T(12), 10), ShiftSlot("長班", T(11), T(15), 10)], (0, 1), "overlap"),
    ([ShiftSlot("夜班", T(20), T(16), 10)], (0, 1), "ends before it starts"),
    ([ShiftSlot("早班", T(8), T(12), -1)], (0, 1), "below zero"),
    (SLOTS, (3, 1), "ends"),
    ([], (0, 1), "at least one"),
])
def test_bad_patterns_are_refused_and_nothing_is_written(rec, slots, dates, message, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    start = rec.campaign.starts_on
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        shifts_generate(actor=fresh(rec.org.admin_a), position=rec.position,
                        date_from=start + datetime.timedelta(days=dates[0]),
                        date_to=start + datetime.timedelta(days=dates[1]), slots=slots)
    assert message in " ".join(exc.value.messages)
    assert Shift.objects.filter(position=rec.position).count() == 0


def test_pattern_message_in_chinese(rec):
    with pytest.raises(ValidationError) as exc:
        shift_pattern_plan(position=rec.position, date_from=rec.campaign.starts_on, date_to=rec.campaign.starts_on,
                           slots=[ShiftSlot("夜班", T(20), T(16), 10)])
    assert "夜班" in exc.value.messages[0]


def test_pattern_clashing_with_existing_shifts_is_refused(rec):
    day = rec.campaign.starts_on + datetime.timedelta(days=1)
    make_shift(rec.position, date=day, start=(9, 0), end=(10, 0))
    with pytest.raises(ValidationError):
        shifts_generate(actor=fresh(rec.org.admin_a), position=rec.position, date_from=rec.campaign.starts_on,
                        date_to=day, slots=SLOTS)
    assert Shift.objects.filter(position=rec.position).count() == 1


def test_pattern_outside_the_campaign_is_refused(rec):
    with pytest.raises(ValidationError):
        shift_pattern_plan(position=rec.position, date_from=rec.campaign.ends_on,
                           date_to=rec.campaign.ends_on + datetime.timedelta(days=1), slots=SLOTS)


def test_generation_needs_the_position_in_scope(rec):
    with pytest.raises(PermissionDenied):
        shifts_generate(actor=fresh(rec.org.admin_b), position=rec.position, date_from=rec.campaign.starts_on,
                        date_to=rec.campaign.starts_on, slots=SLOTS)
    with pytest.raises(PermissionDenied):  # a team leader may take attendance but not make shifts
        shifts_generate(actor=fresh(rec.org.leader_a), position=rec.position, date_from=rec.campaign.starts_on,
                        date_to=rec.campaign.starts_on, slots=SLOTS)
    assert Shift.objects.count() == 0


# --- headcount -----------------------------------------------------------------------------------

def _full_shift(rec, headcount=2, waiting=1):
    shift = make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=10), headcount=headcount)
    accepted = [accept(extra_volunteer(rec.org), shift) for _ in range(headcount)]
    waitlisted = [Signup.objects.create(volunteer=extra_volunteer(rec.org), shift=shift, status=SignupStatus.WAITLISTED)
                  for _ in range(waiting)]
    shift.refresh_from_db()
    return shift, accepted, waitlisted


def test_headcount_below_accepted_is_refused_unless_surplus_is_handled(rec):
    shift, accepted, _w = _full_shift(rec, headcount=3, waiting=0)
    admin = fresh(rec.org.admin_a)
    with pytest.raises(ValidationError):
        shift_set_headcount(shift=shift, actor=admin, headcount=1)
    shift.refresh_from_db()
    assert (shift.headcount, shift.accepted_count) == (3, 3)
    shift_set_headcount(shift=shift, actor=admin, headcount=1, surplus_to_waitlist=True)
    shift.refresh_from_db()
    assert (shift.headcount, shift.accepted_count) == (1, 1)
    assert Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).count() == 2
    with pytest.raises(ValidationError):
        shift_set_headcount(shift=shift, actor=admin, headcount=-1)


def test_raising_headcount_promotes_the_waitlist(rec):
    shift, _a, waitlisted = _full_shift(rec, headcount=1, waiting=2)
    shift_set_headcount(shift=shift, actor=fresh(rec.org.admin_a), headcount=2)
    shift.refresh_from_db()
    assert shift.accepted_count == 2
    assert Signup.objects.get(pk=waitlisted[0].pk).status == SignupStatus.ACCEPTED
    assert Signup.objects.get(pk=waitlisted[1].pk).status == SignupStatus.WAITLISTED


# --- promotion on reject and cancel ------------------------------------------------------------------

def test_rejecting_an_accepted_volunteer_promotes_the_first_waitlisted(rec):
    shift, accepted, waitlisted = _full_shift(rec, headcount=1, waiting=2)
    signup_decide(signup=accepted[0], actor=fresh(rec.org.admin_a), decision=SignupStatus.REJECTED, reason="資格不符")
    assert Signup.objects.get(pk=waitlisted[0].pk).status == SignupStatus.ACCEPTED
    shift.refresh_from_db()
    assert shift.accepted_count == 1


def test_staff_cancelling_promotes_the_waitlist(rec):
    shift, accepted, waitlisted = _full_shift(rec, headcount=1, waiting=1)
    signup_cancel(signup=accepted[0], actor=fresh(rec.org.leader_a), reason="臨時請假")
    assert Signup.objects.get(pk=waitlisted[0].pk).status == SignupStatus.ACCEPTED


def test_bulk_decisions_are_all_or_nothing(rec):
    rec.campaign.signup_mode = SignupMode.REVIEWED
    rec.campaign.save()
    shift = make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=5), headcount=1)
    applied = [Signup.objects.create(volunteer=extra_volunteer(rec.org), shift=shift, status=SignupStatus.APPLIED)
               for _ in range(2)]
    with pytest.raises(ValidationError) as exc:
        signups_decide_bulk(actor=fresh(rec.org.admin_a), signups=applied, decision=SignupStatus.ACCEPTED)
    assert applied[1].volunteer.name in " ".join(exc.value.messages)
    assert set(Signup.objects.filter(pk__in=[s.pk for s in applied]).values_list("status", flat=True)) == {"applied"}
    shift.refresh_from_db()
    assert shift.accepted_count == 0
    with pytest.raises(ValidationError):  # rejecting needs a reason
        signups_decide_bulk(actor=fresh(rec.org.admin_a), signups=applied, decision=SignupStatus.REJECTED)
    done = signups_decide_bulk(actor=fresh(rec.org.admin_a), signups=applied, decision=SignupStatus.WAITLISTED)
    assert [s.status for s in done] == ["waitlisted", "waitlisted"]


def test_bulk_decision_outside_scope_is_refused(rec):
    shift = make_shift(rec.other_position, date=timezone.localdate() + datetime.timedelta(days=5))
    signup = Signup.objects.create(volunteer=rec.org.vol_b, shift=shift, status=SignupStatus.APPLIED)
    with pytest.raises(PermissionDenied):
        signups_decide_bulk(actor=fresh(rec.org.admin_a), signups=[signup], decision=SignupStatus.ACCEPTED)


# --- matching -------------------------------------------------------------------------------------

def test_matching_ranks_in_scope_free_volunteers_with_reasons(rec):
    rec.position.required_languages.add(rec.org.english)
    day = timezone.localdate() + datetime.timedelta(days=7)
    shift = make_shift(rec.position, date=day, headcount=3)
    busy_shift = make_shift(rec.position, date=day, start=(10, 0), end=(11, 0), name="支援")
    accept(rec.org.vol_a, busy_shift)  # vol_a overlaps → not suggested
    candidates = match_candidates(user=fresh(rec.org.admin_a), shift=shift)
    names = [c.volunteer.name for c in candidates]
    assert rec.org.vol_a.name not in names
    assert rec.org.vol_b.name not in names and rec.org.vol_c.name not in names  # other units: out of scope
    assert names[0] == rec.org.vol_sub_a.name  # member of team A (sub-team) and speaks English
    reasons = " ".join(candidates[0].reasons)
    assert "英語" in reasons
    # training and insurance are both checked now: no "not checked" warning is left
    assert not any("尚未檢查" in w or "not checked" in w for w in candidates[0].warnings)


def test_matching_respects_age_and_guardian_consent(rec):
    rec.campaign.min_age = 16
    rec.campaign.save()
    day = timezone.localdate() + datetime.timedelta(days=7)
    shift = make_shift(rec.position, date=day)
    child = extra_volunteer(rec.org, birth_date=day.replace(year=day.year - 12))
    teen = extra_volunteer(rec.org, birth_date=day.replace(year=day.year - 17))
    names = {c.volunteer.pk for c in match_candidates(user=fresh(rec.org.admin_a), shift=shift)}
    assert child.pk not in names and teen.pk not in names
    GuardianConsent.objects.create(volunteer=teen, campaign=rec.campaign, file="consents/x.pdf")
    names = {c.volunteer.pk for c in match_candidates(user=fresh(rec.org.admin_a), shift=shift)}
    assert teen.pk in names and child.pk not in names


def test_assign_in_one_click_takes_a_seat_and_refuses_when_full(rec):
    shift = make_shift(rec.position, date=timezone.localdate() + datetime.timedelta(days=7), headcount=1)
    signup = match_assign(actor=fresh(rec.org.admin_a), shift=shift, volunteer=rec.org.vol_a)
    assert signup.status == SignupStatus.ACCEPTED
    shift.refresh_from_db()
    assert shift.accepted_count == 1
    with pytest.raises(ValidationError):
        match_assign(actor=fresh(rec.org.admin_a), shift=shift, volunteer=rec.org.vol_sub_a)
    assert not Signup.objects.filter(shift=shift, volunteer=rec.org.vol_sub_a).exists()
    with pytest.raises(PermissionDenied):
        match_assign(actor=fresh(rec.org.admin_a), shift=shift, volunteer=rec.org.vol_b)


def test_assign_refuses_overlap(rec):
    day = timezone.localdate() + datetime.timedelta(days=7)
    first = make_shift(rec.position, date=day)
    second = make_shift(rec.position, date=day, start=(11, 0), end=(13, 0), name="中班")
    match_assign(actor=fresh(rec.org.admin_a), shift=first, volunteer=rec.org.vol_a)
    with pytest.raises(ValidationError):
        match_assign(actor=fresh(rec.org.admin_a), shift=second, volunteer=rec.org.vol_a)
