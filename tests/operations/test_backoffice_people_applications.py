"""Applications to become a unit, reviewed by an authority officer in scope: approving creates the unit
under the chosen authority with its first administrator (unit_admin grant) and e-mails a set-password
link; rejecting needs a reason and e-mails the applicant. Both are audited; a decided application
cannot be decided again."""
from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from operations.models import (
    ApplicationStatus,
    AuditAction,
    AuditEvent,
    OrgKind,
    OrgNode,
    Role,
    RoleGrant,
    UnitApplication,
    User,
)
from operations.services.unit_applications import (
    unit_application_approve,
    unit_application_reject,
    unit_application_submit,
)
from tests.conftest import fresh, wait_for


def submit(org, **overrides):
    fields = dict(
        organisation_name="大安社區關懷協會", organisation_name_en="Da'an Community Care Association",
        category="social_welfare", registration_type="registered", registration_number="北市社團字第5678號",
        purpose_authority=org.wmg, city="taipei", district="大安區", address="和平東路1號",
        contact_person="陳會長", contact_phone="02-2700-0000", contact_email="chair@daan.example.org",
        service_summary="社區長者關懷訪視", submitted_language="zh-hant",
    )
    fields.update(overrides)
    application = unit_application_submit(**fields)
    mail.outbox.clear()
    return application


def test_officer_approves_unit_admin_account_and_set_password_link(org, login, client,
                                                                   django_capture_on_commit_callbacks):
    application = submit(org)
    officer = login(org.officer_wmg)
    queue = officer.get("/backoffice/unit-applications/")
    assert [a.pk for a in queue.context["table"].data] == [application.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(f"/backoffice/unit-applications/{application.pk}/",
                                {"action": "approve", "purpose_authority": org.wmg.pk, "code": "daan-care"})
    assert response.status_code == 302
    application.refresh_from_db()
    unit = OrgNode.objects.get(code="daan-care")
    assert application.status == ApplicationStatus.APPROVED and application.created_unit == unit
    assert unit.kind == OrgKind.UNIT and unit.get_parent() == org.wmg
    assert unit.registration_number == "北市社團字第5678號" and unit.email == "chair@daan.example.org"
    grant = RoleGrant.objects.get(node=unit)
    assert grant.role == Role.UNIT_ADMIN and grant.user.email == "chair@daan.example.org"
    assert not grant.user.has_usable_password()
    assert AuditEvent.objects.filter(object_type="operations.unitapplication", object_id=str(application.pk),
                                     changes__status=["pending", "approved"]).exists()
    # the e-mail carries a one-time link that sets the password
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["chair@daan.example.org"]
    link = re.search(r"https?://\S+/set-password/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    form_page = client.get("/" + path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
                       {"new_password1": "Taipei-Volunteer-2025!", "new_password2": "Taipei-Volunteer-2025!"})
    assert done.status_code == 302
    assert User.objects.get(pk=grant.user.pk).check_password("Taipei-Volunteer-2025!")
    # the same link cannot be used twice
    again = client.get("/" + path, follow=True)
    assert not again.context["validlink"]


def test_the_new_admin_then_manages_the_new_unit(org, login):
    application = submit(org)
    unit_application_approve(actor=fresh(org.officer_wmg), application=application, purpose_authority=org.wmg)
    unit = fresh_app(application).created_unit
    client = login(RoleGrant.objects.get(node=unit).user)
    assert client.get(f"/backoffice/units/{unit.pk}/edit/").status_code == 200
    assert client.get(f"/backoffice/units/{org.unit_a.pk}/").status_code == 404


def fresh_app(application):
    return UnitApplication.objects.get(pk=application.pk)


def test_reject_needs_a_reason_and_emails_the_applicant(org, login, django_capture_on_commit_callbacks):
    application = submit(org)
    officer = login(org.officer_wmg)
    refused = officer.post(f"/backoffice/unit-applications/{application.pk}/", {"action": "reject", "reason": ""})
    assert refused.status_code == 400 and refused.context["reject_form"].errors["reason"]
    assert fresh_app(application).status == ApplicationStatus.PENDING and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(f"/backoffice/unit-applications/{application.pk}/",
                                {"action": "reject", "reason": "立案證書影本不清楚，請重新上傳。"})
    assert response.status_code == 302
    decided = fresh_app(application)
    assert decided.status == ApplicationStatus.REJECTED and decided.decided_by == org.officer_wmg
    assert len(mail.outbox) == 1 and "立案證書影本不清楚" in mail.outbox[0].body
    assert mail.outbox[0].to == ["chair@daan.example.org"]
    assert AuditEvent.objects.filter(action=AuditAction.UPDATED, reason__startswith="立案證書").exists()
    assert not OrgNode.objects.filter(name="大安社區關懷協會").exists()


def test_a_decided_application_cannot_be_decided_again(org):
    application = submit(org)
    unit_application_reject(actor=fresh(org.officer_wmg), application=application, reason="資料不齊全，請補件")
    with pytest.raises(ValidationError):
        unit_application_approve(actor=fresh(org.officer_wmg), application=application, purpose_authority=org.wmg)
    assert not OrgNode.objects.filter(name="大安社區關懷協會").exists()


def test_a_duplicate_unit_code_refuses_and_creates_nothing(org, login):
    application = submit(org)
    users_before = User.objects.count()
    response = login(org.officer_wmg).post(f"/backoffice/unit-applications/{application.pk}/",
                                           {"action": "approve", "purpose_authority": org.wmg.pk, "code": "venue-a"})
    assert response.status_code == 400 and response.context["form"].errors
    assert fresh_app(application).status == ApplicationStatus.PENDING
    assert User.objects.count() == users_before and not mail.outbox


def test_officers_see_and_decide_only_applications_in_their_scope(org, login):
    inside = submit(org)
    outside = submit(org, purpose_authority=org.root, contact_email="other@example.org")
    officer = login(org.officer_wmg)
    assert [a.pk for a in officer.get("/backoffice/unit-applications/").context["table"].data] == [inside.pk]
    assert officer.get(f"/backoffice/unit-applications/{outside.pk}/").status_code == 404
    # the authority offered for approval is limited to the officer's part of the tree
    form = officer.get(f"/backoffice/unit-applications/{inside.pk}/").context["form"]
    assert set(form.fields["purpose_authority"].queryset) == {org.wmg}
    assert login(org.officer_root).get(f"/backoffice/unit-applications/{outside.pk}/").status_code == 200
    assert login(org.admin_a).get("/backoffice/unit-applications/").status_code == 403


def test_existing_account_with_the_same_email_receives_the_grant(org):
    existing = User.objects.create_user("chair", email="chair@daan.example.org", password="x-Long-Password-1")
    application = submit(org)
    unit_application_approve(actor=fresh(org.officer_wmg), application=application, purpose_authority=org.wmg)
    assert RoleGrant.objects.get(node=fresh_app(application).created_unit).user == existing
    assert User.objects.get(pk=existing.pk).check_password("x-Long-Password-1")


@pytest.mark.celery
def test_approval_email_leaves_after_commit(org, celery_worker):
    """Both mails go through the outbox to the worker after their commits: the "received" one of the
    submission and the approval with its set-password link, each exactly once."""
    application = submit(org)
    unit_application_approve(actor=None, application=application, purpose_authority=org.wmg)
    wait_for(lambda: any("set-password" in m.body for m in mail.outbox))
    time.sleep(0.5)  # a duplicate would arrive about as fast
    assert len([m for m in mail.outbox if "set-password" in m.body]) == 1
    assert all(m.to == ["chair@daan.example.org"] for m in mail.outbox)
