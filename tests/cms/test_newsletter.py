"""訂閱電子報: double opt-in and one-click unsubscribe, e-mails through Celery (a real worker when
CELERY_BROKER_URL is set)."""
import re

import pytest
from django.core import mail
from django.utils import translation

from cms.models import NewsletterSubscriber, SubscriberStatus
from tests.conftest import wait_for

LINK = re.compile(r"https?://\S+/newsletter/(confirm|unsubscribe)/(\S+)/")


def _link(message, kind):
    for match in LINK.finditer(message.body):
        if match.group(1) == kind:
            return match.group(0).split("://", 1)[1].split("/", 1)[1]
    raise AssertionError(f"no {kind} link in {message.body!r}")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_double_opt_in_and_one_click_unsubscribe(client):
    response = client.post("/newsletter/", {"email": "reader@example.org", "consent": "on"})
    assert response.status_code == 200
    subscriber = NewsletterSubscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    wait_for(lambda: len(mail.outbox) >= 1) if not _eager() else None
    message = _outbox_for("reader@example.org")[0]
    with translation.override("zh-hant"):
        assert message.subject == translation.gettext("Please confirm your newsletter subscription")

    confirm = "/" + _link(message, "confirm")
    assert "Confirm subscription" in client.get(confirm).content.decode() or "確認" in client.get(confirm).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING  # a GET (a mail scanner) does not confirm
    assert client.post(confirm).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED

    welcome = wait_for(lambda: [m for m in _outbox_for("reader@example.org") if "List-Unsubscribe" in m.extra_headers])[0]
    assert welcome.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = welcome.extra_headers["List-Unsubscribe"].strip("<>").split("://", 1)[1].split("/", 1)[1]
    # RFC 8058: the mail program POSTs without a CSRF token
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/" + unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def _eager():
    from django.conf import settings

    return settings.CELERY_TASK_ALWAYS_EAGER


def _outbox_for(address):
    return [m for m in mail.outbox if address in m.to]


@pytest.mark.django_db
def test_subscribing_twice_creates_one_row_and_bad_input_is_refused(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/newsletter/", {"email": "Twice@Example.org", "consent": "on"})
        client.post("/en/newsletter/", {"email": "twice@example.org", "consent": "on"})
    assert NewsletterSubscriber.objects.count() == 1
    assert NewsletterSubscriber.objects.get().language == "en"
    response = client.post("/en/newsletter/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "consent"}
    assert "Enter a valid email address." in response.content.decode()
    response = client.post("/newsletter/", {"email": "x@example.org"})
    assert "必要欄位" in response.content.decode()
    assert NewsletterSubscriber.objects.count() == 1


@pytest.mark.django_db
def test_unknown_or_used_tokens(client):
    assert client.post("/newsletter/confirm/nonsense/").status_code == 404
    assert client.post("/newsletter/unsubscribe/nonsense/").status_code == 404
