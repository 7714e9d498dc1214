"""Celery tasks of the public site: thin, take ids and call a service."""
from __future__ import annotations

from celery import shared_task

from .newsletter import newsletter_notify_confirm, newsletter_notify_welcome


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_newsletter_confirmation(self, subscriber_id: int) -> bool:
    return newsletter_notify_confirm(subscriber_id=subscriber_id, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_newsletter_welcome(self, subscriber_id: int) -> bool:
    return newsletter_notify_welcome(subscriber_id=subscriber_id, task=self)


@shared_task
def publish_scheduled_pages() -> None:
    """Publish pages whose scheduled time has come (Celery beat runs this every minute)."""
    from django.core.management import call_command

    call_command("publish_scheduled")
