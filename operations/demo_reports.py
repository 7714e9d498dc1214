"""Demo data of the half-year and annual reports, loaded by `operations.demo` after the review chain's: the
Taipei Dome's last half-year report approved (locked) and its last annual report waiting at the purpose
authority (`wmg_officer`), another venue's half-year report returned for changes, and the city hospital's annual
report as a draft (`hospital_admin`). Everything goes through the services, so the figures are computed from
the demo data."""
from __future__ import annotations

from django.utils import timezone

from .models import Decision, OrgKind, OrgNode, PeriodKind, PeriodReport, Review, User
from .services import reports, reviews


def _last_half() -> tuple[int, int]:
    today = timezone.localdate()
    return (today.year, 1) if today.month > 6 else (today.year - 1, 2)


def _decide(user: User, review: Review, decision: str = Decision.APPROVE, comment: str = "資料齊全") -> None:
    review = Review.objects.get(pk=review.pk)
    reviews.review_decide(actor=user, review=review, decision=decision, comment=comment, version=review.version)


def load_reports_demo(*, nodes: dict[str, OrgNode]) -> None:
    dome, hospital, committee = nodes.get("wmg-taipei-dome"), nodes.get("tp-hospital"), nodes.get("wmg-committee")
    clerk = User.objects.filter(username="dome_clerk").first()
    unit_admin = User.objects.filter(username="unit_admin").first()
    hospital_admin = User.objects.filter(username="hospital_admin").first()
    wmg_officer = User.objects.filter(username="wmg_officer").first()
    officer = User.objects.filter(username="officer").first()
    if None in (dome, hospital, committee, clerk, unit_admin, hospital_admin, wmg_officer, officer) \
            or PeriodReport.objects.exists():
        return
    year, half = _last_half()
    narrative = "本期依志願服務計畫辦理招募、教育訓練及場館服務，志工出勤穩定，並完成保險及督導會議。"
    approved = reports.report_create(actor=clerk, unit=dome, period_kind=PeriodKind.HALF, year=year, half=half)
    reports.report_update(actor=clerk, report=approved, data={"government_subsidy": 150000, "own_funds": 42000,
                                                              "plan_narrative": narrative})
    reports.report_submit(actor=clerk, report=approved)
    approved.refresh_from_db()
    _decide(wmg_officer, approved.review)
    _decide(officer, approved.review)

    annual = reports.report_create(actor=clerk, unit=dome, period_kind=PeriodKind.YEAR,
                                   year=timezone.localdate().year - 1)
    reports.report_update(actor=clerk, report=annual, data={"government_subsidy": 280000, "own_funds": 90000,
                                                            "plan_narrative": narrative})
    reports.report_submit(actor=clerk, report=annual)

    other = OrgNode.objects.filter(path__startswith=committee.path, kind=OrgKind.UNIT).exclude(pk=dome.pk) \
        .order_by("path").first()
    if other is not None:
        returned = reports.report_create(actor=wmg_officer, unit=other, period_kind=PeriodKind.HALF, year=year,
                                         half=half)
        reports.report_submit(actor=wmg_officer, report=returned)
        returned.refresh_from_db()
        _decide(officer, returned.review, Decision.RETURN, "請補填經費來源及計畫辦理情形。")

    reports.report_create(actor=hospital_admin, unit=hospital, period_kind=PeriodKind.YEAR,
                          year=timezone.localdate().year - 1)
