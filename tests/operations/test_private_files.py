"""Private files stay private: one upload of every private kind (guardian consent, team roster, group
roster, service-plan certificate, unit-application certificate, volunteer photo) lands in the private
storage under a random name, outside MEDIA_ROOT; its storage URL under /media/ answers 404; the serving
view gives the file only to the owner and the staff in scope, 404 to everyone else (or 403 to accounts
without any back-office role on the staff-only certificate views). Also: delivery through the web server
(X-Accel-Redirect / X-Sendfile), the audit record of roster downloads, the data migration that moves old
public files, and the system check against a private folder inside MEDIA_ROOT."""
from __future__ import annotations

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client, RequestFactory
from django.views.static import serve

from operations.models import AuditAction, AuditEvent, GuardianConsent, RosterImport, UnitApplication, User
from operations.storage import check_private_storage, private_storage
from tests.factories import (
    CampaignFactory,
    PositionFactory,
    ServicePlanFactory,
    ShiftFactory,
    SignupFactory,
    minimal_pdf,
)
from tests.factories.operations import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

PDF = minimal_pdf()  # a PDF that parses: uploads are checked by content
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
CSV = "姓名,身分證字號\n王小明,A123456789\n".encode()
RANDOM_NAME = re.compile(r"^[a-z-]+/[0-9a-f]{32}\.[a-z]+$")


def _account(volunteer, username):
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password=DEFAULT_PASSWORD)
    volunteer.user = user
    volunteer.save(update_fields=["user"])
    return user


@pytest.fixture
def uploads(org, settings):
    """One file of every private kind, uploaded the way the application stores it."""
    o = org
    o.owner = _account(o.vol_sub_a, "owner")  # volunteer in sub-team A
    o.other = _account(o.vol_b, "other")  # another volunteer (unit B)
    o.campaign = CampaignFactory(unit=o.unit_a)
    position = PositionFactory(campaign=o.campaign, venue=o.unit_a, team=o.sub_a)
    o.shift = ShiftFactory(position=position)
    SignupFactory(volunteer=o.vol_sub_a, shift=o.shift)
    # guardian consent, through the volunteer zone's upload form
    client = Client()
    client.force_login(o.owner)
    response = client.post(f"/volunteer/consent/{o.campaign.pk}/", {
        "guardian_name": "林大華", "file": SimpleUploadedFile("我的同意書.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302, response.content.decode()[:1000]
    o.consent = GuardianConsent.objects.get(volunteer=o.vol_sub_a, campaign=o.campaign)
    # a team roster uploaded by team A's leader (into sub-team A), and a volunteer's group roster
    o.team_roster = RosterImport.objects.create(created_by=o.leader_a, team=o.sub_a, original_name="名冊.csv",
                                                joined_on=datetime.date(2026, 1, 1),
                                                file=SimpleUploadedFile("名冊.csv", CSV, content_type="text/csv"))
    o.group_roster = RosterImport.objects.create(created_by=o.owner, original_name="group.csv",
                                                 file=SimpleUploadedFile("group.csv", CSV, content_type="text/csv"))
    # certificates and the photo
    o.plan = ServicePlanFactory(unit=o.unit_a)
    o.plan.certificate.save("certificate.pdf", ContentFile(PDF))
    o.application = UnitApplication.objects.create(
        reference="UA-PRIV", organisation_name="甲協會", purpose_authority=o.wmg, category="social_welfare",
        registration_type="agency", city="taipei", address="市府路1號", contact_person="王小明",
        contact_phone="02-1234", contact_email="a@example.org",
        certificate=SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf"))
    o.vol_sub_a.photo.save("me.jpg", ContentFile(JPEG))
    return o


def _kinds(o):
    """kind → (field file, serving URL, bytes, users who get it, users refused with 404)."""
    consent_url = f"/backoffice/files/consents/{o.consent.pk}/"
    return {
        "consent": (o.consent.file, consent_url, PDF, [o.owner, o.admin_a, o.leader_a],
                    [o.other, o.admin_b, o.subleader_a, o.nobody]),
        "team_roster": (o.team_roster.file, f"/backoffice/files/rosters/{o.team_roster.pk}/", CSV,
                        [o.leader_a, o.admin_a, o.officer_wmg], [o.owner, o.other, o.admin_b, o.subleader_a]),
        "group_roster": (o.group_roster.file, f"/backoffice/files/rosters/{o.group_roster.pk}/", CSV,
                         [o.owner], [o.other, o.admin_a, o.admin_b]),
        "plan_certificate": (o.plan.certificate, f"/backoffice/plans/{o.plan.pk}/certificate/", PDF,
                             [o.admin_a, o.officer_wmg], [o.admin_b, o.leader_a]),
        "application_certificate": (o.application.certificate,
                                    f"/backoffice/unit-applications/{o.application.pk}/certificate/", PDF,
                                    [o.officer_wmg], []),
        "photo": (o.vol_sub_a.photo, f"/backoffice/files/volunteers/{o.vol_sub_a.pk}/photo/", JPEG,
                  [o.owner, o.subleader_a, o.admin_a], [o.other, o.admin_b, o.nobody]),
    }


def test_every_private_kind_is_stored_privately_under_a_random_name(uploads, settings):
    media_root = Path(settings.MEDIA_ROOT)
    private_root = Path(settings.PRIVATE_MEDIA_ROOT)
    for kind, (field_file, *_rest) in _kinds(uploads).items():
        assert RANDOM_NAME.match(field_file.name), (kind, field_file.name)
        assert (private_root / field_file.name).is_file(), kind
        assert not (media_root / field_file.name).exists(), kind
        with pytest.raises(ValueError):
            field_file.url  # noqa: B018 - private files have no URL
    # nothing at all under MEDIA_ROOT, and the private folder lies outside it
    assert not [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else True
    assert media_root not in private_root.parents


def test_the_storage_url_under_media_answers_404(uploads, settings):
    request = RequestFactory().get("/")
    for kind, (field_file, *_rest) in _kinds(uploads).items():
        assert Client().get(settings.MEDIA_URL + field_file.name).status_code == 404, kind
        # what `make run` mounts at /media/ (django.views.static.serve over MEDIA_ROOT) does not have it either
        with pytest.raises(Http404):
            serve(request, field_file.name, document_root=settings.MEDIA_ROOT)


def test_serving_views_give_the_file_only_to_owner_and_staff_in_scope(uploads):
    for kind, (_field_file, url, content, allowed, refused_404) in _kinds(uploads).items():
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"], kind
        for user in allowed:
            client = Client()
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200, (kind, user.username, response.status_code)
            assert b"".join(response.streaming_content) == content, kind
            assert response["Content-Disposition"].startswith("attachment"), kind
            assert response["Cache-Control"] == "private, no-store", kind
            assert response["X-Content-Type-Options"] == "nosniff", kind
        for user in refused_404:
            client = Client()
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 404, (kind, user.username, response.status_code)
        # certificates are staff-only views: a volunteer account is refused before anything is looked up
        for user in (uploads.other, uploads.owner):
            if user in allowed:
                continue
            client = Client()
            client.force_login(user)
            response = client.get(url)
            assert response.status_code in (403, 404), (kind, user.username, response.status_code)
            assert content not in response.content


def test_a_missing_file_answers_like_a_file_outside_the_scope(uploads):
    private_storage().delete(uploads.consent.file.name)
    client = Client()
    client.force_login(uploads.admin_a)
    assert client.get(f"/backoffice/files/consents/{uploads.consent.pk}/").status_code == 404
    assert client.get("/backoffice/files/consents/999999/").status_code == 404


def test_roster_downloads_are_audited(uploads):
    client = Client()
    client.force_login(uploads.admin_a)
    before = AuditEvent.objects.filter(action=AuditAction.FILE_DOWNLOADED).count()
    assert client.get(f"/backoffice/files/rosters/{uploads.team_roster.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.FILE_DOWNLOADED).latest("pk")
    assert AuditEvent.objects.filter(action=AuditAction.FILE_DOWNLOADED).count() == before + 1
    assert event.actor == uploads.admin_a and event.object_id == str(uploads.team_roster.pk)
    assert event.node_id == uploads.sub_a.pk
    # a refused request leaves no record
    client.force_login(uploads.admin_b)
    assert client.get(f"/backoffice/files/rosters/{uploads.team_roster.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.FILE_DOWNLOADED).count() == before + 1


@pytest.mark.parametrize("mode, header", [("x-accel", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")])
def test_web_server_delivery(uploads, settings, mode, header):
    settings.PRIVATE_FILES_SENDFILE = mode
    client = Client()
    client.force_login(uploads.owner)
    response = client.get(f"/backoffice/files/consents/{uploads.consent.pk}/")
    assert response.status_code == 200 and response.content == b""
    name = uploads.consent.file.name
    if mode == "x-accel":
        assert response[header] == f"/_private/{name}"
    else:
        assert response[header] == str(Path(settings.PRIVATE_MEDIA_ROOT) / name)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_links_point_at_the_serving_views(uploads):
    client = Client()
    client.force_login(uploads.admin_a)
    shift_page = client.get(f"/backoffice/recruitment/shifts/{uploads.shift.pk}/").content.decode()
    assert f"/backoffice/files/consents/{uploads.consent.pk}/" in shift_page
    volunteer_page = client.get(f"/backoffice/volunteers/{uploads.vol_sub_a.pk}/").content.decode()
    assert f"/backoffice/files/volunteers/{uploads.vol_sub_a.pk}/photo/" in volunteer_page
    edit_page = client.get(f"/backoffice/plans/{uploads.plan.pk}/edit/")
    assert edit_page.status_code == 200 and uploads.plan.certificate.name not in edit_page.content.decode()
    client.force_login(uploads.leader_a)
    roster_page = client.get(f"/backoffice/roster-imports/{uploads.team_roster.pk}/").content.decode()
    assert f"/backoffice/files/rosters/{uploads.team_roster.pk}/" in roster_page
    client.force_login(uploads.owner)
    consent_page = client.get(f"/volunteer/consent/{uploads.campaign.pk}/").content.decode()
    assert f"/backoffice/files/consents/{uploads.consent.pk}/" in consent_page


def test_data_migration_moves_public_files_and_is_idempotent(org, settings, django_capture_on_commit_callbacks):
    from django.apps import apps

    migration = importlib.import_module("operations.migrations.0007_private_files")
    old = "consents/2026/consent-1.pdf"
    default_storage.save(old, ContentFile(PDF))
    campaign = CampaignFactory(unit=org.unit_a)
    consent = GuardianConsent.objects.create(volunteer=org.vol_a, campaign=campaign, file=old)
    missing = GuardianConsent.objects.create(volunteer=org.vol_b, campaign=campaign, file="consents/2026/gone.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        migration.move_private_files(apps, None)
    consent.refresh_from_db()
    assert RANDOM_NAME.match(consent.file.name) and consent.file.name.startswith("consents/")
    assert private_storage().open(consent.file.name).read() == PDF
    assert not default_storage.exists(old)  # the public copy is gone
    missing.refresh_from_db()
    assert missing.file.name == "consents/2026/gone.pdf"  # nothing to move: left alone
    moved = consent.file.name
    with django_capture_on_commit_callbacks(execute=True):
        migration.move_private_files(apps, None)  # again: nothing changes
    consent.refresh_from_db()
    assert consent.file.name == moved and private_storage().exists(moved)


def test_system_check_refuses_private_files_inside_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media" / "private"
    assert [e.id for e in check_private_storage()] == ["operations.E101"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_FILES_SENDFILE = "apache"
    assert [e.id for e in check_private_storage()] == ["operations.E103"]


def test_s3_private_files_are_handed_out_as_short_lived_presigned_urls(settings, monkeypatch):
    """With a private bucket the view redirects to a pre-signed URL (signed locally by boto3; no network):
    valid PRIVATE_FILES_URL_EXPIRE seconds, asking the store for an attachment that caches do not keep."""
    from storages.backends.s3 import S3Storage

    from operations.views.files import private_file_response

    storage = S3Storage(bucket_name="private-bucket", access_key="AKIATEST", secret_key="secret",
                        region_name="ap-northeast-1", default_acl="private", querystring_auth=True,
                        signature_version="s3v4")
    monkeypatch.setattr(S3Storage, "exists", lambda self, name: name == "consents/abc.pdf")
    settings.PRIVATE_FILES_URL_EXPIRE = 45

    class _File:
        name = "consents/abc.pdf"

        def __init__(self, storage):
            self.storage = storage

        def __bool__(self):
            return True

    response = private_file_response(_File(storage), "guardian-consent-7")
    assert response.status_code == 302
    url = response["Location"]
    assert "private-bucket" in url and "consents/abc.pdf" in url
    assert "X-Amz-Expires=45" in url and "X-Amz-Signature=" in url
    assert "response-content-disposition=attachment" in url and "response-cache-control=private" in url
    assert response["Cache-Control"] == "private, no-store"
    missing = _File(storage)
    missing.name = "consents/gone.pdf"
    with pytest.raises(Http404):
        private_file_response(missing, "x")


def test_a_replaced_consent_leaves_no_copy_behind(org, django_capture_on_commit_callbacks):
    from operations.services.signups import guardian_consent_upload

    campaign = CampaignFactory(unit=org.unit_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = guardian_consent_upload(volunteer=org.vol_sub_a, campaign=campaign, guardian_name="林大華",
                                        file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    old_name, storage = first.file.name, first.file.storage
    assert storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        second = guardian_consent_upload(volunteer=org.vol_sub_a, campaign=campaign, guardian_name="林大華",
                                         file=SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"))
    assert second.pk == first.pk and second.file.name != old_name
    assert storage.exists(second.file.name) and not storage.exists(old_name)
