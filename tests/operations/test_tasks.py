"""Celery tasks. With CELERY_BROKER_URL set (CI: Redis) these run on a real in-process worker; without it
the settings make tasks run inline, and the same tests must pass."""
import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from operations.models import Role
from operations.services.people import grant_create
from operations.tasks import send_role_granted_email
from tests.conftest import fresh, wait_for
from tests.factories import UserFactory


@pytest.mark.celery
def test_granting_a_role_emails_the_user_through_the_task(org, transactional_db, celery_worker, login):
    UserFactory(username="new_leader", display_name="林隊長", email="leader@example.org",
                preferred_language="zh-hant")
    english = UserFactory(username="new_sub", display_name="Ms Lee", email="sub@example.org",
                          preferred_language="en")
    mail.outbox.clear()
    # a real worker when a broker is configured, inline tasks otherwise
    assert (celery_worker is not None) == bool(settings.CELERY_BROKER_URL) != settings.CELERY_TASK_ALWAYS_EAGER

    client = login(org.admin_a)
    response = client.post(f"/backoffice/organisations/{org.team_a.pk}/",
                           {"username": "new_leader", "role": Role.TEAM_LEADER})
    assert response.status_code == 302
    grant_create(actor=fresh(org.admin_a), user=english, node=org.sub_a, role=Role.SUBTEAM_LEADER)

    wait_for(lambda: len(mail.outbox) >= 2, timeout=20)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"leader@example.org", "sub@example.org"}
    chinese, english_mail = by_recipient["leader@example.org"], by_recipient["sub@example.org"]
    assert "甲場館志工隊" in chinese.subject
    assert "林隊長" in chinese.body
    assert "/backoffice/" in chinese.body
    assert english_mail.subject == "You are now Sub-team leader of Venue A Squad 1"
    assert "Ms Lee" in english_mail.body
    assert english_mail.from_email == settings.DEFAULT_FROM_EMAIL


@pytest.mark.celery
def test_no_email_without_an_address_or_when_the_grant_is_rolled_back(org, transactional_db, celery_worker):
    silent = UserFactory(username="no_mail", email="")
    grant_create(actor=None, user=silent, node=org.team_b, role=Role.TEAM_LEADER)
    rolled_back = UserFactory(username="rolled_back", email="rolled@example.org")
    with pytest.raises(RuntimeError), transaction.atomic():
        grant_create(actor=None, user=rolled_back, node=org.team_c, role=Role.TEAM_LEADER)
        raise RuntimeError("the surrounding change failed")
    marker = UserFactory(username="marker", email="marker@example.org")
    grant_create(actor=None, user=marker, node=org.sub_b, role=Role.SUBTEAM_LEADER)
    # the last grant's e-mail arriving shows the worker has handled everything queued before it
    wait_for(lambda: any(m.to == ["marker@example.org"] for m in mail.outbox), timeout=20)
    assert [m.to for m in mail.outbox] == [["marker@example.org"]]
    assert not rolled_back.grants.exists()


def test_task_for_a_deleted_grant_does_nothing(db):
    assert send_role_granted_email.apply(args=[987654]).get() is False
    assert mail.outbox == []
