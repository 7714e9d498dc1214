"""The kept report figures (`UnitHoursMonth`, `UnitMember`, kept by PostgreSQL triggers): exact after every kind
of write of the ledger, the certificates, the record books, the memberships, the volunteers and the tree (the
autouse check of `rollup_support` compares both tables with their rows after every test), the values they hold
in simple cases, the report figures read through them equal to the figures computed from the rows, compaction,
the check and repair of `check_hours_rollup`, and concurrent writers (threads on real PostgreSQL). SQLite does
not keep them: skipped there."""
from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from operations.models import (
    BookStatus,
    CertificateSource,
    CourseKind,
    CoverScope,
    InsuranceCover,
    InsurancePolicy,
    Membership,
    OrgKind,
    OrgNode,
    RecordBook,
    ServiceRecord,
    Sex,
    TrainingCertificate,
    UnitHoursMonth,
    UnitMember,
    Volunteer,
)
from operations.selectors import kept as kept_sel
from operations.selectors import reports as sel
from operations.services import kept as svc
from tests.factories.operations import CampaignFactory, MembershipFactory, PositionFactory, VolunteerFactory

from .journey_support import race
from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: both kept tables checked after each test)
from .test_backoffice_recruitment_setup import accept, make_shift
from .test_hours_selector import rec
from .test_training_services import certify

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="kept by PostgreSQL triggers")]

D = datetime.date
BASIC, SPECIAL = CourseKind.BASIC, CourseKind.SPECIAL


def hours_of(unit, month) -> tuple:
    """(hours, records, people served, countable hours) the kept rows of a unit and month add up to."""
    rows = UnitHoursMonth.objects.filter(unit=unit, month=month).values_list(
        "hours", "records", "people_served", "counted_hours")
    total = [Decimal("0"), 0, 0, Decimal("0")]
    for row in rows:
        total = [a + b for a, b in zip(total, row, strict=True)]
    return tuple(total)


def spans(volunteer) -> list[tuple]:
    return list(UnitMember.objects.filter(volunteer=volunteer).order_by("unit_id", "since").values_list(
        "unit__code", "since", "until"))


def book(org, volunteer, on, status=BookStatus.UNCOLLECTED, number="B-1"):
    return RecordBook.objects.create(volunteer=volunteer, number=number, status=status, issued_on=on,
                                     issuing_authority=org.root, applied_by_unit=org.unit_a,
                                     cancel_reason="遺失" if status == BookStatus.CANCELLED else "")


def both_ways(units, start, end):
    """The figures through the kept tables, and computed from the rows."""
    kept = sel.unit_figures(units, start, end)
    with sel.computed_from_rows():
        computed = sel.unit_figures(units, start, end)
    return kept, computed


# --- Hours ------------------------------------------------------------------------------------------------

def test_ledger_writes_of_every_kind_keep_the_hours_of_the_unit_and_month(org):
    v = org.vol_a
    certify(v, BASIC, on=D(2025, 1, 1))
    certify(v, SPECIAL, org.unit_a.category, on=D(2025, 3, 10))
    before = rec(v, org.unit_a, D(2025, 3, 9), "2")  # the day before the special training: not countable
    after = rec(v, org.unit_a, D(2025, 3, 10), "3")
    assert hours_of(org.unit_a, D(2025, 3, 1)) == (Decimal("5"), 2, 0, Decimal("3"))
    after.hours, after.people_served = Decimal("4.5"), 7  # a correction
    after.save()
    assert hours_of(org.unit_a, D(2025, 3, 1)) == (Decimal("6.5"), 2, 7, Decimal("4.5"))
    after.date = D(2025, 4, 2)  # moved to the next month
    after.save()
    assert hours_of(org.unit_a, D(2025, 3, 1)) == (Decimal("2"), 1, 0, Decimal("0"))
    assert hours_of(org.unit_a, D(2025, 4, 1)) == (Decimal("4.5"), 1, 7, Decimal("4.5"))
    after.unit = org.unit_b  # moved to another unit
    after.save()
    assert hours_of(org.unit_a, D(2025, 4, 1)) == (Decimal("0"), 0, 0, Decimal("0"))
    assert hours_of(org.unit_b, D(2025, 4, 1)) == (Decimal("4.5"), 1, 7, Decimal("4.5"))
    after.category = ""  # no category: recorded, not countable
    after.save()
    assert hours_of(org.unit_b, D(2025, 4, 1)) == (Decimal("4.5"), 1, 7, Decimal("0"))
    before.misuse_at, before.misuse_note = timezone.now(), "借用他人紀錄冊"  # misuse: out of everything
    before.save()
    assert hours_of(org.unit_a, D(2025, 3, 1)) == (Decimal("0"), 0, 0, Decimal("0"))
    before.misuse_at, before.misuse_note = None, ""  # lifted
    before.save()
    assert hours_of(org.unit_a, D(2025, 3, 1)) == (Decimal("2"), 1, 0, Decimal("0"))
    ServiceRecord.objects.filter(volunteer=v).delete()
    assert hours_of(org.unit_a, D(2025, 3, 1)) == hours_of(org.unit_b, D(2025, 4, 1)) == (
        Decimal("0"), 0, 0, Decimal("0"))


def test_training_dates_move_recorded_hours_between_counted_and_not(org):
    v, cat = org.vol_a, org.unit_a.category
    rec(v, org.unit_a, D(2025, 2, 1), "2")
    rec(v, org.unit_a, D(2025, 5, 1), "3")
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == hours_of(org.unit_a, D(2025, 5, 1))[3] == 0  # not trained
    certify(v, BASIC, on=D(2025, 1, 1))
    assert hours_of(org.unit_a, D(2025, 5, 1))[3] == 0  # basic only
    special = certify(v, SPECIAL, cat, on=D(2025, 3, 1))
    assert (hours_of(org.unit_a, D(2025, 2, 1))[3], hours_of(org.unit_a, D(2025, 5, 1))[3]) == (0, Decimal("3"))
    special.completed_on = D(2025, 1, 15)  # the date corrected: February counts too
    special.save()
    assert (hours_of(org.unit_a, D(2025, 2, 1))[3], hours_of(org.unit_a, D(2025, 5, 1))[3]) == (
        Decimal("2"), Decimal("3"))
    certify(v, SPECIAL, cat, on=D(2025, 4, 1))  # a later special training changes nothing
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == Decimal("2")
    special.delete()  # the earlier one withdrawn: from April on
    assert (hours_of(org.unit_a, D(2025, 2, 1))[3], hours_of(org.unit_a, D(2025, 5, 1))[3]) == (0, Decimal("3"))
    TrainingCertificate.objects.filter(volunteer=v, kind=BASIC).update(volunteer=org.vol_b)  # moved away
    assert hours_of(org.unit_a, D(2025, 5, 1))[3] == 0


def test_the_record_book_date_counts_where_no_training_dates_are_on_record(org):
    v = org.vol_a
    rec(v, org.unit_a, D(2025, 2, 1), "2")
    rec(v, org.unit_a, D(2025, 5, 1), "3")
    b = book(org, v, D(2025, 3, 1))
    assert (hours_of(org.unit_a, D(2025, 2, 1))[3], hours_of(org.unit_a, D(2025, 5, 1))[3]) == (0, Decimal("3"))
    b.issued_on = D(2025, 1, 1)
    b.save()
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == Decimal("2")
    b.status = BookStatus.FIRST  # collected: still valid
    b.save()
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == Decimal("2")
    certify(v, BASIC, on=D(2025, 4, 1))
    certify(v, SPECIAL, org.unit_a.category, on=D(2025, 4, 1))  # training dates known: they decide
    assert (hours_of(org.unit_a, D(2025, 2, 1))[3], hours_of(org.unit_a, D(2025, 5, 1))[3]) == (0, Decimal("3"))
    TrainingCertificate.objects.filter(volunteer=v).delete()  # back to the book
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == Decimal("2")
    b.status, b.cancel_reason = BookStatus.CANCELLED, "遺失"
    b.save()
    assert hours_of(org.unit_a, D(2025, 2, 1))[3] == hours_of(org.unit_a, D(2025, 5, 1))[3] == 0
    b.delete()
    assert hours_of(org.unit_a, D(2025, 5, 1)) == (Decimal("3"), 1, 0, Decimal("0"))


def test_compaction_folds_the_deltas_and_changes_no_figure(org):
    v = org.vol_a
    certify(v, BASIC, on=D(2024, 1, 1))
    certify(v, SPECIAL, org.unit_a.category, on=D(2024, 1, 1))
    records = [rec(v, org.unit_a, D(2025, 1 + i % 3, 1 + i), "1.5") for i in range(12)]
    records[0].delete()
    records[1].hours = Decimal("2")
    records[1].save()
    start, end = D(2025, 1, 1), D(2025, 6, 30)
    before = sel.unit_figures([org.unit_a], start, end)
    assert UnitHoursMonth.objects.filter(unit=org.unit_a).count() > 3
    assert svc.unit_hours_compact() == 3  # one row per unit and month left
    assert UnitHoursMonth.objects.filter(unit=org.unit_a).count() == 3
    assert sel.unit_figures([org.unit_a], start, end) == before
    assert before[org.unit_a.pk]["hours_countable"] == "17.0"  # 11 records: 10 × 1.5 + 2
    ServiceRecord.objects.filter(volunteer=v).delete()
    assert svc.unit_hours_compact() == 0  # rows summing to nothing are dropped


# --- Members ----------------------------------------------------------------------------------------------

def test_memberships_of_a_unit_make_one_span_per_stretch(org):
    v = VolunteerFactory(name="跨隊", sex=Sex.MALE, birth_date=D(1990, 5, 5), team=org.team_a,
                         joined_on=D(2024, 1, 1))
    assert spans(v) == [("venue-a", D(2024, 1, 1), None)]
    sub = MembershipFactory(volunteer=v, team=org.sub_a, joined_on=D(2023, 6, 1))  # overlapping: one span
    assert spans(v) == [("venue-a", D(2023, 6, 1), None)]
    Membership.objects.filter(volunteer=v, team=org.team_a).update(left_on=D(2024, 3, 1))
    sub.left_on = D(2024, 3, 1)
    sub.save()
    assert spans(v) == [("venue-a", D(2023, 6, 1), D(2024, 3, 1))]
    MembershipFactory(volunteer=v, team=org.team_a, joined_on=D(2024, 3, 1))  # touching: still one span
    assert spans(v) == [("venue-a", D(2023, 6, 1), None)]
    Membership.objects.filter(volunteer=v, team=org.team_a, left_on__isnull=True).update(joined_on=D(2024, 9, 1))
    assert spans(v) == [("venue-a", D(2023, 6, 1), D(2024, 3, 1)), ("venue-a", D(2024, 9, 1), None)]  # a gap
    MembershipFactory(volunteer=v, team=org.team_c, joined_on=D(2025, 1, 1))  # another unit: its own span
    assert ("library-c", D(2025, 1, 1), None) in spans(v)
    v.birth_date = D(2000, 1, 1)  # the person's details follow
    v.save()
    assert set(UnitMember.objects.filter(volunteer=v).values_list("birth_date", flat=True)) == {D(2000, 1, 1)}
    Membership.objects.filter(volunteer=v).delete()
    assert spans(v) == []


def test_a_team_moved_to_another_unit_takes_its_members_spans(org):
    v = VolunteerFactory(name="搬隊", team=org.sub_a, joined_on=D(2024, 1, 1))
    assert spans(v) == [("venue-a", D(2024, 1, 1), None)]
    org.team_a.refresh_from_db()
    OrgNode.objects.get(pk=org.team_a.pk).move(OrgNode.objects.get(pk=org.unit_b.pk), pos="last-child")
    assert spans(v) == [("venue-b", D(2024, 1, 1), None)]


def test_the_report_figures_read_through_the_kept_tables_equal_the_computed_ones(org):
    rng = random.Random(7)
    cat = org.unit_a.category
    teams = [org.team_a, org.sub_a, org.team_b, org.sub_b, org.team_c]
    people = []
    for i in range(40):
        born = D(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 70 * 365))
        if i % 7 == 0:  # turning 18 / 12 / 65 on the last day of the half
            born = rng.choice([D(2007, 6, 30), D(2013, 6, 30), D(1960, 6, 30), D(2007, 7, 1)])
        v = VolunteerFactory(name=f"隨機{i}", sex=rng.choice(Sex.values), birth_date=born,
                             team=rng.choice(teams), joined_on=D(2024, 1, 1) + datetime.timedelta(days=rng.randrange(700)))
        if rng.random() < 0.4:
            first = Membership.objects.get(volunteer=v).team_id
            m = MembershipFactory(volunteer=v, team=rng.choice([t for t in teams if t.pk != first]),
                                  joined_on=D(2024, 6, 1))
            if rng.random() < 0.5:
                m.left_on = D(2025, rng.choice([3, 6, 7]), rng.choice([1, 30]))
                m.save()
        if rng.random() < 0.6:
            certify(v, BASIC, on=D(2024, rng.randrange(1, 13), 1))
        if rng.random() < 0.6:
            certify(v, SPECIAL, cat, on=D(2025, rng.randrange(1, 13), 1))
        for _ in range(rng.randrange(0, 6)):
            unit = rng.choice([org.unit_a, org.unit_b, org.unit_c])
            rec(v, unit, D(2025, 1, 1) + datetime.timedelta(days=rng.randrange(365)), str(rng.choice([1, 2.5, 4])),
                misuse=rng.random() < 0.1)
        people.append(v)
    for i, v in enumerate(people[:5]):
        book(org, v, D(2025, 2, 1), number=f"B-{i}")
    policy = InsurancePolicy.objects.create(node=org.unit_a, insurer="保險公司", policy_number="P-9",
                                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    for v in people[::3]:
        InsuranceCover.objects.create(policy=policy, volunteer=v, starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    units = [org.unit_a, org.unit_b, org.unit_c]
    for start, end in ((D(2025, 1, 1), D(2025, 6, 30)), (D(2025, 7, 1), D(2025, 12, 31)),
                       (D(2025, 1, 1), D(2025, 12, 31)), (D(2025, 2, 10), D(2025, 11, 20))):
        kept, computed = both_ways(units, start, end)
        assert kept == computed
    assert sum(f["volunteers"] for f in kept.values()) > 30 and any(f["insured"] for f in kept.values())
    assert any(f["hours_countable"] != "0.0" for f in kept.values())
    svc.unit_hours_compact()
    kept, computed = both_ways(units, D(2025, 1, 1), D(2025, 12, 31))
    assert kept == computed


def test_the_insured_counted_through_the_spans_for_every_kind_of_cover(org):
    """The insured of each unit counted through the kept spans (`insurance.insured_spans_q`) equal the count from
    the rows, for the units together and each alone, under every kind of cover: a unit insured whole, a purpose
    authority's members (two units whole), a sub-team's own cover, a person named by a cover, a person accepted
    on a covered shift; with a person in two units, one of them insured whole."""
    both = VolunteerFactory(name="兩單位", team=org.team_b, joined_on=D(2024, 1, 1))
    MembershipFactory(volunteer=both, team=org.team_c, joined_on=D(2024, 1, 1))
    squad = VolunteerFactory(name="小隊員", team=org.sub_b, joined_on=D(2024, 1, 1))
    named = VolunteerFactory(name="具名", team=org.team_c, joined_on=D(2024, 1, 1))
    on_shift = VolunteerFactory(name="值班", team=org.team_c, joined_on=D(2024, 1, 1))
    VolunteerFactory(name="未保", team=org.team_c, joined_on=D(2024, 1, 1))
    policy = InsurancePolicy.objects.create(node=org.root, insurer="保險公司", policy_number="P-K",
                                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))

    def cover(start, end, **target):
        InsuranceCover.objects.create(policy=policy, starts_on=start, ends_on=end, **target)

    cover(D(2025, 1, 1), D(2025, 3, 31), node=org.unit_b)  # unit B whole
    cover(D(2025, 4, 1), D(2025, 6, 30), node=org.sub_b)  # a sub-team on its own
    cover(D(2025, 4, 1), D(2025, 6, 30), volunteer=named)
    cover(D(2025, 4, 1), D(2025, 6, 30), node=org.unit_b, node_scope=CoverScope.ON_SHIFT)
    cover(D(2025, 7, 1), D(2025, 12, 31), node=org.wmg)  # units A and B whole
    shift = make_shift(PositionFactory(campaign=CampaignFactory(unit=org.unit_b), venue=org.unit_b, team=org.team_b),
                       date=D(2025, 5, 1))
    accept(on_shift, shift)
    units = [org.unit_a, org.unit_b, org.unit_c]
    insured = {}
    for day in (D(2025, 2, 1), D(2025, 5, 1), D(2025, 9, 1)):
        for group in ([u] for u in units):
            kept, computed = both_ways(group, D(2025, 1, 1), day)
            assert kept == computed, day
        kept, computed = both_ways(units, D(2025, 1, 1), day)
        assert kept == computed, day
        insured[day] = {unit.code: (kept[unit.pk]["insured"], kept[unit.pk]["volunteers"]) for unit in units}
    in_squad = Membership.objects.filter(team=org.sub_b).count()
    assert Membership.objects.filter(team=org.sub_b, volunteer=squad).exists()
    feb, may, sep = (insured[day] for day in sorted(insured))
    assert feb["venue-a"][0] == 0 and feb["venue-b"][0] == feb["venue-b"][1] and feb["library-c"][0] == 1
    assert may["venue-a"][0] == 0 and may["venue-b"][0] == in_squad and may["library-c"][0] == 2
    assert sep["venue-a"][0] == sep["venue-a"][1] > 0 and sep["venue-b"][0] == sep["venue-b"][1]
    assert sep["library-c"][0] == 1


# --- Check, repair, rebuild --------------------------------------------------------------------------------

def test_the_check_finds_a_difference_in_either_table_and_the_repair_rebuilds(org, capsys):
    rec(org.vol_a, org.unit_a, D(2025, 3, 1), "2")
    call_command("check_hours_rollup")
    assert "The kept report figures equal their rows." in capsys.readouterr().out
    with connection.cursor() as cursor:  # damage both, as a lost trigger would
        cursor.execute("UPDATE operations_unithoursmonth SET hours = hours + 1")
        cursor.execute("DELETE FROM operations_unitmember WHERE volunteer_id = %s", [org.vol_b.pk])
    assert kept_sel.unit_hours_differences() and kept_sel.unit_member_differences()
    with pytest.raises(CommandError):
        call_command("check_hours_rollup")
    call_command("check_hours_rollup", "--repair")
    assert kept_sel.unit_hours_differences() == [] and kept_sel.unit_member_differences() == []


def test_the_load_generator_and_the_rebuild_leave_them_exact(org):
    rec(org.vol_a, org.unit_a, D(2025, 3, 1), "2")
    written = svc.kept_rebuild()
    assert written["hours"] == 1 and written["members"] == Volunteer.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('operations.kept_bulk', true)")
        assert cursor.fetchone()[0] in (None, "", "off")  # the triggers are on again after a rebuild


# --- Concurrent writers (threads) ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_records_racing_the_training_that_makes_them_count(org):
    cat = org.unit_a.category
    for round_ in range(3):
        v = VolunteerFactory(name=f"競速{round_}", team=org.team_a, joined_on=D(2024, 1, 1))
        certify(v, BASIC, on=D(2024, 1, 1))

        def record(day, v=v):
            with transaction.atomic():
                rec(v, org.unit_a, day, "2")

        def train(v=v):
            with transaction.atomic():
                certify(v, SPECIAL, cat, on=D(2025, 2, 1))

        errors = race([lambda: record(D(2025, 3, 1)), train, lambda: record(D(2025, 1, 5)),
                       lambda: record(D(2025, 4, 1))])
        assert errors == []
        assert kept_sel.unit_hours_differences() == []
    start, end = D(2025, 1, 1), D(2025, 6, 30)
    kept, computed = both_ways([org.unit_a], start, end)
    assert kept == computed and kept[org.unit_a.pk]["hours_countable"] == "12.0"  # 3 rounds × March and April


@pytest.mark.django_db(transaction=True)
def test_a_record_book_racing_records_and_memberships_racing_each_other(org):
    v = VolunteerFactory(name="併發", team=org.team_b, joined_on=D(2024, 1, 1))

    def record(day):
        with transaction.atomic():
            rec(v, org.unit_a, day, "1")

    def issue():
        with transaction.atomic():
            book(org, v, D(2025, 2, 1), number="B-race")

    def join(team, on):
        with transaction.atomic():
            MembershipFactory(volunteer=v, team=team, joined_on=on)

    errors = race([lambda: record(D(2025, 3, 1)), issue, lambda: record(D(2025, 1, 1)),
                   lambda: join(org.team_a, D(2024, 5, 1)), lambda: join(org.sub_a, D(2024, 2, 1))])
    assert errors == []
    assert kept_sel.unit_hours_differences() == [] and kept_sel.unit_member_differences() == []
    assert ("venue-a", D(2024, 2, 1), None) in spans(v)  # the two memberships of unit A: one span
    assert hours_of(org.unit_a, D(2025, 3, 1))[3] == Decimal("1")


@pytest.mark.django_db(transaction=True)
def test_an_hour_import_racing_a_certificate_import_over_the_same_people(org):
    from operations.services.hours import _hours_write
    from operations.services.training import _certificates_write

    people = [VolunteerFactory(name=f"匯入{i}", team=org.team_a, joined_on=D(2024, 1, 1)) for i in range(30)]
    cat = org.unit_a.category

    def hours_import(order):
        rows = [{"volunteer_id": v.pk, "unit": org.unit_a, "date": D(2025, 3, 1 + i % 20), "category": cat,
                 "content": "匯入", "hours": Decimal("1.5"), "people_served": 0} for i, v in enumerate(order)]
        with transaction.atomic():
            _hours_write(org.admin_a, "時數單.csv", rows)

    def certificates(order, batch):
        rows = [{"volunteer_id": v.pk, "kind": kind, "category": category, "course_name": "訓練",
                 "organiser_name": "臺北e大", "issuer": f"e大{batch}", "hours": Decimal("6"), "completed_on": on,
                 "number": f"{batch}-{i}-{kind}", "source": CertificateSource.PAPER}
                for i, v in enumerate(order)
                for kind, category, on in ((BASIC, "", D(2024, 1, 1)), (SPECIAL, cat, D(2025, 3, 5)))]
        with transaction.atomic():
            _certificates_write(org.admin_a, "證書.csv", rows)

    errors = race([lambda: hours_import(people), lambda: certificates(list(reversed(people[:20])), "A"),
                   lambda: hours_import(list(reversed(people))), lambda: certificates(people[10:], "B")])
    assert errors == []
    assert kept_sel.unit_hours_differences() == []
    kept, computed = both_ways([org.unit_a], D(2025, 1, 1), D(2025, 6, 30))
    assert kept == computed


def test_every_kind_of_team_membership_is_counted_under_its_unit(org):
    assert {m.team.kind for m in Membership.objects.select_related("team")} <= {OrgKind.TEAM, OrgKind.SUBTEAM}
    counted = {(u, v) for u, v in UnitMember.objects.values_list("unit_id", "volunteer_id")}
    expected = set()
    for m in Membership.objects.select_related("team"):
        unit = m.team.get_parent() if m.team.kind == OrgKind.TEAM else m.team.get_parent().get_parent()
        expected.add((unit.pk, m.volunteer_id))
    assert counted == expected


@pytest.mark.django_db(transaction=True)
def test_staff_entries_and_corrections_racing_certificates_of_the_same_person(org):
    """The hour services lock the person FOR NO KEY UPDATE and take the count-from lock shared; the certificate
    writers take it exclusively and check their foreign key to the person at commit: neither waits for the other
    in a circle."""
    from operations.services import hours as hours_svc
    from operations.services.training import _certificates_write, certificate_create

    cat = org.unit_a.category
    others = [VolunteerFactory(name=f"旁人{i}", team=org.team_a, joined_on=D(2024, 1, 1)) for i in range(8)]
    for round_ in range(3):
        v = VolunteerFactory(name=f"同人{round_}", team=org.team_a, joined_on=D(2024, 1, 1))
        first = hours_svc.hours_record_create(actor=org.admin_a, volunteer=v, unit=org.unit_a, date=D(2025, 3, 2),
                                              content="服務台", hours=Decimal("2"), people_served=0, category=cat)

        def enter(v=v):
            hours_svc.hours_record_create(actor=org.admin_a, volunteer=v, unit=org.unit_a, date=D(2025, 3, 3),
                                          content="服務台", hours=Decimal("3"), people_served=0, category=cat)

        def correct(first=first):
            hours_svc.hours_record_correct(actor=org.admin_a, record=first, reason="更正", hours=Decimal("4"))

        def import_all(v=v, round_=round_):
            rows = [{"volunteer_id": p.pk, "kind": BASIC, "category": "", "course_name": "基礎訓練",
                     "organiser_name": "臺北e大", "issuer": f"r{round_}", "hours": Decimal("6"),
                     "completed_on": D(2024, 1, 1), "number": f"{round_}-{i}", "source": CertificateSource.PAPER}
                    for i, p in enumerate([*others, v])]
            with transaction.atomic():
                _certificates_write(org.admin_a, "證書.csv", rows)

        def special(v=v, round_=round_):
            certificate_create(actor=org.admin_a, volunteer=v, kind=SPECIAL, category=cat, course_name="特殊訓練",
                               organiser_name="體育局", hours=Decimal("6"), completed_on=D(2025, 3, 1),
                               number=f"S-{round_}")

        errors = race([enter, correct, import_all, special])
        assert errors == []
        assert kept_sel.unit_hours_differences() == []
    kept, computed = both_ways([org.unit_a], D(2025, 1, 1), D(2025, 6, 30))
    assert kept == computed and kept[org.unit_a.pk]["hours_countable"] == "21.0"  # 3 rounds × (4 + 3)


def test_beat_folds_the_deltas_every_ten_minutes(org, settings):
    from operations.tasks import compact_kept_hours

    entry = settings.CELERY_BEAT_SCHEDULE["kept-hours-compact"]
    assert entry["task"] == "operations.tasks.compact_kept_hours" and entry["schedule"] == 600.0
    rec(org.vol_a, org.unit_a, D(2025, 3, 1), "2")
    rec(org.vol_a, org.unit_a, D(2025, 3, 2), "1")
    assert UnitHoursMonth.objects.count() == 2
    assert compact_kept_hours() == 1 and UnitHoursMonth.objects.count() == 1
    assert hours_of(org.unit_a, D(2025, 3, 1))[:3] == (Decimal("3"), 2, 0)
