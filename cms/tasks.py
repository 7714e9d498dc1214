"""Celery tasks of the public site: thin, take ids, send mail."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from operations.effects import effect_once, task_event_key

from .models import NewsletterSubscriber, SubscriberStatus


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(self, subscriber, template: str, extra: dict | None = None) -> bool:
    with translation.override(subscriber.language or settings.LANGUAGE_CODE):
        unsubscribe = _absolute(reverse("newsletter_unsubscribe", args=[subscriber.unsubscribe_token]))
        context = {
            "subscriber": subscriber,
            "confirm_url": _absolute(reverse("newsletter_confirm", args=[subscriber.confirm_token])),
            "unsubscribe_url": unsubscribe,
            "site_url": settings.SITE_URL,
            **(extra or {}),
        }
        subject = render_to_string(f"cms/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"cms/email/{template}.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscriber.email])
    if template != "newsletter_confirm":
        # RFC 8058 one-click unsubscribe: mail programs POST "List-Unsubscribe=One-Click" to this address.
        message.extra_headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with effect_once(task_event_key(self), task_name=self.name) as first:
        if not first:  # a redelivered task: the e-mail went out already
            return False
        try:
            message.send()
        except OSError as exc:  # SMTP trouble: try again later
            raise self.retry(exc=exc) from exc
    return True


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_newsletter_confirmation(self, subscriber_id: int) -> bool:
    subscriber = NewsletterSubscriber.objects.filter(pk=subscriber_id, status=SubscriberStatus.PENDING).first()
    if subscriber is None:
        return False
    return _send(self, subscriber, "newsletter_confirm")


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_newsletter_welcome(self, subscriber_id: int) -> bool:
    subscriber = NewsletterSubscriber.objects.filter(pk=subscriber_id, status=SubscriberStatus.CONFIRMED).first()
    if subscriber is None:
        return False
    return _send(self, subscriber, "newsletter_welcome")


@shared_task
def publish_scheduled_pages() -> None:
    """Publish pages whose scheduled time has come (Celery beat runs this every minute)."""
    from django.core.management import call_command

    call_command("publish_scheduled")
