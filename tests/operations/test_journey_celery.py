"""The volunteer journey's notifications and roster import through Celery. With CELERY_BROKER_URL set
(CI: Redis) a real in-process worker runs them; without it they run inline and the same tests pass."""
from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from operations.models import RosterImport, RosterStatus, SignupStatus
from operations.services.signups import signup_cancel, signup_create
from operations.tasks import send_shift_reminders
from tests.conftest import wait_for

from .journey_support import build_event, volunteer_with_account
from .test_journey_roster import csv_bytes, people

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_signup_promotion_and_reminder_emails_run_on_the_worker(celery_worker):
    event = build_event(headcount=1)
    first = volunteer_with_account(email="first@example.com")
    second = volunteer_with_account(email="second@example.com")
    second.user.preferred_language = "en"
    second.user.save()
    mail.outbox.clear()
    signup = signup_create(volunteer=first, shift=event.morning)
    assert signup_create(volunteer=second, shift=event.morning).status == SignupStatus.WAITLISTED
    wait_for(lambda: len(mail.outbox) >= 2)
    signup_cancel(signup=signup, actor=first.user)
    wait_for(lambda: len(mail.outbox) >= 4)
    to_second = [m for m in mail.outbox if m.to == ["second@example.com"]]
    assert any("seat became free" in m.subject for m in to_second), [m.subject for m in to_second]
    mail.outbox.clear()
    send_shift_reminders.delay(event.morning.date.isoformat())
    wait_for(lambda: len(mail.outbox) >= 1)
    assert mail.outbox[0].to == ["second@example.com"] and "tomorrow" in mail.outbox[0].subject.lower()


def test_roster_import_runs_on_the_worker(celery_worker, client, settings):
    settings.VOLUNTEER_ACCOUNTS = {**settings.VOLUNTEER_ACCOUNTS, "ROSTER_MIN_ROWS": 3}
    event = build_event(headcount=2)
    rep = volunteer_with_account(email="rep@example.com")
    client.force_login(rep.user)
    response = client.post("/volunteer/roster/", {"shift": [event.morning.pk],
                                                  "file": SimpleUploadedFile("g.csv", csv_bytes(people(4)))})
    assert response.status_code == 302
    job = wait_for(lambda: RosterImport.objects.filter(status=RosterStatus.DONE).first())
    assert (job.accepted, job.waitlisted) == (2, 2)
    wait_for(lambda: any(m.to == ["rep@example.com"] for m in mail.outbox))
