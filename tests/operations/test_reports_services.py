"""Half-year and annual reports (selectors.reports, services.reports): every figure at its boundaries (turning
18 on the last day of a half-year, leaving and re-joining, hours left out by the training gate and misuse),
recompute with its changes, the review chain (submit → purpose authority → competent authority → locked),
re-open with a reason, roll-up = sum of the units, the due dates and the reminders."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import (
    CourseKind,
    Decision,
    Enrolment,
    InsuranceCover,
    InsurancePolicy,
    PeriodKind,
    PeriodReport,
    ReportStatus,
    ReviewState,
    ServicePlan,
    Sex,
    TrainingSession,
)
from operations.selectors import hours as hours_sel
from operations.selectors import reports as sel
from operations.services import reports as svc
from operations.services import reviews as review_svc
from tests.conftest import fresh
from tests.factories.operations import MembershipFactory, VolunteerFactory

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)
from .test_hours_selector import rec
from .test_training_services import certify, course

pytestmark = pytest.mark.django_db

D = datetime.date
H1 = (PeriodKind.HALF, 2025, 1)
BANDS = [band for band, _l, _h in sel.AGE_BANDS]


def figures_of(unit, kind=PeriodKind.HALF, year=2025, half=1):
    """The unit's figures; on PostgreSQL read through the kept tables and checked equal to the figures computed
    from the rows (every boundary below is then a test of both)."""
    start, end = sel.period_bounds(kind, year, half)
    figures = sel.unit_figures([unit], start, end)[unit.pk]
    if sel.kept():
        with sel.computed_from_rows():
            assert sel.unit_figures([unit], start, end)[unit.pk] == figures
    return figures


def band(figures, sex, label):
    return figures["sex_age"][sex][BANDS.index(label)]


def person(org, born, sex=Sex.FEMALE, team=None, joined=None, name="新志工"):
    return VolunteerFactory(name=name, sex=sex, birth_date=born, team=team or org.team_a,
                            joined_on=joined or D(2024, 6, 1))


# --- The figures ---------------------------------------------------------------------------------------

def test_sex_and_age_bands_on_the_last_day_of_the_half(org):
    person(org, D(2007, 6, 30), name="滿十八")      # 18 on 2025-06-30, the half's last day
    person(org, D(2007, 7, 1), name="差一天")       # still 17 that day
    person(org, D(2013, 6, 30), Sex.MALE, name="滿十二")  # 12 that day
    f = figures_of(org.unit_a)
    assert band(f, Sex.FEMALE, "18–29") == 1 and band(f, Sex.FEMALE, "12–17") == 1
    assert band(f, Sex.MALE, "12–17") == 1 and band(f, Sex.MALE, "<12") == 0
    assert band(f, Sex.FEMALE, "30–49") == 1   # vol_a, born 1990
    assert band(f, Sex.MALE, "65+") == 1       # vol_sub_a, born 1958-07-02: 66 on 2025-06-30
    assert f["volunteers"] == 5 and sum(sum(v) for v in f["sex_age"].values()) == 5
    assert (f["teams"], f["subteams"]) == (1, 1)
    assert f["by_category"] == {org.unit_a.category: 5}
    # a year later the 17-year-old has turned 18 (the year's end, 2025-12-31)
    f = figures_of(org.unit_a, PeriodKind.YEAR, 2025, 0)
    assert band(f, Sex.FEMALE, "18–29") == 2 and band(f, Sex.FEMALE, "12–17") == 0


def test_a_member_of_two_teams_of_the_unit_counts_once_in_every_count(org):
    v = person(org, D(1980, 1, 1), name="兩隊")  # team A
    MembershipFactory(volunteer=v, team=org.sub_a, joined_on=D(2024, 6, 1))
    policy = InsurancePolicy.objects.create(node=org.unit_a, insurer="保險公司", policy_number="P-2",
                                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    InsuranceCover.objects.create(policy=policy, volunteer=v, starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    f = figures_of(org.unit_a)
    assert f["volunteers"] == 3  # vol_a, vol_sub_a and the member of both
    assert sum(sum(values) for values in f["sex_age"].values()) == 3
    assert band(f, Sex.FEMALE, "30–49") == 2 and f["insured"] == 1
    assert f["by_category"] == {org.unit_a.category: 3}


def test_left_and_rejoined_counts_in_joined_and_left_and_at_the_end(org):
    v = person(org, D(1980, 1, 1), joined=D(2024, 1, 1))
    membership = v.memberships.get()
    from operations.services.people import membership_end

    membership_end(actor=None, membership=membership, left_on=D(2025, 2, 1), reason="搬家")
    MembershipFactory(volunteer=v, team=org.team_a, joined_on=D(2025, 3, 1))
    gone = person(org, D(1980, 1, 1), joined=D(2024, 1, 1), name="離開")
    membership_end(actor=None, membership=gone.memberships.get(), left_on=D(2025, 6, 30), reason="搬家")
    f = figures_of(org.unit_a)
    assert (f["joined"], f["left"]) == (1, 2)
    # the one who left on the last day is not a member on it; the one who re-joined is
    assert f["volunteers"] == 3
    # the other half: nobody moved
    assert (figures_of(org.unit_a, half=2)["joined"], figures_of(org.unit_a, half=2)["left"]) == (0, 0)


def test_recorded_hours_of_a_period_that_cuts_months(org):
    """Whole months come from the monthly roll-up, the days of a cut month from the ledger: the same figures
    as the ledger's, for a period cutting months at both ends and for whole months."""
    v = org.vol_a
    for day, hours, served, misuse, category in [
            (D(2025, 1, 14), "1", 1, False, None),    # the day before the period
            (D(2025, 1, 15), "2", 2, False, None),    # its first day (a cut month)
            (D(2025, 1, 31), "3", 3, False, ""),      # no category: recorded all the same
            (D(2025, 2, 1), "4", 4, False, None),     # a whole month
            (D(2025, 2, 14), "5", 5, True, None),     # misuse: left out
            (D(2025, 2, 28), "6", 6, False, ""),
            (D(2025, 3, 10), "7", 7, False, None),    # its last day (a cut month)
            (D(2025, 3, 11), "8", 8, False, None)]:   # the day after
        r = rec(v, org.unit_a, day, hours, category, misuse=misuse)
        r.people_served = served
        r.save()
    rec(org.vol_b, org.unit_b, D(2025, 2, 10), "9")   # another unit
    for start, end, hours, served, n in [(D(2025, 1, 15), D(2025, 3, 10), "22.0", 22, 5),
                                         (D(2025, 2, 1), D(2025, 2, 28), "10.0", 10, 2),
                                         (D(2025, 2, 2), D(2025, 2, 27), "0.0", 0, 0),
                                         (D(2025, 1, 1), D(2025, 12, 31), "31.0", 31, 7)]:
        f = sel.unit_figures([org.unit_a, org.unit_b], start, end)[org.unit_a.pk]
        assert (f["hours_recorded"], f["people_served"], f["service_records"]) == (hours, served, n), (start, end)


def test_hours_left_out_by_training_and_misuse(org):
    v = org.vol_a
    certify(v, CourseKind.BASIC, on=D(2025, 1, 10))
    certify(v, CourseKind.SPECIAL, org.unit_a.category, on=D(2025, 2, 1))
    rec(v, org.unit_a, D(2025, 1, 31), "3")               # before the special training: recorded, not counted
    r = rec(v, org.unit_a, D(2025, 2, 1), "4")            # the training day: counted
    r.people_served = 12
    r.save()
    rec(v, org.unit_a, D(2025, 3, 1), "2", misuse=True)   # misuse: neither
    rec(org.vol_sub_a, org.unit_a, D(2025, 3, 1), "5")   # untrained: recorded only
    rec(v, org.unit_a, D(2025, 7, 1), "8")               # the next half
    f = figures_of(org.unit_a)
    assert f["hours_recorded"] == "12.0" and f["hours_countable"] == "4.0"
    assert f["people_served"] == 12 and f["service_records"] == 3
    assert f["fte"] == "0.00"
    # the same as the per-volunteer countable hours
    assert sum(hours_sel.countable_totals(unit=org.unit_a, start=D(2025, 1, 1), end=D(2025, 6, 30)).values()) \
        == Decimal("4.0")
    big = figures_of(org.unit_a, PeriodKind.YEAR, 2025, 0)
    assert big["hours_countable"] == "12.0" and big["fte"] == f"{Decimal('12') / 2080:.2f}"


def test_training_sessions_and_attendees_by_kind_and_insured(org):
    basic = course(org)
    session = TrainingSession.objects.create(course=basic, host=org.team_a, date=D(2025, 5, 1),
                                             start_time=datetime.time(9), end_time=datetime.time(12), capacity=10)
    Enrolment.objects.create(session=session, volunteer=org.vol_a, attended=True)
    Enrolment.objects.create(session=session, volunteer=org.vol_sub_a, attended=False)
    again = TrainingSession.objects.create(course=basic, host=org.sub_a, date=D(2025, 6, 30),
                                           start_time=datetime.time(9), end_time=datetime.time(12), capacity=10)
    Enrolment.objects.create(session=again, volunteer=org.vol_a, attended=True)
    Enrolment.objects.create(session=again, volunteer=org.vol_sub_a, attended=True)
    Enrolment.objects.create(session=again, volunteer=org.vol_b, attended=None)
    TrainingSession.objects.create(course=basic, host=org.unit_b, date=D(2025, 5, 1),  # nobody enrolled
                                   start_time=datetime.time(9), end_time=datetime.time(12), capacity=10)
    policy = InsurancePolicy.objects.create(node=org.unit_a, insurer="保險公司", policy_number="P-1",
                                            starts_on=D(2025, 1, 1), ends_on=D(2025, 12, 31))
    InsuranceCover.objects.create(policy=policy, volunteer=org.vol_a, starts_on=D(2025, 1, 1), ends_on=D(2025, 6, 30))
    f = figures_of(org.unit_a)
    assert f["training"][CourseKind.BASIC] == {"sessions": 2, "attendees": 3}
    assert figures_of(org.unit_b)["training"][CourseKind.BASIC] == {"sessions": 1, "attendees": 0}
    assert f["training"][CourseKind.SPECIAL] == {"sessions": 0, "attendees": 0}
    assert f["insured"] == 1
    assert figures_of(org.unit_a, half=2)["insured"] == 0


def test_rollup_is_the_sum_of_the_units(org):
    certify(org.vol_b, CourseKind.BASIC, on=D(2024, 1, 1))
    certify(org.vol_b, CourseKind.SPECIAL, org.unit_b.category, on=D(2024, 1, 1))
    rec(org.vol_b, org.unit_b, D(2025, 3, 3), "6")
    rec(org.vol_c, org.unit_c, D(2025, 3, 3), "2")
    start, end = sel.period_bounds(*H1)
    units = [org.unit_a, org.unit_b, org.unit_c]
    each = sel.unit_figures(units, start, end)
    assert each[org.unit_b.pk] == figures_of(org.unit_b)  # computed together = computed alone
    city = sel.rollup(fresh(org.officer_root), *H1, sel.LIVE)
    assert city["total"] == sel.sum_figures(each.values(), start, end)
    assert city["total"]["volunteers"] == 5 and city["total"]["hours_recorded"] == "8.0"
    assert city["total"]["hours_countable"] == "6.0"
    by_node = {row["node"].pk: row for row in city["rows"]}
    assert set(by_node) == {org.wmg.pk, org.root.pk}  # the purpose authority, and units under the root
    assert by_node[org.wmg.pk]["total"]["volunteers"] == 4 and by_node[org.wmg.pk]["units"] == 2
    # drill-down into the purpose authority: one row per unit
    wmg = sel.rollup(fresh(org.officer_wmg), *H1, sel.LIVE, node=org.wmg)
    assert {row["node"].pk for row in wmg["rows"]} == {org.unit_a.pk, org.unit_b.pk}
    assert wmg["total"] == by_node[org.wmg.pk]["total"]
    # the purpose authority's officer sees only its part
    assert sel.rollup(fresh(org.officer_wmg), *H1, sel.LIVE)["units"] == 2
    # over approved reports: none yet
    approved = sel.rollup(fresh(org.officer_root), *H1, sel.APPROVED)
    assert approved["reported"] == 0 and approved["total"]["volunteers"] == 0


# --- The life of a report -------------------------------------------------------------------------------

@pytest.fixture
def report(org):
    return svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind=PeriodKind.HALF, year=2025, half=1)


def approve_all(org, report):
    report.refresh_from_db()
    review = report.review
    review_svc.review_decide(actor=fresh(org.officer_wmg), review=review, decision=Decision.APPROVE,
                             version=review.version)
    review.refresh_from_db()
    review_svc.review_decide(actor=fresh(org.officer_root), review=review, decision=Decision.APPROVE,
                             version=review.version)
    report.refresh_from_db()
    return report


def test_create_is_idempotent_and_refuses_bad_periods(org, report):
    again = svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind="half", year="2025", half="1")
    assert again.pk == report.pk and PeriodReport.objects.count() == 1
    assert report.figures["volunteers"] == 2 and report.status == ReportStatus.DRAFT
    assert report.due_on == D(2025, 8, 31)
    this_year = timezone.localdate().year
    for kind, year, half in (("month", 2025, 1), ("half", 2025, 3), ("half", "abc", 1), ("year", 1800, 0),
                             ("year", this_year, 0)):
        with pytest.raises(ValidationError):
            svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind=kind, year=year, half=half)
    with pytest.raises(ValidationError):
        svc.report_create(actor=fresh(org.admin_a), unit=org.team_a, period_kind="year", year=2025)
    with pytest.raises(PermissionDenied):
        svc.report_create(actor=fresh(org.admin_b), unit=org.unit_a, period_kind="year", year=2025)
    assert PeriodReport.objects.count() == 1


def test_recompute_shows_what_changed(org, report):
    person(org, D(1990, 1, 1), joined=D(2025, 5, 1))
    changes = svc.report_recompute(actor=fresh(org.admin_a), report=report)
    keys = {key: (old, new) for key, old, new in changes}
    assert keys["volunteers"] == (2, 3) and keys["joined"] == (0, 1)
    assert keys["sex_age.F.30–49"] == (1, 2)
    report.refresh_from_db()
    assert report.figures["volunteers"] == 3 and report.last_changes == [list(c) for c in changes]
    assert svc.report_recompute(actor=fresh(org.admin_a), report=report) == []


def test_submit_review_chain_lock_and_reopen(org, report):
    svc.report_update(actor=fresh(org.admin_a), report=report,
                      data={"government_subsidy": 120000, "own_funds": 30000, "plan_narrative": "依計畫辦理"})
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    with pytest.raises(svc.ReportMovedOn):  # a second click
        svc.report_submit(actor=fresh(org.admin_a), report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW and report.review.state == ReviewState.IN_REVIEW
    assert report.review.current_node_id == org.wmg.pk
    with pytest.raises(svc.ReportMovedOn):  # in review: nothing changes
        svc.report_update(actor=fresh(org.admin_a), report=report, data={"notes": "x"})
    # returned by the purpose authority → the unit corrects and sends it again
    review_svc.review_decide(actor=fresh(org.officer_wmg), review=report.review, decision=Decision.RETURN,
                             comment="請補經費", version=report.review.version)
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    svc.report_update(actor=fresh(org.admin_a), report=report, data={"notes": "已補"})
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    report = approve_all(org, report)
    assert report.status == ReportStatus.APPROVED and report.is_locked and report.approved_at
    frozen = dict(report.figures)
    # later data does not move an approved report
    person(org, D(1990, 1, 1), joined=D(2025, 5, 1))
    with pytest.raises(svc.ReportMovedOn):
        svc.report_recompute(actor=fresh(org.admin_a), report=report)
    report.refresh_from_db()
    assert report.figures == frozen
    # approved roll-up reads the snapshot
    approved = sel.rollup(fresh(org.officer_root), *H1, sel.APPROVED)
    assert approved["reported"] == 1 and approved["total"]["volunteers"] == 2
    # re-open needs a reason; makes version 2 as a draft, the approved one kept
    with pytest.raises(ValidationError):
        svc.report_reopen(actor=fresh(org.admin_a), report=report, reason="  ")
    new = svc.report_reopen(actor=fresh(org.admin_a), report=report, reason="漏列三月份時數")
    with pytest.raises(svc.ReportMovedOn):
        svc.report_reopen(actor=fresh(org.admin_a), report=report, reason="again")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUPERSEDED and new.version == 2 and new.status == ReportStatus.DRAFT
    assert new.reopen_reason == "漏列三月份時數" and new.government_subsidy == 120000
    # until the new version is approved, the approved roll-up keeps the old one
    assert sel.rollup(fresh(org.officer_root), *H1, sel.APPROVED)["total"]["volunteers"] == 2
    svc.report_recompute(actor=fresh(org.admin_a), report=new)
    svc.report_submit(actor=fresh(org.admin_a), report=new)
    new = approve_all(org, new)
    assert new.status == ReportStatus.APPROVED
    assert sel.rollup(fresh(org.officer_root), *H1, sel.APPROVED)["total"]["volunteers"] == 3
    assert [r.version for r in sel.report_versions(new)] == [2, 1]


def test_rejected_report_goes_back_to_the_unit(org, report):
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    report.refresh_from_db()
    review_svc.review_decide(actor=fresh(org.officer_wmg), review=report.review, decision=Decision.REJECT,
                             comment="期間錯誤", version=report.review.version)
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW and report.review.state == ReviewState.IN_REVIEW


def test_approved_annual_report_marks_the_plans_reported(org):
    plan = ServicePlan.objects.create(unit=org.unit_a, title="年度計畫", starts_on=D(2025, 1, 1), ends_on=D(2026, 12, 31))
    assert plan.report_due_on == D(2026, 2, 28)
    report = svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind="year", year=2025)
    assert report.due_on == D(2026, 2, 28)
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    approve_all(org, report)
    plan.refresh_from_db()
    assert plan.reported_through == D(2025, 12, 31) and plan.report_due_on == D(2027, 2, 28)


def test_dashboard_submitted_late_returned(org, report):
    today = D(2025, 9, 15)  # H1 2025 was due on 31 August
    rows = {row["unit"].pk: row for row in sel.dashboard(fresh(org.officer_root), *H1, today=today)}
    assert rows[org.unit_a.pk]["status"] == ReportStatus.DRAFT and rows[org.unit_a.pk]["late"]
    assert rows[org.unit_b.pk]["status"] == "not_started" and rows[org.unit_b.pk]["late"]
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    rows = {row["unit"].pk: row for row in sel.dashboard(fresh(org.officer_wmg), *H1, today=today)}
    assert set(rows) == {org.unit_a.pk, org.unit_b.pk}
    assert rows[org.unit_a.pk]["submitted"] and not rows[org.unit_a.pk]["late"]
    counts = sel.dashboard_counts(list(rows.values()))
    assert counts == {"units": 2, "submitted": 1, "approved": 0, "late": 1, "returned": 0}


def test_reminders_before_the_due_date_and_once_late(org, django_capture_on_commit_callbacks):
    org.admin_a.email = "a@example.org"
    org.admin_a.save()
    # 2026-02-14: the 2025 annual report and the second half of 2025 are due on 28 February, in 14 days
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.report_reminders_queue(today=D(2026, 2, 14)) == 6  # 3 units × 2 periods
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["a@example.org"]]
    assert "2026-02-28" in mail.outbox[0].body
    sent = len(mail.outbox)
    assert svc.report_reminders_queue(today=D(2026, 2, 15)) == 0
    report = svc.report_create(actor=fresh(org.admin_a), unit=org.unit_a, period_kind="year", year=2025)
    svc.report_submit(actor=fresh(org.admin_a), report=report)
    # late on 1 March: the unit that submitted is not reminded of that period
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.report_reminders_queue(today=D(2026, 3, 1)) == 5
    assert len(mail.outbox) == sent + 1  # unit A: only its half-year report, late
