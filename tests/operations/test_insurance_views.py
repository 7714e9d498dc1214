"""The insurance pages over HTTP: a policy recorded through the form (a fake PDF refused with a message,
nothing written), people insured by identity number (unknown numbers named, nothing written), a team
insured, the insured list on a date with the age-cap filter, the insurer's roster masked unless the
reveal permission asks for full numbers (audited), the uninsured on upcoming shifts, the sign-up review
flags, the volunteer zone's cover, both languages."""
from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from operations.models import AuditEvent, InsuranceCover, InsurancePolicy
from operations.services import insurance as svc
from tests.conftest import fresh
from tests.factories import RoleGrantFactory, minimal_pdf

from .journey_support import volunteer_with_account
from .test_backoffice_recruitment_setup import accept, make_shift, rec_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def policy_data(**extra):
    data = {"insurer": "國泰產險", "policy_number": "V-100", "kind": "accident",
            "starts_on": (TODAY - datetime.timedelta(days=10)).isoformat(),
            "ends_on": (TODAY + datetime.timedelta(days=355)).isoformat(),
            "death_disability_cover": "1000000", "medical_per_injury": "30000", "hospital_per_day": "2000",
            "premium": "250", "min_insured": "5", "age_cap": "75", "commuting_note": "往返途中一小時內", "notes": ""}
    data.update(extra)
    return data


def make_policy(org, **extra) -> InsurancePolicy:
    fields = policy_data(**extra)
    node = fields.pop("node", org.unit_a)
    for key in ("starts_on", "ends_on"):
        fields[key] = datetime.date.fromisoformat(fields[key])
    for key in ("death_disability_cover", "medical_per_injury", "hospital_per_day", "premium", "min_insured",
                "age_cap"):
        fields[key] = int(fields[key])
    return svc.policy_create(actor=None, node=node, **fields)


def test_policy_form_refuses_a_fake_pdf_then_records_the_policy(org, login):
    client = login(fresh(org.admin_a))
    url = reverse("operations:insurance_policy_create")
    fake = SimpleUploadedFile("policy.pdf", b"<html>%PDF</html>", content_type="application/pdf")
    response = client.post(url, {**policy_data(node=org.unit_a.pk), "document": fake})
    assert response.status_code == 200
    assert "PDF" in response.content.decode()
    assert not InsurancePolicy.objects.exists()
    response = client.post(url, {**policy_data(node=org.unit_a.pk, ends_on="2000-01-01")})
    assert response.status_code == 200 and not InsurancePolicy.objects.exists()
    real = SimpleUploadedFile("policy.pdf", minimal_pdf(), content_type="application/pdf")
    response = client.post(url, {**policy_data(node=org.unit_a.pk), "document": real})
    policy = InsurancePolicy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("operations:insurance_policy_detail",
                                                                           args=[policy.pk])
    assert policy.age_cap == 75 and policy.document
    assert client.get(reverse("operations:insurance_policy_document", args=[policy.pk])).status_code == 200
    # a unit administrator cannot take a policy out for another unit: the choice is not offered
    response = client.post(url, policy_data(node=org.unit_b.pk, policy_number="V-200"))
    assert response.status_code == 200 and InsurancePolicy.objects.count() == 1


def test_insure_people_by_id_number_all_or_nothing(org, login):
    policy = make_policy(org)
    client = login(fresh(org.admin_a))
    url = reverse("operations:insurance_cover_people", args=[policy.pk])
    response = client.post(url, {"id_numbers": f"{org.vol_a.id_number}\nA999999999"})
    assert response.status_code == 200 and "A999999999" in response.content.decode()
    assert not InsuranceCover.objects.exists()
    response = client.post(url, {"id_numbers": f"{org.vol_a.id_number}, {org.vol_sub_a.id_number.lower()}"})
    assert response.status_code == 302
    assert set(InsuranceCover.objects.values_list("volunteer_id", flat=True)) == {org.vol_a.pk, org.vol_sub_a.pk}
    # the same again (a double click): nothing new
    client.post(url, {"id_numbers": f"{org.vol_a.id_number}, {org.vol_sub_a.id_number}"})
    assert InsuranceCover.objects.count() == 2
    detail = client.get(reverse("operations:insurance_policy_detail", args=[policy.pk])).content.decode()
    assert org.vol_a.name in detail and org.vol_a.id_number not in detail  # masked


def test_team_cover_and_insured_list_with_age_cap_filter(org, login):
    policy = make_policy(org, age_cap="60")
    client = login(fresh(org.admin_a))
    response = client.post(reverse("operations:insurance_cover_node", args=[policy.pk]), {"node": org.team_a.pk, "node_scope": "members"})
    assert response.status_code == 302
    url = reverse("operations:insurance_insured", args=[policy.pk])
    html = client.get(url, {"day": TODAY.isoformat()}).content.decode()
    assert org.vol_a.name in html and org.vol_sub_a.name in html and org.vol_b.name not in html
    html = client.get(url, {"day": TODAY.isoformat(), "over_cap": "on"}).content.decode()
    assert org.vol_sub_a.name in html and org.vol_a.name not in html  # born 1958: over 60
    # a bad date is a form error, not a server error
    assert client.get(url, {"day": "2025-13-45"}).status_code == 200


def test_insurer_roster_export_masked_or_full_and_audited(org, login):
    policy = make_policy(org)
    svc.cover_add_node(actor=None, policy=policy, node=org.team_a)
    url = reverse("operations:insurance_insured_export", args=[policy.pk, "csv"])
    client = login(fresh(org.admin_a))
    masked = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert org.vol_a.name in masked and org.vol_a.id_number not in masked
    full = b"".join(client.get(url, {"ids": "full"}).streaming_content).decode("utf-8-sig")
    assert org.vol_a.id_number in full
    assert AuditEvent.objects.filter(action="exported").count() == 2
    assert AuditEvent.objects.filter(action="exported", changes__what="insurer roster").count() == 2
    # what insurers ask for and nothing more: name, sex, date of birth, identity number
    header, *rows = [line.split(",") for line in full.strip().splitlines()]
    assert len(header) == 4
    row = next(r for r in rows if r[0] == org.vol_a.name)
    assert row[2] == org.vol_a.birth_date.isoformat() and row[3] == org.vol_a.id_number
    assert org.vol_a.phone not in full and (not org.vol_a.email or org.vol_a.email not in full)


def test_uninsured_on_upcoming_shifts_list(org, rec, login):
    make_policy(org)
    shift = make_shift(rec.position, date=TODAY + datetime.timedelta(days=3))
    accept(org.vol_a, shift)
    client = login(fresh(org.admin_a))
    html = client.get(reverse("operations:insurance_uninsured")).content.decode()
    assert org.vol_a.name in html
    html = client.get(reverse("operations:insurance_uninsured"), {"days": "7"}).content.decode()
    assert org.vol_a.name in html
    # unit B's administrator does not see unit A's volunteers
    assert org.vol_a.name not in login(fresh(org.admin_b)).get(reverse("operations:insurance_uninsured")).content.decode()
    # the sign-up review flags the same sign-up
    review = login(fresh(org.admin_a)).get(reverse("operations:signup_review"), {"status": "accepted"}).content.decode()
    assert "Not insured on the day" in review or "當日未投保" in review


def test_volunteer_zone_shows_the_current_cover(org, client):
    volunteer = volunteer_with_account(email="mei@example.org", team=org.team_a, joined_on=datetime.date(2024, 1, 1))
    client.force_login(volunteer.user)
    assert "國泰產險" not in client.get("/volunteer/").content.decode()
    policy = make_policy(org)
    svc.cover_add_node(actor=None, policy=policy, node=org.unit_a)
    html = client.get("/volunteer/").content.decode()
    assert "國泰產險" in html and org.unit_a.name in html
    html = client.get("/en/volunteer/").content.decode()
    assert "My insurance" in html


def test_a_venue_sees_the_joint_policy_above_it_read_only(org, login):
    make_policy(org, node=org.wmg, policy_number="JOINT-1")
    html = login(fresh(org.admin_a)).get(reverse("operations:insurance_policy_list")).content.decode()
    assert "JOINT-1" in html
    policy = InsurancePolicy.objects.get()
    assert login(fresh(org.admin_a)).get(reverse("operations:insurance_policy_detail", args=[policy.pk])).status_code == 404
    # unit B's administrator is under the same authority and sees it; unit C's part is not under it
    assert "JOINT-1" in login(fresh(org.admin_b)).get(reverse("operations:insurance_policy_list")).content.decode()
    RoleGrantFactory(user=org.users["nobody"], node=org.unit_c)
    assert "JOINT-1" not in login(fresh(org.users["nobody"])).get(
        reverse("operations:insurance_policy_list")).content.decode()
