"""Statistics figures (selectors.statistics) against data whose answer is counted by hand: age bands on the
birthday, sex, service category, hours by month, new and leaving, training, insurance, recruitment over
time, the event's headline; the scope (a unit never sees another's figures); and a fixed number of
queries whatever the amount of data."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from operations.models import (
    CourseKind,
    CoverScope,
    InsuranceCover,
    InsurancePolicy,
    Membership,
    ServiceRecord,
    Sex,
    SignupStatus,
    TrainingCertificate,
    UnitCategory,
    Volunteer,
)
from operations.selectors import statistics as stats
from operations.selectors.insurance import insured_ids_q, insured_q
from tests.conftest import fresh
from tests.factories import (
    CampaignFactory,
    MembershipFactory,
    PositionFactory,
    ShiftFactory,
    SignupFactory,
    VolunteerFactory,
)

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)

D = datetime.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def scope(user, *, node=None, start=datetime.date(2026, 1, 1), end=D, category=""):
    return stats.StatsScope(user=fresh(user), start=start, end=end, node=node, category=category)


def column(figure, name):
    return dict(zip(figure.categories, dict(figure.series)[name], strict=True))


def test_age_band_boundaries_fall_on_the_birthday(org):
    born = {
        datetime.date(2008, 6, 30): "18–29",  # 18 on D itself
        datetime.date(2008, 7, 1): "12–17",  # 18 the day after D
        datetime.date(2014, 6, 30): "12–17",  # 12 on D
        datetime.date(2014, 7, 1): "<12",
        datetime.date(1996, 7, 1): "18–29",  # 29 until 1 July
        datetime.date(1996, 6, 30): "30–49",  # 30 on D
        datetime.date(1976, 6, 30): "50–54",
        datetime.date(1971, 7, 1): "50–54",  # 54
        datetime.date(1971, 6, 30): "55–64",
        datetime.date(1961, 7, 1): "55–64",  # 64 the day before the birthday
        datetime.date(1961, 6, 30): "65+",
    }
    for birth in born:
        VolunteerFactory(team=org.team_c, sex=Sex.FEMALE, birth_date=birth, joined_on=datetime.date(2026, 1, 1))
    figure = stats.volunteers_by_sex_age(scope(org.sysadmin, node=org.team_c))
    expected = {band: 0 for band, _low, _high in stats.AGE_BANDS}
    for band in born.values():
        expected[band] += 1
    expected["55–64"] += 1  # vol_c (1966-05-20) is 60 on D, male none
    assert column(figure, str(Sex.FEMALE.label)) == expected
    assert sum(column(figure, str(Sex.MALE.label)).values()) == 0
    assert figure.headline[0][1] == f"{len(born) + 1:,}"


def test_leap_day_birthday_counts_from_the_first_of_march(org):
    VolunteerFactory(team=org.team_c, sex=Sex.MALE, birth_date=datetime.date(2008, 2, 29),
                     joined_on=datetime.date(2024, 1, 1))
    feb = stats.volunteers_by_sex_age(scope(org.sysadmin, node=org.team_c, start=datetime.date(2026, 1, 1),
                                            end=datetime.date(2026, 2, 28)))
    mar = stats.volunteers_by_sex_age(scope(org.sysadmin, node=org.team_c, start=datetime.date(2026, 1, 1),
                                            end=datetime.date(2026, 3, 1)))
    assert column(feb, str(Sex.MALE.label))["12–17"] == 1
    assert column(mar, str(Sex.MALE.label))["18–29"] == 1


def test_people_are_counted_on_the_last_day_of_the_period(org):
    joined_late = VolunteerFactory(team=org.team_c, sex=Sex.MALE, birth_date=datetime.date(1990, 1, 1),
                                   joined_on=datetime.date(2026, 7, 1))
    left = VolunteerFactory(sex=Sex.MALE, birth_date=datetime.date(1990, 1, 1))
    MembershipFactory(volunteer=left, team=org.team_c, joined_on=datetime.date(2025, 1, 1), left_on=D)
    stays = VolunteerFactory(sex=Sex.MALE, birth_date=datetime.date(1990, 1, 1))
    MembershipFactory(volunteer=stays, team=org.team_c, joined_on=datetime.date(2025, 1, 1),
                      left_on=D + datetime.timedelta(days=1))
    figure = stats.volunteers_by_sex_age(scope(org.sysadmin, node=org.team_c))
    assert column(figure, str(Sex.MALE.label))["30–49"] == 1  # only `stays`: left on D means gone on D
    assert joined_late.pk


def test_a_volunteer_in_two_teams_counts_once(org):
    MembershipFactory(volunteer=org.vol_a, team=org.team_c, joined_on=datetime.date(2025, 1, 1))
    figure = stats.volunteers_by_sex_age(scope(org.sysadmin))
    assert sum(sum(values) for _name, values in figure.series) == 5


def test_by_service_category(org):
    MembershipFactory(volunteer=org.vol_a, team=org.team_c, joined_on=datetime.date(2025, 1, 1))
    figure = stats.volunteers_by_category(scope(org.sysadmin))
    counts = column(figure, "Volunteers") if "Volunteers" in dict(figure.series) else dict(
        zip(figure.categories, figure.series[0][1], strict=True))
    assert counts[str(UnitCategory.SPORTS.label)] == 4  # units A and B
    assert counts[str(UnitCategory.CULTURE.label)] == 2  # vol_c and vol_a, who is in both
    assert counts[str(UnitCategory.HEALTH.label)] == 0
    assert figure.headline[0][1] == "5"
    only_culture = stats.volunteers_by_category(scope(org.sysadmin, category=UnitCategory.CULTURE))
    assert only_culture.categories == [str(UnitCategory.CULTURE.label)]
    assert only_culture.series[0][1] == [2]
    sexes = stats.volunteers_by_sex_age(scope(org.sysadmin, category=UnitCategory.CULTURE))
    assert sum(sum(v) for _n, v in sexes.series) == 2


def _record(volunteer, unit, day, hours, category=UnitCategory.SPORTS, served=0):
    return ServiceRecord.objects.create(volunteer=volunteer, unit=unit, date=day, category=category, content="服務",
                                        minutes=int(hours * 60), hours=Decimal(str(hours)), people_served=served)


def test_hours_by_month_and_category(org):
    _record(org.vol_a, org.unit_a, datetime.date(2026, 1, 31), 3.5, served=10)
    _record(org.vol_a, org.unit_a, datetime.date(2026, 2, 1), 2)
    _record(org.vol_b, org.unit_b, datetime.date(2026, 2, 28), 1.5, category=UnitCategory.HEALTH)
    _record(org.vol_c, org.unit_c, datetime.date(2026, 2, 10), 4, category=UnitCategory.CULTURE)
    _record(org.vol_a, org.unit_a, datetime.date(2025, 12, 31), 8)  # before the period
    _record(org.vol_a, org.unit_a, datetime.date(2026, 7, 1), 8)  # after it
    misuse = _record(org.vol_a, org.unit_a, datetime.date(2026, 2, 2), 5)
    ServiceRecord.objects.filter(pk=misuse.pk).update(misuse_note="冒用他人紀錄冊", misuse_at=timezone.now())
    figure = stats.hours_by_month(scope(org.officer_wmg))
    assert figure.categories[:3] == ["2026-01", "2026-02", "2026-03"] and len(figure.categories) == 6
    assert column(figure, str(UnitCategory.SPORTS.label))["2026-01"] == Decimal("3.5")
    assert column(figure, str(UnitCategory.SPORTS.label))["2026-02"] == Decimal("2")
    assert column(figure, str(UnitCategory.HEALTH.label))["2026-02"] == Decimal("1.5")
    assert str(UnitCategory.CULTURE.label) not in dict(figure.series)  # unit C lies outside the WMG
    headline = dict(figure.headline)
    assert headline["Service hours"] == "7.0"
    assert headline["People served"] == "10"
    assert headline["Full-time equivalents (hours ÷ 2,080)"] == "0.00"
    health = stats.hours_by_month(scope(org.officer_wmg, category=UnitCategory.HEALTH))
    assert [name for name, _v in health.series] == [str(UnitCategory.HEALTH.label)]


def test_new_and_leaving_by_month(org):
    person = VolunteerFactory(sex=Sex.FEMALE, birth_date=datetime.date(1990, 1, 1))
    MembershipFactory(volunteer=person, team=org.team_c, joined_on=datetime.date(2026, 1, 15),
                      left_on=datetime.date(2026, 3, 31))
    MembershipFactory(volunteer=person, team=org.team_c, joined_on=datetime.date(2026, 5, 1))  # re-joined
    MembershipFactory(volunteer=org.vol_a, team=org.team_c, joined_on=datetime.date(2026, 1, 2))
    figure = stats.new_and_leaving(scope(org.sysadmin, node=org.unit_c))
    assert column(figure, "New") == {"2026-01": 2, "2026-02": 0, "2026-03": 0, "2026-04": 0, "2026-05": 1,
                                     "2026-06": 0}
    assert column(figure, "Leaving")["2026-03"] == 1
    assert sum(column(figure, "Leaving").values()) == 1


def _certificate(volunteer, kind, day, category="", number="N"):
    return TrainingCertificate.objects.create(
        volunteer=volunteer, kind=kind, category=category, course_name="課程", organiser_name="推廣中心",
        hours=Decimal("6"), completed_on=day, number=f"{number}-{volunteer.pk}-{kind}-{category}", source="paper")


def test_training_completion(org):
    _certificate(org.vol_a, CourseKind.BASIC, datetime.date(2025, 1, 1))
    _certificate(org.vol_a, CourseKind.SPECIAL, datetime.date(2026, 2, 1), UnitCategory.SPORTS)
    _certificate(org.vol_sub_a, CourseKind.BASIC, datetime.date(2026, 3, 1))
    _certificate(org.vol_b, CourseKind.SPECIAL, datetime.date(2026, 3, 1), UnitCategory.SPORTS)
    _certificate(org.vol_sub_b, CourseKind.BASIC, datetime.date(2026, 7, 1))  # after the period
    figure = stats.training_completion(scope(org.officer_wmg))
    assert figure.series[0][1] == [1, 1, 1, 1]  # both, basic only, special only, neither
    culture = stats.training_completion(scope(org.officer_wmg, category=UnitCategory.CULTURE))
    assert culture.series[0][1] == [0, 0, 0, 0]  # no WMG team belongs to a culture unit
    early = stats.training_completion(scope(org.officer_wmg, end=datetime.date(2026, 1, 31)))
    assert early.series[0][1] == [0, 1, 0, 3]
    headline = dict(figure.headline)
    assert headline["Trained (basic and special)"] == "1 (25.0%)"


def _old_training_counts(scope_):
    """The training figure as it was computed before (correlated EXISTS per member): the reference."""
    from django.db.models import Count, Exists, OuterRef, Q

    day = scope_.day
    certificates = TrainingCertificate.objects.filter(volunteer=OuterRef("pk"), completed_on__lte=day)
    special = certificates.filter(kind=CourseKind.SPECIAL)
    if scope_.category:
        special = special.filter(category=scope_.category)
    people = stats.members_on(scope_).annotate(basic=Exists(certificates.filter(kind=CourseKind.BASIC)),
                                               special=Exists(special))
    totals = people.aggregate(
        both=Count("pk", filter=Q(basic=True, special=True)), basic_only=Count("pk", filter=Q(basic=True, special=False)),
        special_only=Count("pk", filter=Q(basic=False, special=True)),
        neither=Count("pk", filter=Q(basic=False, special=False)))
    in_period = dict(TrainingCertificate.objects.filter(volunteer__in=stats.members_on(scope_).values("pk"),
                                                        completed_on__gte=scope_.start, completed_on__lte=day)
                     .order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return totals, {kind: in_period.get(kind, 0) for kind in CourseKind.values}


@pytest.mark.parametrize("many_teams", [0, 300])  # every certificate grouped / the members' only
def test_training_counts_equal_the_per_member_reference(org, monkeypatch, many_teams):
    import random

    monkeypatch.setattr(stats, "MANY_TEAMS", many_teams)

    rng = random.Random(16)
    people = list(org.volunteers.values())
    for _i in range(12):
        people.append(VolunteerFactory(team=rng.choice([org.team_a, org.sub_a, org.team_b, org.team_c])))
    for n, person in enumerate(people):
        for k in range(rng.randrange(0, 4)):
            kind = rng.choice(CourseKind.values)
            category = rng.choice([UnitCategory.SPORTS, UnitCategory.CULTURE]) if kind == CourseKind.SPECIAL else ""
            _certificate(person, kind, datetime.date(2025, 6, 1) + datetime.timedelta(days=rng.randrange(500)),
                         category, number=f"R{n}-{k}")
    for user in (org.officer_root, org.officer_wmg, org.admin_a, org.leader_a):
        for node in (None, org.unit_a, org.team_c):
            for category in ("", UnitCategory.SPORTS, UnitCategory.CULTURE):
                for start, end in ((datetime.date(2026, 1, 1), D), (datetime.date(2025, 1, 1), datetime.date(2026, 3, 1))):
                    s = stats.StatsScope(user=fresh(user), start=start, end=end, node=node, category=category)
                    assert stats._training_counts(s) == _old_training_counts(s), (user, node, category, start)


@pytest.mark.parametrize("per_row", [True, False], ids=["each member looked up", "from the covers' side"])
def test_insurance_coverage(org, monkeypatch, per_row):
    monkeypatch.setattr(stats, "INSURED_PER_ROW_UP_TO", 20_000 if per_row else -1)  # a unit's way, a city's way
    policy = InsurancePolicy.objects.create(node=org.unit_a, insurer="國泰產險", policy_number="P1",
                                            starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    InsuranceCover.objects.create(policy=policy, node=org.team_a, starts_on=datetime.date(2026, 1, 1),
                                  ends_on=datetime.date(2026, 12, 31))  # vol_a and vol_sub_a (sub-team of team A)
    InsuranceCover.objects.create(policy=policy, volunteer=org.vol_b, starts_on=datetime.date(2026, 1, 1),
                                  ends_on=datetime.date(2026, 6, 29))  # ends the day before D
    figure = stats.insurance_coverage(scope(org.officer_wmg))
    insured, not_insured = column(figure, "Insured"), column(figure, "Not insured")
    assert sum(insured.values()) == 2 and sum(not_insured.values()) == 2
    assert insured["30–49"] == 1 and insured["65+"] == 1  # vol_a 36, vol_sub_a 67 on D
    earlier = stats.insurance_coverage(scope(org.officer_wmg, end=datetime.date(2026, 6, 29)))
    assert sum(column(earlier, "Insured").values()) == 3
    # an "accepted for its shifts" cover insures vol_sub_b on the day of their shift only
    shift = ShiftFactory(position=PositionFactory(campaign=CampaignFactory(unit=org.unit_b), venue=org.unit_b), date=D)
    SignupFactory(volunteer=org.vol_sub_b, shift=shift, status=SignupStatus.ACCEPTED)
    joint = InsurancePolicy.objects.create(node=org.wmg, insurer="富邦產險", policy_number="J1",
                                           starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    InsuranceCover.objects.create(policy=joint, node=org.wmg, node_scope=CoverScope.ON_SHIFT,
                                  starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    on_shift = stats.insurance_coverage(scope(org.officer_wmg))
    assert sum(column(on_shift, "Insured").values()) == 3
    for day in (D, D - datetime.timedelta(days=1)):  # the same people as the insurance module's own query
        assert set(Volunteer.objects.filter(insured_ids_q(day))) == set(
            Volunteer.objects.filter(insured_q(day, many=True)))


def _campaign(org):
    campaign = CampaignFactory(unit=org.wmg, code="wmg-2025")
    pos_a = PositionFactory(campaign=campaign, venue=org.unit_a, team=org.team_a, volunteers_needed=4)
    pos_b = PositionFactory(campaign=campaign, venue=org.unit_b, team=org.team_b, volunteers_needed=2)
    org.unit_b.city, org.unit_b.district = "new_taipei", "板橋區"
    org.unit_b.save()
    shift_a = ShiftFactory(position=pos_a, headcount=4)
    shift_b = ShiftFactory(position=pos_b, headcount=2)
    return campaign, shift_a, shift_b


def _accept(volunteer, shift, when):
    signup = SignupFactory(volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED)
    type(signup).objects.filter(pk=signup.pk).update(decided_at=when)
    return signup


def _at(day):
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def test_recruitment_fill_rates_over_time(org):
    campaign, shift_a, shift_b = _campaign(org)
    _accept(org.vol_a, shift_a, _at(datetime.date(2026, 3, 1)))
    _accept(org.vol_sub_a, shift_a, _at(datetime.date(2026, 3, 3)))
    _accept(org.vol_b, shift_b, _at(datetime.date(2026, 3, 2)))
    SignupFactory(volunteer=org.vol_c, shift=shift_a, status=SignupStatus.APPLIED)  # not counted
    figure = stats.recruitment_over_time(scope(org.sysadmin), campaign, "city")
    assert figure.categories == ["2026-03-01", "2026-03-02", "2026-03-03"]
    series = dict(figure.series)
    taipei = next(name for name in series if "target 4" in name)
    new_taipei = next(name for name in series if "target 2" in name)
    assert series[taipei] == [Decimal("25.0"), Decimal("25.0"), Decimal("50.0")]
    assert series[new_taipei] == [Decimal("0"), Decimal("50.0"), Decimal("50.0")]
    by_venue = stats.recruitment_over_time(scope(org.admin_a), campaign, "venue")
    assert len(by_venue.series) == 1 and by_venue.series[0][1][-1] == Decimal("50.0")  # unit A only


def test_event_headline(org):
    campaign, shift_a, shift_b = _campaign(org)
    _accept(org.vol_a, shift_a, _at(datetime.date(2026, 3, 1)))
    _accept(org.vol_sub_a, shift_a, _at(datetime.date(2026, 3, 3)))
    figure = stats.wmg_headline(scope(org.sysadmin), campaign)
    assert column(figure, "Needed") == {"Taipei City": 4, "New Taipei City": 2} or \
        sorted(column(figure, "Needed").values()) == [2, 4]
    assert sorted(column(figure, "Recruited").values()) == [0, 2]
    headline = dict(figure.headline)
    assert headline["Volunteers needed"] == "6"
    assert headline["Volunteers recruited"] == "2 (33.3%)"
    assert headline["Ages (on the first day)"] == "35–66"  # vol_a born 1990-03-14, vol_sub_a 1958-07-02; 2025-05-17
    assert headline["Venues"] == "2"


def test_a_unit_sees_only_its_own_figures(org):
    _record(org.vol_b, org.unit_b, datetime.date(2026, 2, 1), 5)
    _record(org.vol_a, org.unit_a, datetime.date(2026, 2, 1), 1)
    admin_a = scope(org.admin_a)
    assert dict(stats.hours_by_month(admin_a).headline)["Service hours"] == "1.0"
    assert sum(sum(v) for _n, v in stats.volunteers_by_sex_age(admin_a).series) == 2  # vol_a, vol_sub_a
    # narrowing to another unit's node gives nothing (the node choices never offer it either)
    other = scope(org.admin_a, node=org.unit_b)
    assert sum(sum(v) for _n, v in stats.volunteers_by_sex_age(other).series) == 0
    assert dict(stats.hours_by_month(other).headline)["Service hours"] == "0.0"
    assert org.unit_b not in stats.node_choices(fresh(org.admin_a))
    assert set(stats.node_choices(fresh(org.leader_a))) == {org.team_a, org.sub_a}  # no unit of their own
    assert sum(sum(v) for _n, v in stats.volunteers_by_sex_age(scope(org.subleader_a)).series) == 1


FIGURES = [
    lambda s, c: stats.volunteers_by_sex_age(s), lambda s, c: stats.volunteers_by_category(s),
    lambda s, c: stats.hours_by_month(s), lambda s, c: stats.new_and_leaving(s),
    lambda s, c: stats.training_completion(s), lambda s, c: stats.insurance_coverage(s),
    lambda s, c: stats.recruitment_over_time(s, c, "venue"), lambda s, c: stats.wmg_headline(s, c),
]


def _queries(org, figure, campaign):
    with CaptureQueriesContext(connection) as captured:
        figure(scope(org.officer_wmg, category=UnitCategory.SPORTS), campaign)
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(org):
    campaign, shift_a, shift_b = _campaign(org)
    before = [_queries(org, figure, campaign) for figure in FIGURES]
    for i in range(12):
        volunteer = VolunteerFactory(team=org.team_b if i % 2 else org.sub_a, joined_on=datetime.date(2026, 2, 1))
        _record(volunteer, org.unit_b, datetime.date(2026, 1 + i % 6, 10), 2)
        _certificate(volunteer, CourseKind.BASIC, datetime.date(2026, 1, 5))
        if i < 4:
            _accept(volunteer, shift_a if i % 2 else shift_b, _at(datetime.date(2026, 3, 1 + i)))
        Membership.objects.filter(volunteer=volunteer).update(left_on=None)
    after = [_queries(org, figure, campaign) for figure in FIGURES]
    assert after == before
