"""申請成為運用單位: the public form creates one pending application in operations, with a reference
number and an e-mail; bad input is refused with a message in the visitor's language and nothing is
saved; a resubmitted form does not create a duplicate."""
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale

from cms.models import UnitApplicationPage
from operations.models.applications import ApplicationStatus, UnitApplication
from tests.conftest import wait_for
from tests.factories import minimal_pdf

PDF = minimal_pdf()


@pytest.fixture
def form_page(home_pages):
    page = home_pages.home.add_child(instance=UnitApplicationPage(title="運用單位申請", slug="apply"))
    page.save_revision().publish()
    english = page.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title = "Apply to become a unit"
    english.save_revision().publish()
    return page


def _key(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["form"].initial["submission_key"]


def _data(key, **overrides):
    data = {
        "submission_key": key, "organisation_name": "社團法人臺北市愛心協會", "organisation_name_en": "Taipei Care Association",
        "category": "social_welfare", "registration_type": "registered", "registration_number": "北市社團字第5678號",
        "purpose_authority": "", "city": "taipei", "district": "大安區", "address": "復興南路一段1號",
        "contact_person": "王小明", "contact_phone": "02-2700-1234", "contact_email": "apply@example.org",
        "service_summary": "關懷獨居長者", "consent": "on",
        "certificate": SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_application_creates_one_pending_application_with_reference_and_email(form_page, client):
    key = _key(client, "/apply/")
    response = client.post("/apply/", _data(key))
    assert response.status_code == 302 and response["Location"].endswith("/apply/?done=1")
    application = UnitApplication.objects.get()
    assert application.status == ApplicationStatus.PENDING
    assert application.certificate.name.endswith(".pdf")
    page = client.get(response["Location"]).content.decode()
    assert application.reference in page
    sent = wait_for(lambda: [m for m in mail.outbox if m.to == ["apply@example.org"]])
    assert application.reference in sent[0].body

    # the same form sent again (double click, back button, retry): still one application, one e-mail
    again = client.post("/apply/", _data(key))
    assert again.status_code == 302
    assert UnitApplication.objects.count() == 1
    assert len([m for m in mail.outbox if m.to == ["apply@example.org"]]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url, message", [("/apply/", "必要欄位"), ("/en/apply/", "This field is required")])
def test_missing_fields_are_named_in_the_visitors_language(form_page, client, url, message):
    key = _key(client, url)
    response = client.post(url, _data(key, organisation_name="", contact_email=None, consent=None))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert set(response.context["form"].errors) >= {"organisation_name", "contact_email", "consent"}
    assert UnitApplication.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("upload, field_error", [
    (SimpleUploadedFile("plan.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "Upload a PDF, JPG or PNG file."),
    (SimpleUploadedFile("fake.pdf", b"not a pdf at all", content_type="application/pdf"), "not a PDF, JPG or PNG"),
    (SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf"), "larger than 5 MB"),
])
def test_wrong_or_oversized_attachment_is_refused_and_nothing_saved(form_page, client, upload, field_error):
    key = _key(client, "/en/apply/")
    response = client.post("/en/apply/", _data(key, certificate=upload))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["certificate"])
    assert field_error in errors
    assert UnitApplication.objects.count() == 0


@pytest.mark.django_db
def test_registered_organisation_needs_number_and_certificate_bad_phone_and_email(form_page, client):
    key = _key(client, "/en/apply/")
    response = client.post("/en/apply/", _data(key, registration_number="", certificate=None,
                                               contact_phone="abc", contact_email="not-an-email"))
    errors = response.context["form"].errors
    assert set(errors) >= {"registration_number", "certificate", "contact_phone", "contact_email"}
    assert UnitApplication.objects.count() == 0


@pytest.mark.django_db
def test_agency_needs_no_certificate_and_a_forged_key_is_refused(form_page, client):
    key = _key(client, "/apply/")
    response = client.post("/apply/", _data(key, registration_type="agency", registration_number="", certificate=None))
    assert response.status_code == 302
    response = client.post("/apply/", _data("'; drop table", registration_type="agency", certificate=None))
    assert response.status_code == 200 and "submission_key" in response.context["form"].errors
    assert UnitApplication.objects.count() == 1
