"""Screens of the review chain, the record books and the certificates: my queue and a decision through the
page (a double post decides once), the dashboard count, a record-book batch from the form, the volunteer
zone (my record book and certificates, apply, photo upload, PDFs) in both languages, and the public
verification page answering unknown and malformed numbers alike."""
from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from operations.models import (
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
    CourseKind,
    FormType,
    RecordBook,
    RecordBookBatch,
    Review,
    ReviewEvent,
    ReviewState,
    Role,
    RoleGrant,
    ServiceId,
    UnitCategory,
    Volunteer,
)
from operations.services import records
from operations.services.reviews import review_open
from tests.conftest import CJK_RE
from tests.factories import UserFactory

from .test_hours_selector import rec
from .test_reviews_services import ready
from .test_training_services import certify

pytestmark = pytest.mark.django_db


def review_matrix_objects(o):
    """The inside (unit A, its volunteer in sub-team A) and outside (unit C) objects of the permission matrix."""
    today = timezone.localdate()
    vol_in = ready(o.vol_sub_a, photo="volunteer-photos/a.jpg")
    vol_out = ready(o.vol_c, photo="volunteer-photos/c.jpg")
    o.batch_in = records.batch_create(actor=o.admin_a, unit=o.unit_a, volunteers=[vol_in])
    o.batch_out = records.batch_create(actor=o.sysadmin, unit=o.unit_c, volunteers=[vol_out])
    o.review_in, o.review_out = o.batch_in.review, o.batch_out.review
    o.book_in = RecordBook.objects.create(volunteer=vol_in, number="MATRIX-BOOK-IN", issuing_authority=o.wmg,
                                          applied_by_unit=o.unit_a, issued_on=today)
    o.book_out = RecordBook.objects.create(volunteer=vol_out, number="MATRIX-BOOK-OUT", issuing_authority=o.root,
                                           applied_by_unit=o.unit_c, issued_on=today)
    o.sid_in = ServiceId.objects.create(volunteer=vol_in, unit=o.unit_a, number="MATRIX-SID-IN", issued_on=today,
                                        expires_on=today + datetime.timedelta(days=1000))
    o.sid_out = ServiceId.objects.create(volunteer=vol_out, unit=o.unit_c, number="MATRIX-SID-OUT", issued_on=today,
                                         expires_on=today + datetime.timedelta(days=1000))
    for side, unit, volunteer, number in (("in", o.unit_a, vol_in, "PC-MATRX-1N000"),
                                          ("out", o.unit_c, vol_out, "PC-MATRX-0VT00")):
        review = review_open(form_type=FormType.PERFORMANCE_CERTIFICATE, node=unit, title=number,
                             submitter=o.sysadmin)
        Review.objects.filter(pk=review.pk).update(state=ReviewState.APPROVED, current_node=None, current_group="")
        setattr(o, f"cert_{side}", CertificateApplication.objects.create(
            kind=CertificateKind.PERFORMANCE, volunteer=volunteer, unit=unit, review=review, applied_by=o.sysadmin,
            applied_on=today, status=CertificateStatus.ISSUED, number=number, issued_on=today, hours=Decimal("150")))
    return o


@pytest.fixture
def officer_a(org):
    user = UserFactory(username="case_officer_a")
    RoleGrant.objects.create(user=user, node=org.unit_a, role=Role.UNIT_ADMIN)
    return user


def test_queue_decision_and_double_post(org, login, officer_a):
    batch = records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    client = login(officer_a)
    page = client.get(reverse("operations:review_queue"))
    assert page.status_code == 200 and [r.pk for r in page.context["reviews"]] == [batch.review.pk]
    assert CJK_RE.search(page.content.decode())
    dashboard = client.get(reverse("operations:dashboard")).content.decode()
    assert reverse("operations:review_queue") in dashboard
    detail = client.get(reverse("operations:review_detail", args=[batch.review.pk]))
    assert detail.context["decide_form"] is not None
    url = reverse("operations:review_detail", args=[batch.review.pk])
    form = {"action": "decide", "decision": "approve", "comment": "", "version": 1}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)  # the double click
    assert again.status_code == 200
    review = Review.objects.get(pk=batch.review.pk)
    assert review.step == 1 and review.version == 2 and ReviewEvent.objects.filter(review=review).count() == 2
    # the submitter sees the page but no decision form
    own = login(org.admin_a).get(url)
    assert own.status_code == 200 and own.context["decide_form"] is None
    # a return without a comment is refused beside the field, nothing changes
    wmg = login(org.officer_wmg)
    refused = wmg.post(url, {"action": "decide", "decision": "return", "comment": "", "version": 2})
    assert refused.status_code == 200 and refused.context["decide_form"].errors
    assert Review.objects.get(pk=review.pk).version == 2


def test_batch_from_the_form(org, login):
    ready(org.vol_a)
    client = login(org.admin_a)
    page = client.get(reverse("operations:record_book_batch_create"), {"unit": org.unit_a.pk})
    assert page.status_code == 200
    assert org.vol_a in list(page.context["form"].fields["volunteers"].queryset)
    response = client.post(reverse("operations:record_book_batch_create") + f"?unit={org.unit_a.pk}",
                           {"volunteers": [org.vol_a.pk]})
    batch = RecordBookBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/records/batches/{batch.pk}/")
    assert client.get(response["Location"]).status_code == 200


def _volunteer_account(volunteer):
    user = UserFactory(username=f"vol-{volunteer.pk}")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user)
    return user


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_volunteer_zone_applies_follows_and_downloads(org, client, language, officer_a):
    user = _volunteer_account(org.vol_a)
    certify(org.vol_a, CourseKind.BASIC, on=datetime.date(2024, 1, 10))
    certify(org.vol_a, CourseKind.SPECIAL, UnitCategory.SPORTS, on=datetime.date(2024, 3, 1))
    for i in range(20):
        rec(org.vol_a, org.unit_a, datetime.date(2024, 4, 1) + datetime.timedelta(days=i), "8")
    client.force_login(user)
    prefix = "/en" if language == "en" else ""
    page = client.get(prefix + reverse("volunteer:applications"))
    assert page.status_code == 200
    html = page.content.decode()
    assert ("我的紀錄冊與證明" if language == "zh-hant" else "My record book and certificates") in html
    apply_url = reverse("volunteer:application_new", args=["performance"])
    assert client.get(apply_url).context["result"].eligible
    assert client.get(reverse("volunteer:application_new", args=["honor_card"])).context["result"].eligible is False
    response = client.post(apply_url, {"unit": org.unit_a.pk})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    application = CertificateApplication.objects.get()
    assert application.applied_by == user and application.review.subject_user == user
    # the volunteer never decides it; three sign-offs by three people of the unit (one person, one step)
    from operations.models import Decision, Role, RoleGrant
    from operations.services import reviews

    head = UserFactory(username="unit_head_a")
    RoleGrant.objects.create(user=head, node=org.unit_a, role=Role.UNIT_ADMIN)
    for decider in (officer_a, org.admin_a, head):
        review = Review.objects.get(pk=application.review_id)
        reviews.review_decide(actor=decider, review=review, decision=Decision.APPROVE, version=review.version)
    application.refresh_from_db()
    pdf = client.get(reverse("volunteer:my_certificate_pdf", args=[application.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    other = _volunteer_account(org.vol_b)
    client.force_login(other)
    assert client.get(reverse("volunteer:my_certificate_pdf", args=[application.pk])).status_code == 404


def test_the_review_page_says_why_a_second_step_is_not_yours(org, login, officer_a):
    batch = records.batch_create(actor=org.admin_a, unit=org.unit_a, volunteers=[ready(org.vol_a)])
    from operations.models import Decision
    from operations.services import reviews

    reviews.review_decide(actor=officer_a, review=batch.review, decision=Decision.APPROVE, version=1)
    # officer A is not an authority: make them one too, so only "one person, one step" stops them
    from operations.models import Role, RoleGrant

    RoleGrant.objects.create(user=officer_a, node=org.wmg, role=Role.AUTHORITY_OFFICER)
    page = login(officer_a).get(f"/en/backoffice/reviews/{batch.review.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and page.context["decide_form"] is None
    assert "You decided the step “Case officer” of this form" in html
    refused = login(officer_a).post(f"/backoffice/reviews/{batch.review.pk}/",
                                    {"action": "decide", "decision": "approve", "comment": "", "version": 2})
    assert "不同的人" in refused.content.decode()
    assert Review.objects.get(pk=batch.review.pk).version == 2  # nothing decided


def test_photo_upload_in_the_volunteer_zone(org, client):
    user = _volunteer_account(org.vol_a)
    client.force_login(user)
    out = io.BytesIO()
    Image.new("RGB", (480, 640), (10, 20, 30)).save(out, "JPEG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("volunteer:photo"), {"photo": SimpleUploadedFile("me.jpg", out.getvalue())})
    assert response.status_code == 302 and Volunteer.objects.get(pk=org.vol_a.pk).photo
    bad = client.post(reverse("volunteer:photo"), {"photo": SimpleUploadedFile("me.jpg", b"not an image")})
    assert bad.status_code == 200 and bad.context["form"].errors["photo"]


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_verification_answers_unknown_and_malformed_alike(org, client, language):
    o = review_matrix_objects(org)
    url = ("/en" if language == "en" else "") + reverse("volunteer:certificate_verify")
    found = client.get(url, {"number": o.cert_in.number})
    assert found.status_code == 200 and found.context["found"] == o.cert_in
    assert o.vol_sub_a.name not in found.content.decode()  # the name is masked
    answers = []
    for number in ("PC-ZZZZZ-ZZZZZ", "not a number", "' OR 1=1 --", "x" * 500, ""):
        response = client.get(url, {"number": number})
        assert response.status_code == 200 and response.context["found"] is None
        body = response.content.decode()
        answers.append(body.split('id="answer-h"', 1)[-1].split("</section>", 1)[0])
    assert len(set(answers)) == 1
    assert ("本平台未發給此編號的證明" if language == "zh-hant" else "No certificate issued by this platform") in answers[0]
