"""Award schemes as data, the eligible list (threshold boundary, categories, cut-off, already received left
out, scope) and nominations (hours checked again, once per person and level), and the WMG recognitions."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from operations.models import AwardLevel, AwardNomination, AwardReceipt, AwardScheme, CourseKind, UnitCategory
from operations.selectors import awards as sel
from operations.services import awards as svc
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the roll-up checked after each test)
from .test_hours_selector import rec
from .test_training_services import certify

pytestmark = pytest.mark.django_db

D = datetime.date
SPORTS = UnitCategory.SPORTS


@pytest.fixture
def scheme(org):
    """A scheme of sports hours (the seeded ones count other categories): 100 / 150 h, to 2024-12-31."""
    s = AwardScheme.objects.create(code="test-sports", name="體育志工獎", name_en="Sports award", authority="體育署",
                                   unit_categories=[SPORTS], cutoff_month=12, cutoff_day=31, cutoff_previous_year=True)
    AwardLevel.objects.create(scheme=s, code="bronze", name="銅", name_en="Bronze", hours=100, rank=1)
    AwardLevel.objects.create(scheme=s, code="silver", name="銀", name_en="Silver", hours=150, rank=2)
    return s


def hours(org, v, unit, total: str, *, start=datetime.date(2024, 1, 1), per_day="8"):
    certify(v, CourseKind.BASIC, on=D(2023, 1, 1))
    certify(v, CourseKind.SPECIAL, unit.category, on=D(2023, 1, 1))
    left, day = Decimal(total), start
    while left > 0:
        h = min(left, Decimal(per_day))
        rec(v, unit, day, str(h))
        left -= h
        day += datetime.timedelta(days=1)


def test_the_three_schemes_are_seeded():
    found = {s.code: [float(level.hours) for level in s.levels.all()] for s in sel.scheme_list()}
    assert found["national"] == [3000, 5000, 8000]
    assert found["welfare"] == [1500, 2000, 2500]
    assert found["interior"] == [1500, 2000, 2500]
    welfare = AwardScheme.objects.get(code="welfare")
    assert set(welfare.unit_categories) == {"general", "social_welfare", "health"}
    assert welfare.cutoff_for(2026) == D(2025, 12, 31)
    national = AwardScheme.objects.get(code="national")
    assert [d for _label, d in national.calendar_for(2026)] == [D(2026, 6, 30), D(2026, 7, 31), D(2026, 8, 31)]


def test_eligible_list_boundary_and_received_left_out(org, scheme):
    bronze = scheme.levels.get(code="bronze")
    hours(org, org.vol_a, org.unit_a, "99.5")
    hours(org, org.vol_sub_a, org.unit_a, "100")
    hours(org, org.vol_b, org.unit_b, "160")
    found = sel.eligible_list(fresh(org.officer_root), bronze, year=2025)
    assert [(r.volunteer_id, r.hours) for r in found.rows] == [(org.vol_b.pk, Decimal("160.0")),
                                                               (org.vol_sub_a.pk, Decimal("100.0"))]
    svc.award_receipt_record(actor=fresh(org.officer_root), level=bronze, volunteer=org.vol_b, year=2024)
    found = sel.eligible_list(fresh(org.officer_root), bronze, year=2025)
    assert [r.volunteer_id for r in found.rows] == [org.vol_sub_a.pk] and found.already_received == 1
    # silver is another level: vol_b still reaches it
    assert [r.volunteer_id for r in sel.eligible_list(fresh(org.officer_root), scheme.levels.get(code="silver"),
                                                      year=2025).rows] == [org.vol_b.pk]


def test_eligible_list_cut_off_categories_and_scope(org, scheme):
    bronze = scheme.levels.get(code="bronze")
    hours(org, org.vol_a, org.unit_a, "100", start=D(2024, 12, 20))     # ends after 2024-12-31
    hours(org, org.vol_c, org.unit_c, "200")                            # culture: not this scheme's
    assert sel.eligible_list(fresh(org.officer_root), bronze, year=2025).rows == []
    assert [r.volunteer_id for r in sel.eligible_list(fresh(org.officer_root), bronze, year=2026).rows] == [org.vol_a.pk]
    hours(org, org.vol_b, org.unit_b, "120")
    assert [r.volunteer_id for r in sel.eligible_list(fresh(org.admin_a), bronze, year=2026).rows] == [org.vol_a.pk]
    assert [r.volunteer_id for r in sel.eligible_list(fresh(org.officer_root), bronze, year=2026,
                                                      unit=org.unit_b).rows] == [org.vol_b.pk]


def test_once_per_level_is_a_database_rule(org, scheme):
    bronze = scheme.levels.get(code="bronze")
    AwardReceipt.objects.create(volunteer=org.vol_a, level=bronze, year=2024)
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardReceipt.objects.create(volunteer=org.vol_a, level=bronze, year=2025)
    again = svc.award_receipt_record(actor=fresh(org.officer_root), level=bronze, volunteer=org.vol_a, year=2025)
    assert again.year == 2024 and AwardReceipt.objects.count() == 1


def test_nominate_checks_hours_again_and_decides_once(org, scheme):
    bronze = scheme.levels.get(code="bronze")
    hours(org, org.vol_a, org.unit_a, "100")
    hours(org, org.vol_sub_a, org.unit_a, "99.5")
    first = svc.award_nominate(actor=fresh(org.admin_a), level=bronze, volunteer=org.vol_a, unit=org.unit_a, year=2025)
    again = svc.award_nominate(actor=fresh(org.admin_a), level=bronze, volunteer=org.vol_a, unit=org.unit_a, year=2025)
    assert first.pk == again.pk and AwardNomination.objects.count() == 1
    assert first.hours == Decimal("100.0") and first.working["counted"] == "100.0"
    assert first.working["dates"][0]["count_from"] == "2023-01-01"
    with pytest.raises(ValidationError):
        svc.award_nominate(actor=fresh(org.admin_a), level=bronze, volunteer=org.vol_sub_a, unit=org.unit_a, year=2025)
    with pytest.raises(PermissionDenied):
        svc.award_nominate(actor=fresh(org.admin_b), level=bronze, volunteer=org.vol_a, unit=org.unit_a, year=2025)
    row = sel.eligible_list(fresh(org.admin_a), bronze, year=2025).rows[0]
    assert row.nomination == "submitted"  # a nomination goes straight onto the review chain


def test_wmg_recognitions(org):
    from operations.models import Volunteer

    people = {
        "old": (D(1934, 5, 1), "60"), "teen1": (D(2008, 1, 1), "20"), "teen2": (D(2008, 6, 1), "30"),
        "mid": (D(1990, 1, 1), "55"), "sixty": (D(1960, 1, 1), "10"),
    }
    made = {}
    for key, (born, total) in people.items():
        v = Volunteer.objects.create(id_type="passport", id_number=f"P{key.upper()}", name=key, sex="F",
                                     birth_date=born)
        from operations.models import Membership

        Membership.objects.create(volunteer=v, team=org.team_a, joined_on=D(2024, 1, 1))
        hours(org, v, org.unit_a, total, start=D(2025, 5, 17))
        made[key] = v
    hours(org, org.vol_c, org.unit_c, "80")          # not under the WMG
    found = sel.wmg_recognitions(fresh(org.officer_wmg), event=org.wmg, cutoff=D(2025, 5, 30))
    assert [r.volunteer.name for r in found.oldest] == ["old"] and found.oldest[0].age == 91
    assert [r.volunteer.name for r in found.youth] == ["teen2", "teen1"]
    assert [r.volunteer.name for r in found.over_threshold] == ["old", "mid"]
    bands = dict(found.bands)
    assert [r.volunteer.name for r in bands["16–17"]] == ["teen2", "teen1"]
    assert org.vol_c.pk not in {r.volunteer.pk for r in found.over_threshold}
