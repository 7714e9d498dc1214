"""Newsletter services (public-site data, so they live beside the model in cms): double opt-in and
one-click unsubscribe. Writes are atomic; e-mails go out through Celery after the commit."""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from operations.mail import mail_language, send_templated_mail, site_link
from operations.outbox import enqueue

from .models import NewsletterSubscriber, SubscriberStatus, _token


@transaction.atomic
def newsletter_subscribe(*, email: str, language: str) -> NewsletterSubscriber:
    """Start (or restart) a subscription. A confirmed address stays confirmed and gets no mail, so the
    form never tells anyone whether an address is subscribed; a pending or unsubscribed one gets a new
    confirmation link. Submitting twice never creates a second row."""
    email = email.strip()
    subscriber = NewsletterSubscriber.objects.select_for_update().filter(email__iexact=email).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = NewsletterSubscriber.objects.create(email=email, language=language)
        except IntegrityError:  # the same address arrived twice at the same moment
            subscriber = NewsletterSubscriber.objects.select_for_update().get(email__iexact=email)
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return subscriber
    subscriber.status = SubscriberStatus.PENDING
    subscriber.language = language
    subscriber.confirm_token = _token()
    subscriber.confirmation_sent_at = timezone.now()
    subscriber.save(update_fields=["status", "language", "confirm_token", "confirmation_sent_at"])
    pk = subscriber.pk
    enqueue("cms.tasks.send_newsletter_confirmation", pk)
    return subscriber


@transaction.atomic
def newsletter_confirm(*, token: str) -> NewsletterSubscriber | None:
    subscriber = NewsletterSubscriber.objects.select_for_update().filter(confirm_token=token).first()
    if subscriber is None or subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return None
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return subscriber
    if subscriber.confirmation_expired():
        return None
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribe_token = _token()
    subscriber.save(update_fields=["status", "confirmed_at", "unsubscribe_token"])
    pk = subscriber.pk
    enqueue("cms.tasks.send_newsletter_welcome", pk)
    return subscriber


@transaction.atomic
def newsletter_unsubscribe(*, token: str) -> NewsletterSubscriber | None:
    subscriber = NewsletterSubscriber.objects.select_for_update().filter(unsubscribe_token=token).first()
    if subscriber is None:
        return None
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


# --- E-mail -----------------------------------------------------------------------------------------

def _newsletter_mail(subscriber: NewsletterSubscriber, template: str, *, task) -> bool:
    language = mail_language(subscriber.language)
    with translation.override(language):  # the links carry the subscriber's language
        context = {
            "subscriber": subscriber,
            "confirm_url": site_link(reverse("newsletter_confirm", args=[subscriber.confirm_token])),
            "unsubscribe_url": site_link(reverse("newsletter_unsubscribe", args=[subscriber.unsubscribe_token])),
            "site_url": settings.SITE_URL,
        }
    # Every newsletter mail but the confirmation request carries the RFC 8058 one-click unsubscribe:
    # mail programs POST "List-Unsubscribe=One-Click" to that address.
    unsubscribe = context["unsubscribe_url"] if template != "newsletter_confirm" else ""
    return send_templated_mail(template, context, subscriber.email, language, task=task,
                               unsubscribe_url=unsubscribe, one_click=True)


def newsletter_notify_confirm(*, subscriber_id: int, task=None) -> bool:
    """The double opt-in link, to a subscription still waiting for it."""
    subscriber = NewsletterSubscriber.objects.filter(pk=subscriber_id, status=SubscriberStatus.PENDING).first()
    if subscriber is None:
        return False
    return _newsletter_mail(subscriber, "newsletter_confirm", task=task)


def newsletter_notify_welcome(*, subscriber_id: int, task=None) -> bool:
    """The welcome, with the unsubscribe link, to a confirmed subscription."""
    subscriber = NewsletterSubscriber.objects.filter(pk=subscriber_id, status=SubscriberStatus.CONFIRMED).first()
    if subscriber is None:
        return False
    return _newsletter_mail(subscriber, "newsletter_welcome", task=task)
