"""The count-from dates (`TrainingCountFrom`, kept by statement triggers on the certificates): exact after every
kind of write of the certificates (create, bulk_create, update of the date, kind, category or volunteer through
the ORM and in bulk, deletion, a volunteer deleted with them), the check and repair of `check_hours_rollup`, and
the countable hours read through them equal to the working of each volunteer (which reads the certificates).
PostgreSQL only: the table is not kept on SQLite."""
from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from operations.models import (
    CourseKind,
    HourSource,
    ServiceRecord,
    TrainingCertificate,
    TrainingCountFrom,
    UnitCategory,
    Volunteer,
)
from operations.selectors import hours as sel

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: every test ends with the checks)
from .test_training_services import certify

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="kept by PostgreSQL triggers")]

D = datetime.date
SPORTS = UnitCategory.SPORTS
CULTURE = UnitCategory.CULTURE
BASIC, SPECIAL = CourseKind.BASIC, CourseKind.SPECIAL


def kept(volunteer) -> dict:
    return dict(TrainingCountFrom.objects.filter(volunteer=volunteer).values_list("category", "counts_from"))


def test_a_row_only_when_both_trainings_are_on_record_holding_the_later_first_date(org):
    v = org.vol_a
    certify(v, SPECIAL, SPORTS, on=D(2024, 3, 1))
    assert kept(v) == {}  # no basic training yet: nothing counts by training
    basic = certify(v, BASIC, on=D(2024, 5, 1))
    assert kept(v) == {SPORTS: D(2024, 5, 1)}  # the later of the two
    certify(v, BASIC, on=D(2023, 1, 1))  # an earlier basic certificate: the first one counts
    assert kept(v) == {SPORTS: D(2024, 3, 1)}
    certify(v, SPECIAL, SPORTS, on=D(2024, 2, 1))
    certify(v, SPECIAL, CULTURE, on=D(2025, 1, 1))
    certify(v, CourseKind.IN_SERVICE, on=D(2020, 1, 1))  # in-service training changes nothing
    assert kept(v) == {SPORTS: D(2024, 2, 1), CULTURE: D(2025, 1, 1)}
    basic.completed_on = D(2022, 6, 1)  # a correction through the ORM
    basic.save()
    assert kept(v) == {SPORTS: D(2024, 2, 1), CULTURE: D(2025, 1, 1)}
    TrainingCertificate.objects.filter(volunteer=v, kind=BASIC).update(completed_on=D(2024, 12, 31))  # in bulk
    assert kept(v) == {SPORTS: D(2024, 12, 31), CULTURE: D(2025, 1, 1)}
    TrainingCertificate.objects.filter(volunteer=v, category=CULTURE).update(category=SPORTS)
    assert kept(v) == {SPORTS: D(2024, 12, 31)}
    TrainingCertificate.objects.filter(volunteer=v, kind=SPECIAL).update(kind=CourseKind.IN_SERVICE)
    assert kept(v) == {}
    assert sel.count_from_differences() == []


def test_a_certificate_moved_to_another_volunteer_and_deletions(org):
    a, b = org.vol_a, org.vol_b
    certify(a, BASIC, on=D(2024, 1, 1))
    certify(b, BASIC, on=D(2024, 2, 1))
    moved = certify(a, SPECIAL, SPORTS, on=D(2024, 3, 1))
    assert kept(a) == {SPORTS: D(2024, 3, 1)} and kept(b) == {}
    moved.volunteer = b  # both volunteers are recomputed
    moved.save()
    assert kept(a) == {} and kept(b) == {SPORTS: D(2024, 3, 1)}
    TrainingCertificate.objects.filter(volunteer=b, kind=BASIC).delete()
    assert kept(b) == {}
    certify(b, BASIC, on=D(2025, 1, 1))
    assert kept(b) == {SPORTS: D(2025, 1, 1)}
    Volunteer.objects.filter(pk=b.pk).delete()  # the certificates go with the volunteer (CASCADE)
    assert kept(b) == {}
    assert sel.count_from_differences() == []


def test_bulk_create_of_many_volunteers_in_one_statement(org):
    people = list(org.volunteers.values())
    TrainingCertificate.objects.bulk_create(
        [TrainingCertificate(volunteer=v, kind=BASIC, course_name="基礎", organiser_name="臺北e大", hours=6,
                             completed_on=D(2024, 1, 1 + i), number=f"B-{i}", source="elearning")
         for i, v in enumerate(people)]
        + [TrainingCertificate(volunteer=v, kind=SPECIAL, category=SPORTS, course_name="特殊", organiser_name="臺北e大",
                               hours=6, completed_on=D(2024, 1, 10), number=f"S-{i}", source="elearning")
           for i, v in enumerate(people)])
    for i, v in enumerate(people):
        assert kept(v) == {SPORTS: max(D(2024, 1, 1 + i), D(2024, 1, 10))}
    assert sel.count_from_differences() == []


def test_the_check_finds_a_difference_and_the_repair_rebuilds(org, capsys):
    certify(org.vol_a, BASIC, on=D(2024, 1, 1))
    certify(org.vol_a, SPECIAL, SPORTS, on=D(2024, 2, 1))
    certify(org.vol_b, BASIC, on=D(2024, 1, 1))
    certify(org.vol_b, SPECIAL, SPORTS, on=D(2024, 3, 1))
    call_command("check_hours_rollup")
    assert "equal the certificates" in capsys.readouterr().out
    TrainingCountFrom.objects.filter(volunteer=org.vol_a).update(counts_from=D(2020, 1, 1))  # tampered with
    TrainingCountFrom.objects.filter(volunteer=org.vol_b).delete()
    TrainingCountFrom.objects.create(volunteer=org.vol_c, category=CULTURE, counts_from=D(2020, 1, 1))
    found = {row["volunteer_id"]: (row["certificates"], row["kept"]) for row in sel.count_from_differences()}
    assert found == {org.vol_a.pk: (D(2024, 2, 1), D(2020, 1, 1)), org.vol_b.pk: (D(2024, 3, 1), None),
                     org.vol_c.pk: (None, D(2020, 1, 1))}
    assert sel.count_from_differences(volunteers=[org.vol_b.pk]) == [
        {"volunteer_id": org.vol_b.pk, "category": SPORTS, "certificates": D(2024, 3, 1), "kept": None}]
    with pytest.raises(CommandError):
        call_command("check_hours_rollup")
    call_command("check_hours_rollup", "--repair")
    assert "count-from dates" in capsys.readouterr().out
    assert sel.count_from_differences() == []
    assert kept(org.vol_a) == {SPORTS: D(2024, 2, 1)} and kept(org.vol_c) == {}


@pytest.mark.parametrize("seed", [3, 17])
def test_countable_hours_read_through_the_kept_dates_equal_each_working(org, seed):
    """Random certificates and records (some before the training, some misuse, some without a category, some in
    another category): the per-unit and per-volunteer countable hours (through the kept dates) equal the
    working of each volunteer (`explain`, which groups the certificates itself), also after certificates
    change."""
    rng = random.Random(seed)
    units = [org.unit_a, org.unit_b, org.unit_c]
    people = list(org.volunteers.values())
    for v in people:
        if rng.random() < 0.8:
            certify(v, BASIC, on=D(2024, rng.randint(1, 12), rng.randint(1, 28)))
        for category in (SPORTS, CULTURE):
            if rng.random() < 0.7:
                certify(v, SPECIAL, category, on=D(2024, rng.randint(1, 12), rng.randint(1, 28)))
    records = []
    for _ in range(300):
        unit = rng.choice(units)
        misuse = rng.random() < 0.05
        records.append(ServiceRecord(
            volunteer=rng.choice(people), unit=unit, date=D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(600)),
            category=rng.choice([unit.category, unit.category, "", CULTURE]), content="服務", minutes=60,
            hours=Decimal(rng.choice(["1", "2.5", "4"])), source=HourSource.STAFF,
            misuse_note="借用他人紀錄冊" if misuse else "", misuse_at=timezone.now() if misuse else None))
    ServiceRecord.objects.bulk_create(records)

    def check():
        start, end = D(2024, 3, 15), D(2025, 2, 10)
        per_unit: dict = defaultdict(Decimal)
        per_person: dict = {}
        for v in people:
            working = sel.explain(v, start=start, end=end)
            for line in working.lines:
                if line.counted:
                    per_unit[line.unit_id] += line.hours
            if working.counted:
                per_person[v.pk] = working.counted
        assert sel.countable_by_unit(start=start, end=end) == {k: v for k, v in per_unit.items() if v}
        assert sel.countable_by_unit(start=start, end=end, units=[org.unit_a.pk]) == (
            {org.unit_a.pk: per_unit[org.unit_a.pk]} if per_unit.get(org.unit_a.pk) else {})
        assert sel.countable_totals(start=start, end=end) == per_person
        assert per_person  # the data has something to count

    check()
    TrainingCertificate.objects.filter(kind=BASIC, volunteer__in=people[::2]).update(completed_on=D(2024, 9, 1))
    TrainingCertificate.objects.filter(kind=SPECIAL, category=CULTURE).delete()
    check()


def test_a_statement_over_thousands_of_people_holds_a_bounded_number_of_locks(org):
    """One advisory lock per person would overflow PostgreSQL's lock table on a large import ("out of shared
    memory": max_locks_per_transaction × max_connections slots for every session together); the trigger's keys are
    the volunteer ids modulo COUNT_FROM_LOCK_KEYS."""
    from operations.models.training import COUNT_FROM_LOCK, COUNT_FROM_LOCK_KEYS
    from tests.factories.operations import unique_national_id

    people = Volunteer.objects.bulk_create(
        [Volunteer(name=f"志工{i}", id_number=unique_national_id(), birth_date=D(1980, 1, 1), sex="F")
         for i in range(1500)])
    TrainingCertificate.objects.bulk_create(
        [TrainingCertificate(volunteer=v, kind=kind, category=SPORTS if kind == SPECIAL else "", course_name="課程",
                             organiser_name="臺北e大", issuer="臺北e大", hours=Decimal("6"),
                             completed_on=D(2024, 1, 10), number=f"L-{kind}-{v.pk}", source="elearning")
         for v in people for kind in (BASIC, SPECIAL)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
                       "AND pid = pg_backend_pid()", [COUNT_FROM_LOCK])
        held = cursor.fetchone()[0]
    assert 0 < held <= COUNT_FROM_LOCK_KEYS < len(people)
    assert TrainingCountFrom.objects.filter(volunteer__in=people).count() == len(people)
    assert kept(people[-1]) == {SPORTS: D(2024, 1, 10)}
