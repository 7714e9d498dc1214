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


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_unit_application_received_email(self, application_id: int) -> bool:
    from .models.applications import UnitApplication

    application = UnitApplication.objects.filter(pk=application_id).first()
    if application is None:
        return False
    with translation.override(application.submitted_language or settings.LANGUAGE_CODE):
        context = {"application": application, "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/unit_application_received_subject.txt", context).strip()
        body = render_to_string("operations/email/unit_application_received.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [application.contact_email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc
    return True


SIGNUP_EVENTS = {"accepted", "waitlisted", "applied", "rejected", "cancelled", "promoted", "demoted"}


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_signup_notification(self, signup_id: int, event: str) -> bool:
    """Tell a volunteer what happened to their sign-up, in their language."""
    from .models import Signup

    if event not in SIGNUP_EVENTS:
        return False
    signup = (
        Signup.objects.select_related("volunteer__user", "shift__position__campaign", "shift__position__venue")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None or not signup.volunteer.email:
        return False
    user = signup.volunteer.user
    language = (user.preferred_language if user else None) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"signup": signup, "event": event, "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/signup_subject.txt", context).strip()
        body = render_to_string("operations/email/signup.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [signup.volunteer.email])
    except OSError as exc:
        raise self.retry(exc=exc) from exc
    return True
