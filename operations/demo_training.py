"""Training demo data (教育訓練), loaded by `operations.demo` after the rest: the basic course and the
social-welfare special course of the promotion centre, the WMG special training with a past session (its
certificates issued by the completion service, numbered from the committee's sequence) and an upcoming
one open for enrolment, certificates from Taipei e-learning for some volunteers and none for others, and
the WMG special training required by the Taipei Dome rehearsal campaign, so that the gate can be seen
refusing at sign-up, at staff acceptance and in the suggested matches."""
from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from .models import (
    Campaign,
    CertificateSequence,
    CertificateSource,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    OrgNode,
    TrainingCertificate,
    TrainingSession,
    UnitCategory,
    User,
    Volunteer,
)
from .services import training as svc

BASIC_SUBJECTS = "志願服務內涵與倫理\n志願服務法規之認識\n志願服務經驗分享"
WELFARE_SUBJECTS = "社會福利概述\n社會資源與志願服務\n運用單位業務簡介及工作內容說明"


def load_training_demo(*, nodes: dict[str, OrgNode], rehearsal_code: str) -> None:
    centre, committee, dome = nodes.get("tp-vol-center"), nodes.get("wmg-committee"), nodes.get("wmg-taipei-dome")
    if centre is None or committee is None or dome is None or Course.objects.exists():
        return
    CertificateSequence.objects.get_or_create(organiser=committee, defaults={"prefix": "世壯運志訓字第"})
    CertificateSequence.objects.get_or_create(organiser=centre, defaults={"prefix": "北市志推訓字第"})
    admin = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.order_by("pk").first()
    today = timezone.localdate()
    basic = Course.objects.create(
        organiser=centre, kind=CourseKind.BASIC, title="志願服務基礎訓練", title_en="Basic volunteer training",
        hours=Decimal("6"), subjects=BASIC_SUBJECTS, where_to_take="臺北e大或臺北市志願服務推廣中心")
    welfare = Course.objects.create(
        organiser=centre, kind=CourseKind.SPECIAL, category=UnitCategory.SOCIAL_WELFARE, title="社會福利類特殊訓練",
        title_en="Special training: social welfare", hours=Decimal("6"), subjects=WELFARE_SUBJECTS,
        where_to_take="臺北e大或臺北市志願服務推廣中心")
    wmg = Course.objects.create(
        organiser=committee, kind=CourseKind.IN_SERVICE, title="世壯運志工特殊訓練", title_en="WMG volunteer training",
        hours=Decimal("3"), subjects="賽會介紹\n場館動線與安全\n國際禮儀與接待",
        where_to_take="世壯運執行委員會（志工專區「我的訓練」）")
    TrainingSession.objects.create(
        course=basic, host=centre, date=today + datetime.timedelta(days=10), start_time=datetime.time(9),
        end_time=datetime.time(16), place="臺北市志願服務推廣中心 3樓教室", instructor="林講師", capacity=40)
    TrainingSession.objects.create(
        course=welfare, host=centre, date=today + datetime.timedelta(days=17), start_time=datetime.time(9),
        end_time=datetime.time(16), online_url="https://elearning.taipei/", instructor="陳督導", capacity=100)
    upcoming = TrainingSession.objects.create(
        course=wmg, host=dome, date=today + datetime.timedelta(days=5), start_time=datetime.time(14),
        end_time=datetime.time(17), place="臺北大巨蛋 會議室A", instructor="賽會志工經理", capacity=3)
    past = TrainingSession.objects.create(
        course=wmg, host=dome, date=today - datetime.timedelta(days=3), start_time=datetime.time(14),
        end_time=datetime.time(17), place="臺北大巨蛋 會議室A", instructor="賽會志工經理", capacity=30)

    rng = random.Random("demo-training")
    everyone = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True))
    certificates, n = [], 0
    for pk in everyone:
        draw = rng.random()
        if draw < 0.55:  # basic training at Taipei e-learning; some also the social-welfare special course
            n += 1
            done = today - datetime.timedelta(days=rng.randrange(60, 1500))
            certificates.append(TrainingCertificate(
                volunteer_id=pk, kind=CourseKind.BASIC, course=basic, course_name=basic.title, organiser_name="臺北e大",
                issuer=TrainingCertificate.issuer_key(None, "臺北e大"), hours=Decimal("6") if draw < 0.45 else Decimal("12"),
                completed_on=done, number=f"北市e大字第{done.year - 1911}{n:05d}號", source=CertificateSource.ELEARNING,
                online=True))
            if draw < 0.3:
                n += 1
                certificates.append(TrainingCertificate(
                    volunteer_id=pk, kind=CourseKind.SPECIAL, category=UnitCategory.SOCIAL_WELFARE, course=welfare,
                    course_name=welfare.title, organiser_name="臺北e大", issuer=TrainingCertificate.issuer_key(None, "臺北e大"),
                    hours=Decimal("6"), completed_on=done + datetime.timedelta(days=30),
                    number=f"北市e大字第{done.year - 1911}{n:05d}號", source=CertificateSource.ELEARNING, online=True))
    TrainingCertificate.objects.bulk_create(certificates, batch_size=1000)

    # The WMG training: the dome's people attended the past session (most of them), certificates issued.
    dome_people = list(Volunteer.objects.filter(memberships__team__path__startswith=dome.path).distinct()
                       .order_by("pk")[:24])
    for volunteer in dome_people:
        Enrolment.objects.create(session=past, volunteer=volunteer, status=EnrolmentStatus.ENROLLED,
                                 attended=rng.random() < 0.6)
    TrainingSession.objects.filter(pk=past.pk).update(enrolled_count=len(dome_people))
    if admin is not None:
        svc.session_complete(actor=admin, session=past)
        rehearsal = Campaign.objects.filter(code=rehearsal_code).first()
        if rehearsal is not None:
            svc.requirement_set(actor=admin, campaign=rehearsal, courses=[wmg])
    # two people of the dome already hold a place in the upcoming session (one seat left)
    for volunteer in dome_people[-2:]:
        Enrolment.objects.create(session=upcoming, volunteer=volunteer, status=EnrolmentStatus.ENROLLED)
    TrainingSession.objects.filter(pk=upcoming.pk).update(enrolled_count=2)
