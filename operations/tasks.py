"""Celery tasks: thin, take ids, call services or send mail."""
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_role_granted_email(self, grant_id: int) -> bool:
    from .models import RoleGrant

    grant = RoleGrant.objects.select_related("user", "node").filter(pk=grant_id).first()
    if grant is None or not grant.user.email:
        return False
    with translation.override(grant.user.preferred_language or settings.LANGUAGE_CODE):
        context = {"grant": grant, "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/role_granted_subject.txt", context).strip()
        body = render_to_string("operations/email/role_granted.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [grant.user.email])
    except OSError as exc:  # SMTP trouble: try again later
        raise self.retry(exc=exc) from exc
    return True
