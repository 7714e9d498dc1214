"""Record books and service IDs (services.records): a batch is all or nothing with a message per person;
one book per person for life (collect, renew, replace, cancel); service IDs issued once per unit and
cancelled with a reason; the volunteer's photo checked by content, size and dimensions, resized and private."""
from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from operations.models import (
    BookStatus,
    Decision,
    IssueKind,
    RecordBook,
    RecordBookBatch,
    Review,
    ServiceId,
    ServiceIdStatus,
    Volunteer,
)
from operations.services import records as svc
from operations.services import reviews
from tests.conftest import fresh

from .rollup_support import rollup_stays_exact  # noqa: F401 (autouse: the kept figures checked after each test)
from .test_reviews_services import ready

pytestmark = pytest.mark.django_db


def issued_book(org):
    from operations.models import Role, RoleGrant
    from tests.factories import UserFactory

    officer = UserFactory(username="case_officer_a")
    RoleGrant.objects.create(user=officer, node=org.unit_a, role=Role.UNIT_ADMIN)
    batch = svc.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    for user in (officer, org.officer_wmg):
        review = Review.objects.get(pk=batch.review.pk)
        reviews.review_decide(actor=fresh(user), review=review, decision=Decision.APPROVE, version=review.version)
    return RecordBook.objects.get(volunteer=org.vol_a)


def test_a_batch_is_all_or_nothing_with_a_message_per_person(org):
    good = ready(org.vol_a)
    no_photo = ready(org.vol_sub_a, photo="")
    with pytest.raises(ValidationError) as caught:
        svc.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[good, no_photo, org.vol_b])
    messages = caught.value.message_dict["volunteers"]
    assert len(messages) == 2
    assert any(org.vol_sub_a.name in m for m in messages) and any(org.vol_b.name in m for m in messages)
    assert not RecordBookBatch.objects.exists() and not Review.objects.exists()
    with pytest.raises(PermissionDenied):
        svc.batch_create(actor=org.admin_b, unit=org.unit_a, volunteers=[good])
    with pytest.raises(PermissionDenied):
        svc.batch_create(actor=org.leader_a, unit=org.unit_a, volunteers=[good])


def test_no_second_batch_while_one_is_in_review_nor_a_second_book(org):
    volunteer = ready(org.vol_a)
    svc.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[volunteer])
    with pytest.raises(ValidationError):
        svc.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[volunteer])
    assert RecordBookBatch.objects.count() == 1


def test_book_collect_renew_replace_cancel(org):
    book = issued_book(org)
    today = datetime.date.today()
    with pytest.raises(ValidationError):
        svc.record_book_collect(actor=org.admin_a, book=book, collected_on=book.issued_on - datetime.timedelta(days=1))
    book = svc.record_book_collect(actor=org.admin_a, book=book, collected_on=today)
    assert book.status == BookStatus.FIRST and book.collected_on == today
    assert svc.record_book_collect(actor=org.admin_a, book=book, collected_on=today).status == BookStatus.FIRST
    old = book.number
    with pytest.raises(PermissionDenied):  # the unit does not give numbers
        svc.record_book_reissue(actor=org.admin_a, book=book, kind=IssueKind.REPLACEMENT)
    book = svc.record_book_reissue(actor=org.officer_wmg, book=book, kind=IssueKind.REPLACEMENT)
    assert book.number != old and book.status == BookStatus.UNCOLLECTED and book.issue_kind == IssueKind.REPLACEMENT
    book = svc.record_book_collect(actor=org.admin_a, book=book, collected_on=today)
    assert book.status == BookStatus.REPLACEMENT
    assert RecordBook.objects.filter(volunteer=org.vol_a).count() == 1  # one book per person for life
    with pytest.raises(ValidationError):
        svc.record_book_cancel(actor=org.admin_a, book=book, reason=" ")
    book = svc.record_book_cancel(actor=org.admin_a, book=book, reason="借予他人使用")
    assert book.status == BookStatus.CANCELLED and book.cancel_reason == "借予他人使用"
    with pytest.raises(PermissionDenied):
        svc.record_book_cancel(actor=org.admin_b, book=book, reason="x")


def test_service_id_issued_once_per_unit_and_cancelled_with_a_reason(org):
    volunteer = ready(org.vol_a)
    day = datetime.date(2026, 1, 5)
    with pytest.raises(ValidationError):
        svc.service_id_issue(actor=org.admin_a, volunteer=volunteer, unit=org.unit_a, issued_on=day, expires_on=day)
    first = svc.service_id_issue(actor=org.admin_a, volunteer=volunteer, unit=org.unit_a, issued_on=day,
                                 expires_on=datetime.date(2029, 1, 4))
    again = svc.service_id_issue(actor=org.admin_a, volunteer=volunteer, unit=org.unit_a, issued_on=day,
                                 expires_on=datetime.date(2029, 1, 4))
    assert first.pk == again.pk and first.number.startswith("VENUE-A-ID-115-")
    with pytest.raises(PermissionDenied):
        svc.service_id_issue(actor=org.admin_b, volunteer=volunteer, unit=org.unit_b, issued_on=day,
                             expires_on=datetime.date(2029, 1, 4))
    untrained = Volunteer.objects.get(pk=org.vol_sub_a.pk)
    with pytest.raises(ValidationError):
        svc.service_id_issue(actor=org.admin_a, volunteer=untrained, unit=org.unit_a, issued_on=day,
                             expires_on=datetime.date(2029, 1, 4))
    cancelled = svc.service_id_cancel(actor=org.admin_a, service_id=first, reason="不適任")
    assert cancelled.status == ServiceIdStatus.CANCELLED
    assert ServiceId.objects.count() == 1


# --- the photo -----------------------------------------------------------------------------------------

def image_upload(size=(480, 640), fmt="JPEG", name="me.jpg", color=(200, 180, 160)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_photo_is_resized_and_stored_privately(org, settings):
    volunteer = svc.volunteer_photo_set(volunteer=org.vol_a, upload=image_upload((1200, 1600)))
    assert volunteer.photo.name.startswith("volunteer-photos/") and volunteer.photo.name.endswith(".jpg")
    with volunteer.photo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG" and stored.size == (600, 800)
    with pytest.raises(ValueError):  # private storage has no public URL
        volunteer.photo.url  # noqa: B018
    png = svc.volunteer_photo_set(volunteer=org.vol_a, upload=image_upload((300, 400), "PNG", "me.png"))
    with png.photo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.size == (300, 400)


@pytest.mark.parametrize("upload, code", [
    (SimpleUploadedFile("me.gif", b"GIF89a" + b"\0" * 100), "file_type"),  # wrong type
    (SimpleUploadedFile("me.jpg", b"<html>not an image</html>"), "file_content"),  # not an image
    (SimpleUploadedFile("me.png", image_upload().read()), "file_content"),  # a JPEG named .png
    (image_upload((100, 120)), "too_small"),  # tiny
    (image_upload((800, 400)), "landscape"),
    (SimpleUploadedFile("me.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 1)), "file_size"),  # huge
])
def test_photo_refused(org, upload, code):
    with pytest.raises(ValidationError) as caught:
        svc.volunteer_photo_set(volunteer=org.vol_a, upload=upload)
    assert caught.value.code == code
    assert not Volunteer.objects.get(pk=org.vol_a.pk).photo


def test_photo_fuzz_never_crashes(org):
    import random

    rnd = random.Random(15)
    for _i in range(40):
        data = bytes(rnd.getrandbits(8) for _j in range(rnd.randint(0, 3000)))
        for prefix in (b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"):
            with pytest.raises(ValidationError):
                svc.volunteer_photo_set(volunteer=org.vol_a, upload=SimpleUploadedFile("x.jpg", prefix + data))
    assert not Volunteer.objects.get(pk=org.vol_a.pk).photo
