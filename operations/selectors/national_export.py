"""Rows for the national system (衛生福利部志願服務資訊整合系統, DOMAIN.md §1.12 and §2.1): one layout per
record type, per unit and period, and the dry-run check that lists the rows the national system would
refuse. The layouts are written down in README ("Export for the national system"); their column headers
are the national system's own Chinese field names, the same in either language of the page.

No public import specification of the national system was found (DOMAIN §2.1): the columns follow the
fields its screens and the record-book rules name (ID number, name, sex, date of birth; course kind,
category, hours, completion date, certificate number; service date, content, hours). Change the layout
here and in README together."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..identity import IdType
from ..models import (
    CourseKind,
    Membership,
    OrgKind,
    OrgNode,
    RecordBook,
    ServiceRecord,
    Sex,
    TrainingCertificate,
    Volunteer,
)
from ..roles import UNIT_MANAGERS
from .codes import service_category_choices
from .training import Holding, trained_on

RECORD_TYPES = {
    "volunteers": _("Volunteers"),
    "training": _("Training records"),
    "hours": _("Service hours"),
    "record_books": _("Record books"),
}

ID_TYPE_CODES = {IdType.NATIONAL_ID: "1", IdType.ARC_NEW: "2", IdType.ARC_OLD: "2", IdType.PASSPORT: "3"}
SEX_CODES = {Sex.MALE: "男", Sex.FEMALE: "女", Sex.OTHER: "其他"}
KIND_CODES = {CourseKind.BASIC: "基礎訓練", CourseKind.SPECIAL: "特殊訓練", CourseKind.IN_SERVICE: "在職訓練"}
CATEGORY_NAMES = {
    "social_welfare": "社會福利類", "health": "衛生保健類", "general": "綜合類", "culture": "文化類",
    "education": "教育類", "sports": "體育類", "environment": "環境保護類", "civil_affairs": "民政類",
    "fire_rescue": "消防救災類", "traffic": "交通安全類", "other": "其他類",
}

LAYOUTS = {
    "volunteers": ["運用單位代碼", "運用單位名稱", "證件類別", "身分證統一編號或證件號碼", "姓名", "英文姓名", "性別",
                   "出生日期", "行動電話", "電子郵件", "服務隊別", "加入日期", "離隊日期"],
    "training": ["運用單位代碼", "證件類別", "身分證統一編號或證件號碼", "姓名", "訓練類別", "服務類別", "課程名稱",
                 "訓練時數", "主辦單位", "結訓日期", "結業證書字號", "線上課程"],
    "hours": ["運用單位代碼", "證件類別", "身分證統一編號或證件號碼", "姓名", "服務日期", "服務類別", "服務內容",
              "服務時數", "服務人次"],
    "record_books": ["運用單位代碼", "證件類別", "身分證統一編號或證件號碼", "姓名", "紀錄冊號", "發冊狀態", "發冊機關",
                     "申請單位", "發冊日期", "領冊日期", "註銷日期"],
}
BOOK_STATUS_NAMES = {"first": "初次", "renewal": "換發", "replacement": "補發", "cancelled": "註銷",
                     "uncollected": "未領取"}

CHUNK = 2000


def export_units(user):
    """Units whose national export the user may take (unit managers and authorities above them)."""
    return OrgNode.objects.visible_to(user, roles=UNIT_MANAGERS).filter(kind=OrgKind.UNIT)


def _members(unit: OrgNode, start: datetime.date, end: datetime.date):
    """Memberships of the unit's teams that overlap the period."""
    return Membership.objects.filter(team__path__startswith=unit.path, joined_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=start))


def _date(value) -> str:
    return value.isoformat() if value else ""


def volunteer_rows(unit: OrgNode, start: datetime.date, end: datetime.date) -> Iterator[list]:
    rows = (_members(unit, start, end).order_by("volunteer__name", "volunteer_id", "joined_on", "id")
            .values_list("volunteer__id_type", "volunteer__id_number", "volunteer__name", "volunteer__english_name",
                         "volunteer__sex", "volunteer__birth_date", "volunteer__phone", "volunteer__email",
                         "team__name", "joined_on", "left_on"))
    for id_type, number, name, english, sex, born, phone, email, team, joined, left in rows.iterator(chunk_size=CHUNK):
        yield [unit.code, unit.name, ID_TYPE_CODES.get(id_type, ""), number, name, english, SEX_CODES.get(sex, ""),
               _date(born), phone, email, team, _date(joined), _date(left)]


def _unit_volunteers(unit: OrgNode, start, end):
    return Volunteer.objects.filter(Exists(_members(unit, start, end).filter(volunteer=OuterRef("pk"))))


def training_rows(unit: OrgNode, start: datetime.date, end: datetime.date) -> Iterator[list]:
    rows = (TrainingCertificate.objects.filter(volunteer__in=_unit_volunteers(unit, start, end).values("pk"),
                                               completed_on__gte=start, completed_on__lte=end)
            .order_by("volunteer__name", "volunteer_id", "completed_on", "id")
            .values_list("volunteer__id_type", "volunteer__id_number", "volunteer__name", "kind", "category",
                         "course_name", "hours", "organiser_name", "completed_on", "number", "online"))
    for id_type, number, name, kind, category, course, hours, organiser, done, cert, online in rows.iterator(
            chunk_size=CHUNK):
        yield [unit.code, ID_TYPE_CODES.get(id_type, ""), number, name, KIND_CODES.get(kind, kind),
               CATEGORY_NAMES.get(category, ""), course, float(hours), organiser, _date(done), cert,
               "是" if online else "否"]


def _records(unit: OrgNode, start, end):
    """The unit's service records of the period; records annotated as misuse are not counted (DOMAIN §1.6)."""
    return ServiceRecord.objects.filter(unit__path__startswith=unit.path, date__gte=start, date__lte=end,
                                        misuse_at__isnull=True)


def hours_rows(unit: OrgNode, start: datetime.date, end: datetime.date) -> Iterator[list]:
    rows = (_records(unit, start, end).order_by("volunteer__name", "volunteer_id", "date", "id")
            .values_list("volunteer__id_type", "volunteer__id_number", "volunteer__name", "date", "category",
                         "content", "hours", "people_served"))
    for id_type, number, name, day, category, content, hours, served in rows.iterator(chunk_size=CHUNK):
        yield [unit.code, ID_TYPE_CODES.get(id_type, ""), number, name, _date(day), CATEGORY_NAMES.get(category, ""),
               content, float(hours), served]


def _books(unit: OrgNode, start, end):
    """The record books of the unit's volunteers of the period (one book per person for life, DOMAIN §1.6)."""
    return RecordBook.objects.filter(volunteer__in=_unit_volunteers(unit, start, end).values("pk"))


def record_book_rows(unit: OrgNode, start: datetime.date, end: datetime.date) -> Iterator[list]:
    rows = (_books(unit, start, end).order_by("volunteer__name", "volunteer_id")
            .values_list("volunteer__id_type", "volunteer__id_number", "volunteer__name", "number", "status",
                         "issuing_authority__name", "applied_by_unit__name", "issued_on", "collected_on",
                         "cancelled_on"))
    for id_type, number, name, book, status, authority, applied_by, issued, collected, cancelled in rows.iterator(
            chunk_size=CHUNK):
        yield [unit.code, ID_TYPE_CODES.get(id_type, ""), number, name, book, BOOK_STATUS_NAMES.get(status, status),
               authority, applied_by, _date(issued), _date(collected), _date(cancelled)]


ROWS = {"volunteers": volunteer_rows, "training": training_rows, "hours": hours_rows,
        "record_books": record_book_rows}


def row_count(record: str, unit: OrgNode, start: datetime.date, end: datetime.date) -> int:
    if record == "volunteers":
        return _members(unit, start, end).count()
    if record == "training":
        return TrainingCertificate.objects.filter(volunteer__in=_unit_volunteers(unit, start, end).values("pk"),
                                                  completed_on__gte=start, completed_on__lte=end).count()
    if record == "record_books":
        return _books(unit, start, end).count()
    return _records(unit, start, end).count()


def export_rows(record: str, unit: OrgNode, start: datetime.date, end: datetime.date) -> tuple[list[str], Iterator]:
    return LAYOUTS[record], ROWS[record](unit, start, end)


# --- Dry run: what the national system would refuse -------------------------------------------------------

@dataclass(frozen=True)
class Rejection:
    record: str
    name: str
    detail: str


PROBLEMS_SHOWN = 200


def dry_run(unit: OrgNode, start: datetime.date, end: datetime.date, *, limit: int = PROBLEMS_SHOWN
            ) -> tuple[int, list[Rejection]]:
    """Rows the national system would refuse: a volunteer without an identity number, a training record
    without a certificate number, service hours dated before the volunteer was trained for the record's
    category (basic and that special training; DOMAIN §1.5: such hours are not counted). Returns the
    number of problems and the first `limit` of them. Four queries."""
    problems: list[Rejection] = []
    total = 0
    volunteers = _unit_volunteers(unit, start, end)
    for name in volunteers.filter(Q(id_number="") | Q(id_type="")).order_by("name", "pk").values_list("name", flat=True):
        total += 1
        if len(problems) < limit:
            problems.append(Rejection(str(RECORD_TYPES["volunteers"]), name, str(_("No identity number."))))
    certificates = TrainingCertificate.objects.filter(volunteer__in=volunteers.values("pk"),
                                                      completed_on__gte=start, completed_on__lte=end, number="")
    for name, course in certificates.order_by("volunteer__name", "pk").values_list("volunteer__name", "course_name"):
        total += 1
        if len(problems) < limit:
            problems.append(Rejection(str(RECORD_TYPES["training"]), name,
                                      str(_("No certificate number for “%(course)s”.")) % {"course": course}))
    records = list(_records(unit, start, end).exclude(category="").order_by("volunteer__name", "date", "pk")
                   .values_list("volunteer_id", "volunteer__name", "date", "category", "hours"))
    holdings: dict[int, list[Holding]] = {}
    ids = {r[0] for r in records}
    for volunteer_id, kind, category, course_id, done in (TrainingCertificate.objects.filter(volunteer_id__in=ids)
                                                          .values_list("volunteer_id", "kind", "category",
                                                                       "course_id", "completed_on")):
        holdings.setdefault(volunteer_id, []).append(Holding(kind, category, course_id, done))
    labels = dict(service_category_choices())
    for volunteer_id, name, day, category, hours in records:
        trained = trained_on(holdings.get(volunteer_id, []), category)
        if trained is None or day < trained:
            total += 1
            if len(problems) < limit:
                problems.append(Rejection(str(RECORD_TYPES["hours"]), name, str(_(
                    "%(hours)s hours on %(day)s before being trained for %(category)s.")) % {
                    "hours": hours, "day": day.isoformat(), "category": labels.get(category, category)}))
    return total, problems
