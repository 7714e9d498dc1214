"""The sign-up rule book (selectors.signup_rules): each check alone, the overlap test (touching shifts do not
overlap), and every caller (a volunteer's sign-up, a group roster, the suggested matches, the one-click
assignment, a staff decision) refusing the same case with the same code, registered checks included."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from operations.models import (
    CampaignStatus,
    GuardianConsent,
    RosterImport,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Volunteer,
)
from operations.selectors import signup_rules
from operations.selectors.matching import match_candidates
from operations.selectors.signup_rules import (
    ALREADY_SIGNED_UP,
    CONSENT_MISSING,
    NOT_OPEN,
    NOT_YET_OPEN,
    OVERLAP,
    TOO_OLD,
    TOO_YOUNG,
    WINDOW_CLOSED,
    SignupContext,
    codes,
)
from operations.services import rosters
from operations.services.recruitment import match_assign
from operations.services.roster_files import ROSTER_COLUMNS
from operations.services.signups import signup_create, signup_decide, signup_problems
from tests.conftest import fresh

from .test_backoffice_recruitment_setup import accept, extra_volunteer, make_shift, rec_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() + datetime.timedelta(days=7)


def born_years_before(day: datetime.date, years: int, *, days_later: int = 0) -> datetime.date:
    return day.replace(year=day.year - years) + datetime.timedelta(days=days_later)


def context(**kwargs) -> SignupContext:
    return SignupContext(**{"same_day": [], "consents": set(), **kwargs})


@pytest.fixture
def shift(rec):
    return Shift.objects.select_related("position__campaign").get(pk=make_shift(rec.position, date=DAY).pk)


# --- each check alone -----------------------------------------------------------------------------

def test_window(rec, shift):
    volunteer = rec.org.vol_a
    assert signup_rules.check_window(volunteer, shift, context()) == []
    campaign = shift.position.campaign
    campaign.status = CampaignStatus.CLOSED
    assert codes(signup_rules.check_window(volunteer, shift, context())) == [NOT_OPEN]
    campaign.status = CampaignStatus.OPEN
    campaign.signup_opens_at = timezone.now() + datetime.timedelta(hours=1)
    assert codes(signup_rules.check_window(volunteer, shift, context())) == [NOT_YET_OPEN]
    campaign.signup_opens_at = None
    campaign.signup_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    assert codes(signup_rules.check_window(volunteer, shift, context())) == [WINDOW_CLOSED]
    campaign.signup_closes_at = None
    started = signup_rules.shift_starts_at(shift)
    assert codes(signup_rules.check_window(volunteer, shift, context(now=started))) == [WINDOW_CLOSED]
    assert signup_rules.check_window(volunteer, shift, context(now=started - datetime.timedelta(seconds=1))) == []


@pytest.mark.parametrize(("years", "days_later", "expected"), [
    (16, 0, []),  # sixteenth birthday on the service date: old enough
    (16, 1, [TOO_YOUNG]),  # a day short of it
    (66, 1, []),  # 65 until the day after the service date
    (66, 0, [TOO_OLD]),  # 66 on the service date
])
def test_age_on_the_service_date(rec, shift, years, days_later, expected):
    campaign = shift.position.campaign
    campaign.min_age, campaign.max_age = 16, 65
    volunteer = Volunteer(name="王小明", birth_date=born_years_before(shift.date, years, days_later=days_later))
    found = signup_rules.check_age(volunteer, shift, context())
    assert codes(found) == expected
    if expected == [TOO_YOUNG]:
        assert found[0].params["age"] == 15
        assert "16" in found[0].message and "15" in found[0].message


def test_guardian_consent(rec, shift, django_assert_num_queries):
    minor = extra_volunteer(rec.org, birth_date=born_years_before(shift.date, 18, days_later=1))
    adult_today = Volunteer(name="成年", birth_date=born_years_before(shift.date, 18))
    assert signup_rules.check_guardian_consent(adult_today, shift, context()) == []
    with django_assert_num_queries(0):  # the caller's consents are used, nothing is asked
        assert codes(signup_rules.check_guardian_consent(minor, shift, context())) == [CONSENT_MISSING]
        assert signup_rules.check_guardian_consent(
            minor, shift, context(consents={shift.position.campaign_id})) == []
    with django_assert_num_queries(1):
        assert codes(signup_rules.check_guardian_consent(minor, shift, context(consents=None))) == [CONSENT_MISSING]
    GuardianConsent.objects.create(volunteer=minor, campaign=shift.position.campaign, file="consents/x.pdf")
    assert signup_rules.check_guardian_consent(minor, shift, context(consents=None)) == []


def test_already_signed_up(rec, shift):
    volunteer = rec.org.vol_a
    signup = accept(volunteer, shift)
    assert codes(signup_rules.check_already_signed_up(volunteer, shift, context(same_day=None))) == [ALREADY_SIGNED_UP]
    signup.status = SignupStatus.CANCELLED
    assert signup_rules.check_already_signed_up(volunteer, shift, context(same_day=[signup])) == []


def test_touching_shifts_do_not_overlap(rec, shift):
    touching = make_shift(rec.position, date=DAY, start=(12, 0), end=(16, 0), name="午班")
    crossing = make_shift(rec.position, date=DAY, start=(11, 59), end=(13, 0), name="中班")
    other_day = make_shift(rec.position, date=DAY + datetime.timedelta(days=1), name="隔日")
    assert not signup_rules.shifts_overlap(shift, touching) and not signup_rules.shifts_overlap(touching, shift)
    assert signup_rules.shifts_overlap(shift, crossing) and signup_rules.shifts_overlap(crossing, shift)
    assert not signup_rules.shifts_overlap(shift, other_day)
    # The SQL form says the same as the Python one.
    in_sql = set(Shift.objects.filter(signup_rules.same_time_q(shift, prefix="")).values_list("pk", flat=True))
    assert in_sql == {shift.pk, crossing.pk}
    assert signup_rules.overlapping_pairs([touching, crossing, shift]) == [(shift, crossing), (crossing, touching)]


def test_overlap(rec, shift):
    volunteer = rec.org.vol_a
    touching = make_shift(rec.position, date=DAY, start=(12, 0), end=(16, 0), name="午班")
    crossing = make_shift(rec.position, date=DAY, start=(11, 0), end=(13, 0), name="中班", headcount=1)
    held = accept(volunteer, touching)
    crossing = Shift.objects.select_related("position__campaign").get(pk=crossing.pk)
    assert signup_rules.check_overlap(volunteer, shift, context(same_day=[held])) == []  # touching only
    found = signup_rules.check_overlap(volunteer, crossing, context(same_day=[held]))
    assert codes(found) == [OVERLAP] and str(touching) in found[0].message
    # A full shift in an instant campaign: joining its waitlist does not clash with a held seat...
    accept(rec.org.vol_sub_a, crossing)
    crossing.refresh_from_db()
    assert signup_rules.check_overlap(volunteer, crossing, context(same_day=[held])) == []
    # ...but a roster or a staff assignment counts every active sign-up at that time.
    assert codes(signup_rules.check_overlap(volunteer, crossing, context(
        same_day=[held], overlap=signup_rules.OVERLAP_ACTIVE))) == [OVERLAP]
    held.status = SignupStatus.WAITLISTED
    assert codes(signup_rules.check_overlap(volunteer, crossing, context(
        same_day=[held], overlap=signup_rules.OVERLAP_ACTIVE))) == [OVERLAP]
    assert signup_rules.check_overlap(volunteer, crossing, context(
        same_day=[held], overlap=signup_rules.OVERLAP_ACCEPTED)) == []
    assert signup_rules.check_overlap(volunteer, crossing, context(same_day=[held], overlap=None)) == []


# --- every caller, the same case, the same code --------------------------------------------------

def roster_codes(rec, volunteer, shift) -> list[str]:
    """The codes the group roster's checks give for a roster of one person (`volunteer`, matched by their
    document when registered) signing up for `shift`."""
    header = [c.header for c in ROSTER_COLUMNS]
    values = {"name": volunteer.name, "id_type": "身分證", "id_number": volunteer.id_number, "sex": "女",
              "birth_date": volunteer.birth_date.isoformat(), "phone": "", "email": "",
              "emergency_contact_name": "", "emergency_contact_phone": ""}
    job = RosterImport.objects.create(created_by=rec.org.admin_a, original_name="g.csv", language="en",
                                      file=SimpleUploadedFile("g.csv", b"x"))
    job.shifts.set([shift])
    _errors, records, _shifts = rosters._validate(job, [header, [values[c.key] for c in ROSTER_COLUMNS]])
    return codes(records[0].get("problems", []))


def assign_codes(rec, volunteer, shift) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        match_assign(actor=fresh(rec.org.admin_a), shift=shift, volunteer=volunteer)
    return [e.code for e in refused.value.error_list]


def single_codes(volunteer, shift) -> list[str]:
    return codes(signup_problems(volunteer=volunteer, shift=shift))


def suggested(rec, shift) -> set[int]:
    return {c.volunteer.pk for c in match_candidates(user=fresh(rec.org.admin_a), shift=shift, limit=500)}


@pytest.fixture
def roster_of_one(settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MIN_ROWS": 1}


def test_too_young_is_refused_by_every_caller_with_the_same_code(rec, shift, roster_of_one):
    campaign = shift.position.campaign
    campaign.min_age = 16
    campaign.save()
    child = extra_volunteer(rec.org, birth_date=born_years_before(shift.date, 16, days_later=1))
    GuardianConsent.objects.create(volunteer=child, campaign=campaign, file="consents/x.pdf")
    assert single_codes(child, shift) == [TOO_YOUNG]
    with pytest.raises(ValidationError) as refused:
        signup_create(volunteer=child, shift=shift)
    assert [e.code for e in refused.value.error_list] == [TOO_YOUNG]
    assert roster_codes(rec, child, shift) == [TOO_YOUNG]
    assert assign_codes(rec, child, shift) == [TOO_YOUNG]
    assert child.pk not in suggested(rec, shift)


def test_missing_consent_is_refused_by_every_caller_with_the_same_code(rec, shift, roster_of_one):
    teen = extra_volunteer(rec.org, birth_date=born_years_before(shift.date, 17))
    assert single_codes(teen, shift) == [CONSENT_MISSING]
    assert roster_codes(rec, teen, shift) == [CONSENT_MISSING]
    assert assign_codes(rec, teen, shift) == [CONSENT_MISSING]
    assert teen.pk not in suggested(rec, shift)
    GuardianConsent.objects.create(volunteer=teen, campaign=shift.position.campaign, file="consents/x.pdf")
    assert single_codes(teen, shift) == [] and roster_codes(rec, teen, shift) == []
    assert teen.pk in suggested(rec, shift)


def test_an_overlapping_seat_is_refused_by_every_caller_with_the_same_code(rec, shift, roster_of_one):
    volunteer = rec.org.vol_a
    accept(volunteer, make_shift(rec.position, date=DAY, start=(11, 0), end=(14, 0), name="中班"))
    assert single_codes(volunteer, shift) == [OVERLAP]
    with pytest.raises(ValidationError) as refused:
        signup_create(volunteer=volunteer, shift=shift)
    assert [e.code for e in refused.value.error_list] == [OVERLAP]
    assert roster_codes(rec, volunteer, shift) == [OVERLAP]
    assert assign_codes(rec, volunteer, shift) == [OVERLAP]
    assert volunteer.pk not in suggested(rec, shift)


# --- the plug-in point: a registered check is applied by every caller -----------------------------

UNTRAINED = "未受訓者"


def needs_training(volunteer, shift, context):
    if volunteer.name == UNTRAINED:
        return [signup_rules.Problem("training_missing", "Complete the basic training first.")]
    return []


@pytest.fixture(params=["checked one by one", "filtered in SQL"])
def training_gate(request):
    check = needs_training
    if request.param == "filtered in SQL":
        def check(volunteer, shift, context):
            return needs_training(volunteer, shift, context)

        check.volunteer_filter = lambda volunteers, shift: volunteers.exclude(name=UNTRAINED)
    signup_rules.register_check(check)
    signup_rules.register_check(check)  # once only
    assert signup_rules.EXTRA_CHECKS.count(check) == 1
    yield check
    signup_rules.unregister_check(check)
    assert check not in signup_rules.EXTRA_CHECKS


def test_a_registered_check_is_applied_by_every_caller(rec, shift, roster_of_one, training_gate):
    untrained = extra_volunteer(rec.org, name=UNTRAINED)
    trained = extra_volunteer(rec.org, name="已受訓者")
    assert single_codes(untrained, shift) == ["training_missing"] and single_codes(trained, shift) == []
    with pytest.raises(ValidationError) as refused:
        signup_create(volunteer=untrained, shift=shift)
    assert refused.value.messages == ["Complete the basic training first."]
    assert roster_codes(rec, untrained, shift) == ["training_missing"]
    new_person = Volunteer(name=UNTRAINED, birth_date=datetime.date(1990, 1, 1), id_number="A123456789")
    assert roster_codes(rec, new_person, shift) == ["training_missing"]  # not registered yet
    assert assign_codes(rec, untrained, shift) == ["training_missing"]
    found = suggested(rec, shift)
    assert untrained.pk not in found and trained.pk in found
    # A staff decision to accept asks it too (an application made before the gate existed).
    signup_rules.unregister_check(training_gate)
    shift.position.campaign.signup_mode = SignupMode.REVIEWED
    shift.position.campaign.save()
    applied = signup_create(volunteer=untrained, shift=shift)
    assert applied.status == SignupStatus.APPLIED
    signup_rules.register_check(training_gate)
    with pytest.raises(ValidationError) as refused:
        signup_decide(signup=applied, actor=fresh(rec.org.admin_a), decision=SignupStatus.ACCEPTED)
    assert [e.code for e in refused.value.error_list] == ["training_missing"]
    assert Signup.objects.get(pk=applied.pk).status == SignupStatus.APPLIED
