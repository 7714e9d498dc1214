"""Suggested volunteers (`match_candidates`) evaluated pool by pool: the ranking stays one total order
(team; languages; skills; venue; no-shows; load; name), the hard filters hold in every pool, the scope
is never left, and the number of queries does not depend on how many volunteers there are."""
from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import GuardianConsent, Membership, Signup, SignupStatus, Volunteer
from operations.models.attendance import Attendance, AttendanceOutcome
from operations.roles import TEAM_MANAGERS
from operations.selectors.matching import match_candidates
from tests.conftest import fresh
from tests.factories import (
    CampaignFactory,
    LanguageFactory,
    MembershipFactory,
    PositionFactory,
    SignupFactory,
    SkillFactory,
    TeamFactory,
)

from .test_backoffice_recruitment_setup import accept, extra_volunteer, make_shift, rec_fixture  # noqa: F401

DAY = timezone.localdate() + datetime.timedelta(days=14)


@pytest.fixture(name="m")
def matching_fixture(rec):
    """The recruitment set-up plus a second team at venue A, Japanese, two skills, and a shift of the
    position (venue A × team A) that asks for English and first aid."""
    m = rec
    m.team_a2 = TeamFactory(parent=rec.org.unit_a, code="team-a2", name="甲場館第二志工隊")
    m.org.nodes["team_a2"] = m.team_a2
    m.japanese = LanguageFactory(code="ja", name="日語", name_en="Japanese", order=3)
    m.first_aid = SkillFactory(code="first-aid", name="急救", name_en="First aid")
    m.driving = SkillFactory(code="driving", name="駕駛", name_en="Driving")
    m.position.required_languages.set([rec.org.english])
    m.position.required_skills.set([m.first_aid])
    m.shift = make_shift(m.position, date=DAY, start=(8, 0), end=(12, 0), headcount=5)
    return m


def _no_show(m, volunteer):
    """A no-show on an earlier shift of another campaign (counts as a no-show, not as load)."""
    shift = make_shift(m.other_position, date=DAY - datetime.timedelta(days=30))
    signup = SignupFactory(volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED)  # counts the seat
    Attendance.objects.create(signup=signup, shift=shift, volunteer=volunteer, outcome=AttendanceOutcome.NO_SHOW)


def _load(m, volunteer, days=1):
    """A shift already accepted in the campaign, on another day (load, no overlap)."""
    accept(volunteer, make_shift(m.position, date=DAY + datetime.timedelta(days=days), name="支援"))


def _ids(user, shift, limit=30):
    return [c.volunteer.pk for c in match_candidates(user=fresh(user), shift=shift, limit=limit)]


def test_tiers_team_then_venue_then_skilled_then_stranger(m):
    org = m.org
    skills = [m.first_aid]
    # Names in the opposite order of the expected ranking (丁 < 丙 < 乙 < 戊 < 甲), so that only the
    # criteria can put them in order.
    stranger = extra_volunteer(org, "team_b", name="丁陌生人")
    venue_only = extra_volunteer(org, "team_a2", name="丙場館人")  # meets neither requirement
    skilled = extra_volunteer(org, "team_b", name="乙外語人", languages=[org.english], skills=skills)
    venue = extra_volunteer(org, "team_a2", name="戊場館人", languages=[org.english], skills=skills)
    team = extra_volunteer(org, "team_a", name="甲隊員", languages=[org.english], skills=skills)
    ids = _ids(org.officer_wmg, m.shift)
    # Same languages and skills: the team member, then the venue member, then the volunteer who only
    # matches by language and skill, then a stranger.
    assert ids.index(team.pk) < ids.index(venue.pk) < ids.index(skilled.pk) < ids.index(stranger.pk)
    # The criteria keep their order: a required language outranks membership of a venue team.
    assert ids.index(skilled.pk) < ids.index(venue_only.pk) < ids.index(stranger.pk)
    assert ids[0] == team.pk
    candidates = {c.volunteer.pk: c for c in match_candidates(user=fresh(org.officer_wmg), shift=m.shift)}
    assert "甲場館志工隊 成員" in candidates[team.pk].reasons  # member of the team
    assert "甲場館 志工隊成員" in candidates[venue.pk].reasons  # member of a team at the venue
    assert "甲場館 志工隊成員" not in candidates[team.pk].reasons  # the team says more than the venue
    assert not any("成員" in r for r in candidates[skilled.pk].reasons + candidates[stranger.pk].reasons)
    assert "會說英語" in candidates[skilled.pk].reasons and "技能：急救" in candidates[skilled.pk].reasons
    assert "未填寫英語" in candidates[stranger.pk].warnings and "缺少急救" in candidates[stranger.pk].warnings


def test_no_shows_and_load_order_volunteers_within_a_tier(m):
    org = m.org
    a = extra_volunteer(org, "team_a", name="一號", languages=[org.english])
    b = extra_volunteer(org, "team_a", name="二號", languages=[org.english])
    c = extra_volunteer(org, "team_a", name="三號", languages=[org.english])
    _no_show(m, a)
    _load(m, b)
    outsider = extra_volunteer(org, "team_b", name="四號", languages=[org.english])
    _no_show(m, outsider)
    ids = _ids(org.officer_wmg, m.shift)
    assert ids.index(c.pk) < ids.index(b.pk) < ids.index(a.pk) < ids.index(outsider.pk)
    candidates = {x.volunteer.pk: x for x in match_candidates(user=fresh(org.officer_wmg), shift=m.shift)}
    assert "曾缺席 1 次" in candidates[a.pk].warnings and "本招募已錄取 1 個班次" in candidates[b.pk].reasons
    assert not any("缺席" in w for w in candidates[c.pk].warnings)


@pytest.mark.parametrize("user_key", ["officer_wmg", "admin_a", "leader_a", "admin_b"])
def test_a_volunteer_outside_the_scope_never_appears(m, user_key):
    org = m.org
    # The best possible candidate on paper, but only in unit C (outside every user here but the root).
    outside = extra_volunteer(org, "team_c", name="外人", languages=[org.english], skills=[m.first_aid])
    user = getattr(org, user_key)
    ids = _ids(user, m.shift, limit=500)
    assert outside.pk not in ids
    assert org.vol_c.pk not in ids
    visible = set(Volunteer.objects.visible_to(fresh(user), roles=TEAM_MANAGERS).values_list("pk", flat=True))
    assert set(ids) <= visible
    assert outside.pk in _ids(org.officer_root, m.shift, limit=500)


TIERS = {"team": "team_a", "sub-team": "sub_a", "venue": "team_a2", "skilled": "team_b", "stranger": "team_b"}


@pytest.mark.parametrize("dirty", [False, True], ids=["clean", "with-no-show"])
@pytest.mark.parametrize("tier", list(TIERS))
def test_hard_filters_hold_in_every_tier(m, tier, dirty):
    org = m.org
    m.campaign.min_age, m.campaign.max_age = 16, 70
    m.campaign.save()
    languages = [org.english] if tier == "skilled" else []

    def person(name, born, **kwargs):
        volunteer = extra_volunteer(org, TIERS[tier], name=name, birth_date=born, languages=languages, **kwargs)
        if dirty:
            _no_show(m, volunteer)
        return volunteer

    adult = DAY.replace(year=DAY.year - 30)
    ok = person("可以", adult)
    busy = person("忙碌", adult)
    accept(busy, make_shift(m.other_position, date=DAY, start=(11, 0), end=(13, 0), name="重疊"))
    applied = person("已報名", adult)
    Signup.objects.create(volunteer=applied, shift=m.shift, status=SignupStatus.APPLIED)
    child = person("太小", DAY.replace(year=DAY.year - 15))
    old = person("太老", DAY.replace(year=DAY.year - 71))
    teen = person("未成年", DAY.replace(year=DAY.year - 17))
    teen_ok = person("有同意書", DAY.replace(year=DAY.year - 17))
    GuardianConsent.objects.create(volunteer=teen_ok, campaign=m.campaign, file="consents/x.pdf")
    other_consent = person("別的同意書", DAY.replace(year=DAY.year - 17))
    GuardianConsent.objects.create(volunteer=other_consent, campaign=m.other_campaign, file="consents/y.pdf")
    ids = _ids(org.officer_wmg, m.shift, limit=500)
    assert ok.pk in ids and teen_ok.pk in ids
    for refused in (busy, applied, child, old, teen, other_consent):
        assert refused.pk not in ids, refused.name
    # Also when the pool is cut short by the limit.
    assert set(_ids(org.officer_wmg, m.shift, limit=2)) <= set(ids)


def test_former_members_are_in_scope_but_not_in_the_team_tier(m):
    org = m.org
    former = extra_volunteer(org, "team_b", name="前隊員")
    MembershipFactory(volunteer=former, team=org.team_a, joined_on=datetime.date(2023, 1, 1),
                      left_on=datetime.date(2024, 1, 1))
    candidate = next(c for c in match_candidates(user=fresh(org.admin_a), shift=m.shift, limit=500)
                     if c.volunteer.pk == former.pk)  # still visible to unit A (personal service file)
    assert not any("甲場館" in r for r in candidate.reasons)


# --- the whole order against an oracle ------------------------------------------------------------

NAMES = ["王小明", "王小明", "李大同", "陳美玲", "林志豪", "黃雅婷", "張家豪", "吳淑芬"]  # repeated names: id decides


def _populate(m, n, seed):
    """n volunteers spread over every tier (team, sub-team, venue, other unit, unit C), with random
    languages, skills, ages, consents, no-shows, load, overlaps and former memberships."""
    org, rng = m.org, random.Random(seed)
    made = []
    for i in range(n):
        tier = rng.choice(["team_a", "sub_a", "team_a2", "team_b", "sub_b", "team_c"])
        age = rng.choice([30, 30, 30, 45, 60, 17, 15, 75])
        volunteer = extra_volunteer(
            org, tier, name=rng.choice(NAMES), birth_date=DAY.replace(year=DAY.year - age) - datetime.timedelta(days=i),
            languages=rng.sample([org.english, m.japanese, org.mandarin], rng.randint(0, 2)),
            skills=rng.sample([m.first_aid, m.driving], rng.randint(0, 2)),
        )
        if age == 17 and rng.random() < 0.5:
            GuardianConsent.objects.create(volunteer=volunteer, campaign=m.campaign, file="consents/x.pdf")
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            _no_show(m, volunteer)
        for days in range(rng.choice([0, 0, 1, 2])):
            _load(m, volunteer, days=days + 1)
        if rng.random() < 0.1:
            accept(volunteer, make_shift(m.position, date=DAY, start=(9, 0), end=(10, 0), name="重疊"))
        if rng.random() < 0.1:
            former = rng.choice([t for t in (org.team_a, m.team_a2) if t != org.nodes[tier]])
            MembershipFactory(volunteer=volunteer, team=former,
                              joined_on=datetime.date(2023, 1, 1), left_on=datetime.date(2024, 1, 1))
        made.append(volunteer)
    return made


def _oracle(user, shift, limit):
    """The ranking computed row by row in Python from the rules in the module docstring."""
    position, campaign, day = shift.position, shift.position.campaign, shift.date
    languages = set(position.required_languages.values_list("pk", flat=True))
    skills = set(position.required_skills.values_list("pk", flat=True))
    name_order = {pk: i for i, pk in enumerate(Volunteer.objects.order_by("name", "pk").values_list("pk", flat=True))}

    def years_before(years):
        try:
            return day.replace(year=day.year - years)
        except ValueError:
            return day.replace(year=day.year - years, day=28)

    rows = []
    for v in Volunteer.objects.visible_to(user, roles=TEAM_MANAGERS):
        signups = Signup.objects.filter(volunteer=v).select_related("shift__position")
        if any(s.status in ("applied", "accepted", "waitlisted") and s.shift.date == day
               and s.shift.start_time < shift.end_time and s.shift.end_time > shift.start_time for s in signups):
            continue
        if campaign.min_age is not None and not v.birth_date <= years_before(campaign.min_age):
            continue
        if campaign.max_age is not None and not v.birth_date > years_before(campaign.max_age + 1):
            continue
        consent = GuardianConsent.objects.filter(volunteer=v, campaign=campaign).exists()
        if not v.birth_date <= years_before(18) and not consent:
            continue
        current = [ms.team.path for ms in Membership.objects.filter(volunteer=v).select_related("team")
                   if ms.joined_on <= day and (ms.left_on is None or ms.left_on > day)]
        in_team = bool(position.team) and any(p.startswith(position.team.path) for p in current)
        in_venue = bool(position.venue) and any(p.startswith(position.venue.path) for p in current)
        lang = len(languages & set(v.languages.values_list("pk", flat=True)))
        skill = len(skills & set(v.skills.values_list("pk", flat=True)))
        no_shows = Attendance.objects.filter(volunteer=v, outcome=AttendanceOutcome.NO_SHOW).count()
        load = sum(1 for s in signups if s.status == "accepted" and s.shift.position.campaign_id == campaign.pk)
        rows.append(((-in_team, -lang, -skill, -in_venue, no_shows, load, name_order[v.pk]), v.pk))
    return [pk for _key, pk in sorted(rows)[:limit]]


@pytest.mark.parametrize("requirements", ["english+first-aid", "english+japanese", "first-aid", "none"])
def test_order_matches_the_rules_for_every_user_and_limit(m, requirements):
    org = m.org
    m.campaign.min_age, m.campaign.max_age = 16, 70
    m.campaign.save()
    languages = {"english+first-aid": [org.english], "english+japanese": [org.english, m.japanese]}.get(requirements, [])
    skills = [m.first_aid] if "first-aid" in requirements else []
    m.position.required_languages.set(languages)
    m.position.required_skills.set(skills)
    _populate(m, 45, seed=len(requirements))
    for user_key in ("officer_root", "officer_wmg", "admin_a", "leader_a", "admin_b"):
        user = fresh(getattr(org, user_key))
        for limit in (1, 4, 12, 30, 500):
            assert _ids(user, m.shift, limit=limit) == _oracle(user, m.shift, limit), (user_key, limit)


def test_a_position_without_team_or_venue_ranks_by_requirements_only(m):
    org = m.org
    position = PositionFactory(campaign=m.campaign, title="不分組", venue=None, team=None)
    position.required_languages.set([m.japanese])
    shift = make_shift(position, date=DAY, start=(14, 0), end=(16, 0))
    _populate(m, 20, seed=7)
    user = fresh(org.officer_wmg)
    for limit in (3, 30):
        assert _ids(user, shift, limit=limit) == _oracle(user, shift, limit)
    campaign = CampaignFactory(unit=org.unit_a, starts_on=m.campaign.starts_on, ends_on=m.campaign.ends_on)
    bare = make_shift(PositionFactory(campaign=campaign, venue=None, team=None), date=DAY, start=(14, 0), end=(16, 0))
    assert _ids(user, bare) == _oracle(user, bare, 30)


# --- queries ------------------------------------------------------------------------------------

# Shift → position, campaign, team, venue (when the caller did not select them); required languages and
# skills; the user's grants; the size of a restricted scope (2); the organisation nodes of the team
# and venue; at most two queries per pool (near, skilled, others); languages and skills of the result;
# insurance: the shift's gate, and the covers and age caps of the result; the shift's training requirement
# (none here; read once, then cached).
MAX_QUERIES = 4 + 2 + 1 + 2 + 1 + 6 + 2 + 2 + 1


@pytest.mark.parametrize("user_key", ["officer_root", "officer_wmg", "admin_a"])
def test_query_count_does_not_grow_with_the_number_of_volunteers(m, user_key, django_assert_max_num_queries):
    org = m.org

    def count(n_more, seed):
        _populate(m, n_more, seed=seed)
        user = fresh(getattr(org, user_key))
        shift = type(m.shift).objects.get(pk=m.shift.pk)  # nothing selected with it
        with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as ctx:
            result = match_candidates(user=user, shift=shift)
        return len(ctx.captured_queries), len(result)

    small = count(0, seed=1)
    bigger = count(60, seed=2)
    biggest = count(180, seed=3)
    assert biggest[1] == 30
    assert max(small[0], bigger[0], biggest[0]) <= MAX_QUERIES
