"""Demo data of the review chain, record books and certificates, loaded by `operations.demo` after training:
forms waiting in the queues of the demo staff accounts (`unit_admin` of the Taipei Dome: a record-book
batch at the case officer's step and a performance certificate at the supervisor's; `wmg_officer`: a batch
at the purpose authority's step; `officer` of the Department of Social Welfare: an honor card), a record
book issued and collected with a service ID, and an issued performance certificate with its verification
number, signed off by three people of the Dome (`unit_admin`, `dome_supervisor`, `dome_head`: one person decides
one step of a form). Everything goes through the services (the chain, the numbering, the countable-hours rule); only the
service hours of six volunteers are written directly, as the hours module's staff entry would."""
from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .models import (
    CertificateKind,
    CertificateSource,
    CourseKind,
    Decision,
    HourSource,
    Membership,
    OrgNode,
    Review,
    Role,
    RoleGrant,
    ServiceRecord,
    TrainingCertificate,
    User,
    Volunteer,
)
from .services import certificates, records, reviews


def _photo(seed: int) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (230, 236, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 60, 210, 200), fill=(200 - seed * 10, 170, 150))
    draw.rectangle((60, 230, 240, 400), fill=(60, 90, 140))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return SimpleUploadedFile(f"demo-{seed}.jpg", out.getvalue())


def _train(volunteer: Volunteer, since: datetime.date, n: int) -> None:
    for kind, category, day in ((CourseKind.BASIC, "", since), (CourseKind.SPECIAL, "sports",
                                                                   since + datetime.timedelta(days=14))):
        TrainingCertificate.objects.get_or_create(
            issuer=TrainingCertificate.issuer_key(None, "臺北e大"), number=f"DEMO-REVIEW-{kind}-{n}",
            defaults=dict(volunteer=volunteer, kind=kind, category=category, course_name="示範課程",
                          organiser_name="臺北e大", hours=Decimal("6"), completed_on=day,
                          source=CertificateSource.ELEARNING))


def _hours(volunteer: Volunteer, unit: OrgNode, total: int, start: datetime.date, clerk: User) -> None:
    rows, day = [], start
    for _i in range(total // 8):
        rows.append(ServiceRecord(volunteer=volunteer, unit=unit, date=day, category=unit.category or "sports",
                                  content="場館服務台", minutes=480, hours=Decimal("8"), recorded_by=clerk,
                                  source=HourSource.STAFF))
        day += datetime.timedelta(days=7)
    ServiceRecord.objects.bulk_create(rows)


def _decide(user: User, review: Review) -> None:
    review = Review.objects.get(pk=review.pk)
    reviews.review_decide(actor=user, review=review, decision=Decision.APPROVE, comment="資料齊全",
                          version=review.version)


def load_reviews_demo(*, nodes: dict[str, OrgNode]) -> None:
    dome, committee = nodes.get("wmg-taipei-dome"), nodes.get("wmg-committee")
    unit_admin = User.objects.filter(username="unit_admin").first()
    wmg_officer = User.objects.filter(username="wmg_officer").first()
    if dome is None or committee is None or unit_admin is None or wmg_officer is None or Review.objects.exists():
        return
    clerk, _created = User.objects.get_or_create(
        username="dome_clerk", defaults={"first_name": "承辦", "last_name": "大巨蛋", "email": "dome_clerk@volunteer.example.tw"})
    RoleGrant.objects.get_or_create(user=clerk, node=dome, role=Role.UNIT_ADMIN)
    # one person decides one step of a form: the certificate's supervisor and unit head are other people
    supervisor, head = (User.objects.get_or_create(username=username, defaults={
        "first_name": first, "last_name": "大巨蛋", "email": f"{username}@volunteer.example.tw"})[0]
        for username, first in (("dome_supervisor", "督導"), ("dome_head", "主管")))
    for person in (supervisor, head):
        RoleGrant.objects.get_or_create(user=person, node=dome, role=Role.UNIT_ADMIN)
    members = list(Volunteer.objects.filter(
        pk__in=Membership.objects.filter(team__path__startswith=dome.path, left_on__isnull=True)
        .values("volunteer_id")).order_by("pk")[:6])
    if len(members) < 6:
        return
    today = timezone.localdate()
    for n, volunteer in enumerate(members):
        _train(volunteer, today - datetime.timedelta(days=900 + 200 * n), n)
        records.volunteer_photo_set(volunteer=volunteer, upload=_photo(n), actor=clerk)
    v1, v2, v3, v4, v5, v6 = (Volunteer.objects.get(pk=v.pk) for v in members)

    # record-book batches: at the case officer (unit_admin), at the purpose authority (wmg_officer), issued
    records.batch_create(actor=clerk, unit=dome, volunteers=[v1, v2])
    waiting = records.batch_create(actor=clerk, unit=dome, volunteers=[v3])
    _decide(unit_admin, waiting.review)
    issued = records.batch_create(actor=clerk, unit=dome, volunteers=[v4])
    _decide(unit_admin, issued.review)
    _decide(wmg_officer, issued.review)
    book = Volunteer.objects.get(pk=v4.pk).record_book
    records.record_book_collect(actor=clerk, book=book, collected_on=today)
    records.service_id_issue(actor=clerk, volunteer=v4, unit=dome, issued_on=today,
                             expires_on=today + datetime.timedelta(days=3 * 365))

    # certificates: one issued, one at the supervisor's step, an honor card at the competent authority
    _hours(v4, dome, 160, today - datetime.timedelta(days=700), clerk)
    _hours(v6, dome, 168, today - datetime.timedelta(days=600), clerk)
    _hours(v5, dome, 320, today - datetime.timedelta(days=1000), clerk)
    issued_certificate = certificates.application_create(actor=clerk, volunteer=v4, kind=CertificateKind.PERFORMANCE,
                                                         unit=dome)
    for person in (unit_admin, supervisor, head):
        _decide(person, issued_certificate.review)
    pending = certificates.application_create(actor=clerk, volunteer=v6, kind=CertificateKind.PERFORMANCE, unit=dome)
    _decide(head, pending.review)  # the case officer's step; the supervisor's waits for unit_admin
    honor = certificates.application_create(actor=clerk, volunteer=v5, kind=CertificateKind.HONOR_CARD, unit=dome)
    _decide(unit_admin, honor.review)
