"""The private calendar-feed link can be renewed from the volunteer zone: after a confirmation the old
link stops working, the new one works, and the renewal is audited."""
from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from operations.models import AuditAction, AuditEvent
from operations.services.signups import signup_create

from ..conftest import assert_chinese
from .journey_support import build_event, run_on_commit_at_once, volunteer_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    run_on_commit_at_once(monkeypatch)


def feed_path(client) -> str:
    return client.get("/volunteer/").context["calendar_url"].split("testserver", 1)[1]


def test_renewing_the_calendar_link_stops_the_old_one(client):
    event = build_event()
    ming = volunteer_with_account(email="ming@example.com")
    signup_create(volunteer=ming, shift=event.morning)
    client.force_login(ming.user)
    old = feed_path(client)
    assert client.get(old).status_code == 200

    confirm = client.get("/volunteer/calendar/renew/")
    assert confirm.status_code == 200
    assert_chinese(confirm.content.decode())
    assert client.get(old).status_code == 200  # asking is not renewing

    response = client.post("/volunteer/calendar/renew/", follow=True)
    assert response.redirect_chain[-1][0] == "/volunteer/"
    assert _("Your calendar link has been renewed. The old link no longer works; subscribe again with the new "
             "one.") in response.content.decode()
    new = feed_path(client)
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    feed = client.get(new)
    assert feed.status_code == 200 and feed.content.decode().count("BEGIN:VEVENT") == 1
    event_row = AuditEvent.objects.get(action=AuditAction.UPDATED, object_id=str(ming.pk))
    assert event_row.changes == {"calendar_link": ["", "renewed"]} and event_row.actor == ming.user

    # Renewing again retires the second link too.
    client.force_login(ming.user)
    client.post("/volunteer/calendar/renew/")
    client.logout()
    assert client.get(new).status_code == 404


def test_renewal_needs_a_logged_in_volunteer(client):
    response = client.post("/volunteer/calendar/renew/")
    assert response.status_code == 302 and "/volunteer/login/" in response["Location"]
