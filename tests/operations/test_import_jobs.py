"""Hour-slip and certificate imports run as background jobs (services.roster_jobs.import_job_run, the same
machinery as roster imports): the upload is stored and queued after the commit, the task claims the job once,
checks every row while storing progress, writes all rows or none, and the uploader's status page shows the
progress, then the result or each row's problems. The stuck-job sweeper covers these jobs too."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from operations.models import (
    CertificateImport,
    HourImport,
    HourSource,
    ImportStatus,
    ServiceRecord,
    TrainingCertificate,
)
from operations.services import hours as hours_svc
from operations.services import roster_jobs
from operations.services import training as training_svc
from tests.conftest import CJK_RE, fresh, wait_for

from .journey_support import run_on_commit_at_once

pytestmark = pytest.mark.django_db

SLIP_HEADER = "身分證號,姓名,單位代碼,服務日期,時數,服務內容,服務類別,服務人次\n"


def slip(rows: list[str]) -> bytes:
    return (SLIP_HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def slip_row(v, *, unit="venue-a", day="2024-05-01", hours="3"):
    return f"{v.id_number},{v.name},{unit},{day},{hours},服務台,,5"


def certificates(rows: list[list[str]]) -> bytes:
    header = ",".join(f"{zh} {en}" for _k, zh, en, _r in training_svc.IMPORT_COLUMNS)
    return ("\ufeff" + header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()


def certificate_row(v, number, organiser="臺北e大"):
    return [v.id_number, v.name, "基礎", "", "志願服務基礎訓練", organiser, "6", "2024-03-14", number, "臺北e大"]


def queued(monkeypatch):
    """Start jobs without running their task (as when the worker has not picked it up yet)."""
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: None)


def start_hours(user, content: bytes, *, language="zh-hant", name="slip.csv") -> HourImport:
    return hours_svc.hours_import_start(actor=fresh(user), file=SimpleUploadedFile(name, content), language=language)


def start_certificates(user, content: bytes, *, language="zh-hant", name="c.csv") -> CertificateImport:
    return training_svc.certificates_import_start(actor=fresh(user), file=SimpleUploadedFile(name, content),
                                                  language=language)


# --- All or nothing, row by row -------------------------------------------------------------------------

def test_an_hour_slip_with_a_bad_row_writes_nothing_and_lists_the_row(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a), slip_row(org.vol_c),
                                         slip_row(org.vol_sub_a, hours="30")]))
    assert job.status == ImportStatus.PENDING and job.file.name.startswith("imports/")
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert [e["row"] for e in job.errors] == [3, 4]
    assert all(CJK_RE.search(m) for e in job.errors for m in e["messages"])
    assert not ServiceRecord.objects.exists()
    assert (job.created_records, job.total_hours) == (0, Decimal("0"))


def test_an_hour_slip_job_imports_every_row_with_its_counts(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a), slip_row(org.vol_sub_a, hours="4.5")]))
    stored = job.file.name
    assert job.file.storage.exists(stored)
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.file.name == "" and not job.file.storage.exists(stored)  # the upload is not kept
    assert (job.created_records, job.total_hours, job.percent) == (2, Decimal("7.5"), 100)
    records = ServiceRecord.objects.filter(hour_import=job)
    assert records.count() == 2 and {r.source for r in records} == {HourSource.IMPORT}


def test_a_certificate_number_already_used_by_its_organiser_is_refused_in_the_job(org, monkeypatch):
    queued(monkeypatch)
    first = start_certificates(org.admin_a, certificates([certificate_row(org.vol_a, "J-1")]))
    assert training_svc.certificates_import_run(job_id=first.pk).status == ImportStatus.DONE
    second = start_certificates(org.admin_a, certificates([
        certificate_row(org.vol_sub_a, "J-2"),
        certificate_row(org.vol_sub_a, "J-1"),                      # row 3: already recorded by 臺北e大
        certificate_row(org.vol_a, "J-2"),                          # row 4: twice in the file
        certificate_row(org.vol_a, "J-1", organiser="新北市政府"),  # another organiser: fine
    ]))
    second = training_svc.certificates_import_run(job_id=second.pk)
    assert second.status == ImportStatus.FAILED
    assert [e["row"] for e in second.errors] == [3, 4]
    assert "J-1" in second.errors[0]["messages"][0]
    assert TrainingCertificate.objects.count() == 1
    assert CertificateImport.objects.get(pk=first.pk).created_certificates == 1


def test_problems_are_in_the_uploaders_language(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_c)]), language="en")
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.errors == [{"row": 2, "messages": [
        "No volunteer with this document number in your part of the organisation."]}]
    job = start_certificates(org.admin_a, "姓名\n王\n".encode(), language="zh-hant")
    job = training_svc.certificates_import_run(job_id=job.pk)
    assert job.errors[0]["row"] == 1 and "結業證書字號" in job.errors[0]["messages"][0]


def test_an_unreadable_file_fails_the_job_with_a_message(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))
    job.file.save("x.csv", SimpleUploadedFile("x.csv", b"\xff\xfe\x00garbage\x81"), save=True)
    HourImport.objects.filter(pk=job.pk).update(original_name="x.xlsx")
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.status == ImportStatus.FAILED and job.errors[0]["row"] == 0


def test_an_unexpected_error_fails_the_job_and_writes_nothing(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))

    def broken(*args, **kwargs):
        ServiceRecord.objects.create(volunteer=org.vol_a, unit=org.unit_a, date=datetime.date(2024, 5, 2),
                                     category=org.unit_a.category, content="x", minutes=60, hours=1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hours_svc, "_hours_write", broken)
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.status == ImportStatus.FAILED
    assert job.errors == [{"row": 0, "messages": [str(roster_jobs.UNEXPECTED_FAILURE)]}]
    assert not ServiceRecord.objects.exists() and job.file.name == ""


def test_an_upload_that_is_not_a_spreadsheet_creates_no_job(org, monkeypatch):
    queued(monkeypatch)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        start_hours(org.admin_a, b"", name="slip.csv")
    with pytest.raises(ValidationError):
        start_certificates(org.admin_a, b"PK not really a spreadsheet", name="c.xlsx")
    with pytest.raises(ValidationError):
        start_certificates(org.admin_a, b"a,b\n", name="c.pdf")
    assert not HourImport.objects.exists() and not CertificateImport.objects.exists()


# --- Progress and claiming once ------------------------------------------------------------------------

def test_progress_is_stored_as_the_rows_are_checked_and_reaches_100(org, monkeypatch):
    queued(monkeypatch)
    start = datetime.date(2020, 1, 1)
    rows = [slip_row(org.vol_a, day=(start + datetime.timedelta(days=i)).isoformat(), hours="0.5")
            for i in range(600)]
    job = start_hours(org.admin_a, slip(rows))
    seen = []
    original = roster_jobs.roster_progress

    def recording(job, processed, total):
        original(job, processed, total)
        seen.append(HourImport.objects.values_list("processed_rows", "total_rows").get(pk=job.pk))

    monkeypatch.setattr(hours_svc, "roster_progress", recording)
    job = hours_svc.hours_import_run(job_id=job.pk)
    assert job.status == ImportStatus.DONE, job.errors[:3]
    assert seen[0] == (0, 600) and (249, 600) in seen and (499, 600) in seen and seen[-1] == (600, 600)
    assert (job.processed_rows, job.total_rows, job.percent, job.created_records) == (600, 600, 100, 600)


def test_the_task_delivered_twice_imports_once(org, monkeypatch):
    from operations.tasks import certificates_import_run, hours_import_run

    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a), slip_row(org.vol_sub_a)]))
    assert hours_import_run.apply(args=[job.pk]).get() == ImportStatus.DONE
    assert hours_import_run.apply(args=[job.pk]).get() == ImportStatus.DONE
    assert ServiceRecord.objects.count() == 2
    certs = start_certificates(org.admin_a, certificates([certificate_row(org.vol_a, "T-1")]))
    assert certificates_import_run.apply(args=[certs.pk]).get() == ImportStatus.DONE
    assert certificates_import_run.apply(args=[certs.pk]).get() == ImportStatus.DONE
    assert TrainingCertificate.objects.count() == 1


def test_a_job_already_claimed_by_another_run_is_left_to_it(org, monkeypatch):
    queued(monkeypatch)
    job = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))
    HourImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)  # another worker has it
    assert hours_svc.hours_import_run(job_id=job.pk).status == ImportStatus.RUNNING
    assert not ServiceRecord.objects.exists()


def test_stuck_hour_and_certificate_jobs_are_failed_by_the_sweeper(org, monkeypatch, settings):
    from operations.tasks import fail_stuck_roster_imports

    queued(monkeypatch)
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_IMPORT_TIMEOUT_MINUTES": 30}
    stuck_hours = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))
    stuck_certs = start_certificates(org.admin_a, certificates([certificate_row(org.vol_a, "S-1")]))
    fresh_job = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))
    old = timezone.now() - datetime.timedelta(hours=2)
    HourImport.objects.filter(pk=stuck_hours.pk).update(created_at=old, status=ImportStatus.RUNNING)
    CertificateImport.objects.filter(pk=stuck_certs.pk).update(created_at=old)
    assert fail_stuck_roster_imports.apply().get() == 2
    stuck_hours.refresh_from_db()
    stuck_certs.refresh_from_db()
    assert stuck_hours.status == stuck_certs.status == ImportStatus.FAILED
    assert stuck_certs.errors == [{"row": 0, "messages": [str(roster_jobs.STUCK_FAILURE)]}]
    assert stuck_certs.file.name == "" and fresh_job.file.name
    assert HourImport.objects.get(pk=fresh_job.pk).status == ImportStatus.PENDING
    # a swept job that the worker picks up afterwards does nothing
    assert hours_svc.hours_import_run(job_id=stuck_hours.pk).status == ImportStatus.FAILED
    assert not ServiceRecord.objects.exists()


# --- The pages: inline without a broker, the uploader's own, accessible ------------------------------------

def test_inline_the_upload_leads_to_the_finished_result(org, login, monkeypatch):
    run_on_commit_at_once(monkeypatch)
    client = login(org.admin_a)
    response = client.post(reverse("operations:hours_import"),
                           {"file": SimpleUploadedFile("h.csv", slip([slip_row(org.vol_a)]))})
    job = HourImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("operations:hours_import_status",
                                                                           args=[job.pk])
    data = client.get(response["Location"], {"format": "json"}).json()
    assert data == {"status": "done", "percent": 100, "processed": 1, "total": 1, "finished": True}
    page = client.get(response["Location"]).content.decode()
    assert "已匯入 1 筆服務紀錄" in page and "<progress" not in page
    assert job.original_name in client.get(reverse("operations:hours_import")).content.decode()


def test_a_waiting_job_page_announces_progress_and_works_without_script(org, login, monkeypatch):
    queued(monkeypatch)
    job = start_certificates(org.admin_a, certificates([certificate_row(org.vol_a, "P-1")]))
    url = reverse("operations:certificate_import_status", args=[job.pk])
    html = login(org.admin_a).get(url).content.decode()
    assert 'role="status"' in html and 'aria-live="polite"' in html and "<progress" in html
    assert 'for="roster-bar"' in html and "js/volunteer.js" in html
    assert f'<noscript><p><a href="{url}">' in html


def test_only_the_uploader_opens_a_job_another_units_officer_gets_404(org, login, monkeypatch):
    queued(monkeypatch)
    hours_job = start_hours(org.admin_a, slip([slip_row(org.vol_a)]))
    cert_job = start_certificates(org.admin_a, certificates([certificate_row(org.vol_a, "Q-1")]))
    urls = [reverse("operations:hours_import_status", args=[hours_job.pk]),
            reverse("operations:certificate_import_status", args=[cert_job.pk])]
    missing = [reverse("operations:hours_import_status", args=[hours_job.pk + 1000]),
               reverse("operations:certificate_import_status", args=[cert_job.pk + 1000])]
    assert [login(org.admin_a).get(u).status_code for u in urls] == [200, 200]
    for user in (org.admin_b, org.officer_root, org.sysadmin):
        client = Client()
        client.force_login(user)
        assert [client.get(u).status_code for u in urls + missing] == [404] * 4, user
        assert client.get(urls[0], {"format": "json"}).status_code == 404
    team_leader = Client()
    team_leader.force_login(org.leader_a)  # may import certificates, not hour slips
    assert team_leader.get(urls[0]).status_code == 403 and team_leader.get(urls[1]).status_code == 404
    nobody = Client()
    nobody.force_login(org.nobody)
    assert [nobody.get(u).status_code for u in urls] == [403, 403]


def test_a_team_leader_may_not_start_an_hour_slip_job(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_hours(org.leader_a, slip([slip_row(org.vol_a)]))
    assert not HourImport.objects.exists()


# --- A real worker (CI: Redis) -------------------------------------------------------------------------

@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_an_hour_slip_and_a_certificate_file_are_imported_by_the_worker(celery_worker, org, client):
    client.force_login(org.admin_a)
    response = client.post(reverse("operations:hours_import"),
                           {"file": SimpleUploadedFile("h.csv", slip([slip_row(org.vol_a)]))})
    assert response.status_code == 302
    job = wait_for(lambda: HourImport.objects.filter(status=ImportStatus.DONE).first())
    assert job.created_records == 1 and ServiceRecord.objects.filter(hour_import=job).count() == 1
    response = client.post(reverse("operations:certificate_import"),
                           {"file": SimpleUploadedFile("c.csv", certificates([certificate_row(org.vol_a, "W-1")]))})
    assert response.status_code == 302
    job = wait_for(lambda: CertificateImport.objects.filter(status=ImportStatus.DONE).first())
    assert job.created_certificates == 1 and TrainingCertificate.objects.filter(number="W-1").exists()
    assert client.get(response["Location"], {"format": "json"}).json()["percent"] == 100


def test_an_upload_in_english_gets_its_problems_and_page_in_english(org, login, monkeypatch):
    run_on_commit_at_once(monkeypatch)
    client = login(org.admin_a)
    response = client.post("/en" + reverse("operations:certificate_import"),
                           {"file": SimpleUploadedFile("c.csv", certificates([certificate_row(org.vol_c, "E-9")]))})
    job = CertificateImport.objects.get()
    assert response.status_code == 302 and job.language == "en" and job.status == ImportStatus.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and "No volunteer with this document number" in page
    assert not CJK_RE.search(job.errors[0]["messages"][0])
