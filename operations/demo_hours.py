"""Service-hours demo data (服務時數, awards), loaded by `operations.demo` after training: volunteers of the
city hospital (a health-care unit, counted by the welfare award) at, just under and over the award
thresholds, so that the eligible lists of `make run` are not empty and show their edges; hours before a
special training, misuse-annotated hours, a correction, a level already received; and WMG hours during
the event for the recognitions (among them a volunteer aged over 90). Hours are entered by staff (the
hospital's ward and desk duty is not a shift); the WMG hours stand for the event's attendance.

A volunteer account `hours_volunteer` (password as the staff accounts) shows "my hours"."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from .identity import IdType, generate_national_id
from .models import (
    AwardLevel,
    AwardReceipt,
    CertificateSource,
    ChangeKind,
    CourseKind,
    HourSource,
    Membership,
    OrgKind,
    OrgNode,
    ServiceRecord,
    ServiceRecordChange,
    Sex,
    TrainingCertificate,
    User,
    Volunteer,
)

VOLUNTEER_ACCOUNT = "hours_volunteer"
# (countable hours wanted, extra hours recorded but not counted, what it shows)
HOSPITAL_PEOPLE = [
    (Decimal("1499.5"), None, "just under the welfare bronze"),
    (Decimal("1500"), None, "exactly the welfare bronze"),
    (Decimal("1620"), None, "over the welfare bronze"),
    (Decimal("1999.5"), None, "just under the welfare silver"),
    (Decimal("2050"), "received-bronze", "over the silver; bronze already received"),
    (Decimal("2600"), None, "over the welfare gold"),
    (Decimal("2999.5"), None, "just under the national bronze"),
    (Decimal("3000"), None, "exactly the national bronze"),
    (Decimal("1480"), "misuse", "1,560 recorded, 80 annotated as misuse"),
    (Decimal("1450"), "before-training", "1,750 recorded, 300 before the special training"),
]
FIRST_DAY = datetime.date(2019, 6, 1)


def _certify(volunteer, kind, category, on, n):
    TrainingCertificate.objects.get_or_create(
        issuer="name:臺北e大", number=f"DEMO-H-{n:05d}",
        defaults={"volunteer": volunteer, "kind": kind, "category": category,
                  "course_name": "志願服務基礎訓練" if kind == CourseKind.BASIC else "志願服務特殊訓練",
                  "organiser_name": "臺北e大", "hours": Decimal("6"), "completed_on": on,
                  "source": CertificateSource.ELEARNING, "online": True})


def _records(volunteer, unit, total: Decimal, start: datetime.date, recorder, content="病房關懷服務") -> list:
    """Records of 8 h a day (and the rest on the last day) from `start` summing to `total`."""
    rows, left, day = [], total, start
    while left > 0:
        hours = min(left, Decimal("8"))
        rows.append(ServiceRecord(volunteer=volunteer, unit=unit, date=day, category=unit.category, content=content,
                                  minutes=int(hours * 60), hours=hours, people_served=6, source=HourSource.STAFF,
                                  recorded_by=recorder))
        left -= hours
        day += datetime.timedelta(days=2)
    return rows


def load_hours_demo(*, nodes: dict[str, OrgNode]) -> None:
    hospital = nodes.get("tp-hospital")
    if hospital is None or ServiceRecord.objects.filter(content__startswith="病房關懷").exists():
        return
    recorder = User.objects.filter(username="hospital_admin").first()
    members = list(Volunteer.objects.filter(memberships__team__path__startswith=hospital.path).distinct()
                   .order_by("pk")[:len(HOSPITAL_PEOPLE)])
    n = 0
    records: list[ServiceRecord] = []
    later: list[tuple[Volunteer, str]] = []
    for volunteer, (hours, twist, _what) in zip(members, HOSPITAL_PEOPLE, strict=False):
        n += 1
        _certify(volunteer, CourseKind.BASIC, "", datetime.date(2019, 3, 1), n)
        n += 1
        special_on = datetime.date(2019, 5, 1)
        if twist == "before-training":
            special_on = FIRST_DAY + datetime.timedelta(days=2 * 38)  # 300 h (37.5 days of 8 h) come before it
            hours += Decimal("300")
        _certify(volunteer, CourseKind.SPECIAL, hospital.category, special_on, n)
        if twist == "misuse":
            hours += Decimal("80")
        records += _records(volunteer, hospital, hours, FIRST_DAY, recorder)
        if twist:
            later.append((volunteer, twist))
    ServiceRecord.objects.bulk_create(records, batch_size=1000)
    now = timezone.now()
    for volunteer, twist in later:
        if twist == "misuse":
            last = list(ServiceRecord.objects.filter(volunteer=volunteer, unit=hospital).order_by("-date")[:10])
            for record in last:
                record.misuse_note, record.misuse_at, record.misuse_by = "紀錄冊借予他人使用", now, recorder
                record.save(update_fields=["misuse_note", "misuse_at", "misuse_by"])
                ServiceRecordChange.objects.create(record=record, kind=ChangeKind.MISUSE, reason=record.misuse_note,
                                                   changes={"misuse": ["", record.misuse_note]}, changed_by=recorder)
        elif twist == "received-bronze":
            level = AwardLevel.objects.filter(scheme__code="welfare", code="bronze").first()
            if level is not None:
                AwardReceipt.objects.get_or_create(volunteer=volunteer, level=level,
                                                   defaults={"year": 2024, "note": "113年度衛生福利志願服務獎勵"})
    corrected = ServiceRecord.objects.filter(unit=hospital, misuse_at__isnull=True).order_by("date").first()
    if corrected is not None:
        ServiceRecordChange.objects.create(record=corrected, kind=ChangeKind.CORRECTION, reason="漏登服務人次",
                                           changes={"people_served": ["0", "6"]}, changed_by=recorder)
    _wmg_hours(nodes)
    _account(members[2] if len(members) > 2 else None)


def _wmg_hours(nodes: dict[str, OrgNode]) -> None:
    """Hours during the event at the WMG venues for volunteers of their service groups (trained), and one
    volunteer aged over 90 (菁耆英雄獎)."""
    committee = nodes.get("wmg-committee")
    if committee is None:
        return
    start = datetime.date(2025, 5, 17)
    teams = list(OrgNode.objects.filter(path__startswith=committee.path, kind=OrgKind.TEAM).order_by("path")[:12])
    if not teams:
        return
    elder = Volunteer.objects.filter(name="鄭阿嬤").first()
    if elder is None:
        import random

        elder = Volunteer.objects.create(
            id_type=IdType.NATIONAL_ID, id_number=generate_national_id(random.Random("demo-elder"), sex=Sex.FEMALE),
            name="鄭阿嬤", sex=Sex.FEMALE, birth_date=datetime.date(1933, 8, 8), city="taipei")
        Membership.objects.create(volunteer=elder, team=teams[0], joined_on=datetime.date(2024, 12, 1))
    people = list(Volunteer.objects.filter(memberships__team__in=teams).distinct().order_by("pk")[:60])
    records, n = [], 5000
    for index, volunteer in enumerate(people):
        team = next((m.team for m in volunteer.memberships.select_related("team") if m.team in teams), teams[0])
        venue = team.get_parent()
        if venue is None or not venue.category:
            continue
        n += 2
        _certify(volunteer, CourseKind.BASIC, "", datetime.date(2024, 11, 1), n)
        _certify(volunteer, CourseKind.SPECIAL, venue.category, datetime.date(2024, 12, 1), n + 1)
        days = 4 + index % 11  # 4 to 14 event days, 4 or 8 hours
        for d in range(days):
            hours = Decimal("8") if (index + d) % 3 else Decimal("4")
            records.append(ServiceRecord(volunteer=volunteer, unit=venue, date=start + datetime.timedelta(days=d),
                                         category=venue.category, content=f"{team.name}服務", minutes=int(hours * 60),
                                         hours=hours, people_served=20, source=HourSource.ATTENDANCE))
    ServiceRecord.objects.bulk_create(records, batch_size=1000)


def _account(volunteer: Volunteer | None) -> None:
    from .demo import DEMO_PASSWORD

    if volunteer is None or volunteer.user_id or User.objects.filter(username=VOLUNTEER_ACCOUNT).exists():
        return
    user = User.objects.create_user(username=VOLUNTEER_ACCOUNT, password=DEMO_PASSWORD,
                                    display_name=volunteer.name)
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user)
