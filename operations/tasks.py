"""Celery tasks: thin, take ids, call services or send mail."""
from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .effects import effect_once, send_mail_once, task_event_key
from .outbox import enqueue


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
    return send_mail_once(self, subject, body, [grant.user.email])


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
    return send_mail_once(self, subject, body, [application.contact_email])


SIGNUP_EVENTS = {"accepted", "waitlisted", "applied", "rejected", "cancelled", "promoted", "demoted",
                 "skipped_overlap"}


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
    if user is not None and not user.notify_by_email:
        return False
    language = (user.preferred_language if user else None) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"signup": signup, "event": event, "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/signup_subject.txt", context).strip()
        body = render_to_string("operations/email/signup.txt", context)
    # "Passed over because you hold an overlapping seat" may recur at every freed seat: told once per sign-up.
    key = task_event_key(self, signup_id, event) if event == "skipped_overlap" else None
    return send_mail_once(self, subject, body, [signup.volunteer.email], key=key)


# --- Volunteer journey: account e-mails, day-before reminders, group rosters ------------------------

ACCOUNT_EMAILS = {"confirm_email", "account_hint", "account_hint_reset", "password_reset", "registration_attempt"}


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_account_email(self, user_id: int | None, kind: str) -> bool:
    """Registration confirmation, forgot-account hint (optionally with a password link), password link,
    "someone tried to register with your details". Sent only to the address registered on the account, in
    the account's language. `user_id` None (forgot account/password without a match) sends nothing: the
    forms queue the task either way so that both answers cost the same."""
    from django.urls import reverse

    from .models import User
    from .services.accounts import email_confirmation_path, password_reset_path

    if user_id is None:
        return False
    user = User.objects.select_related("volunteer").filter(pk=user_id).first()
    if user is None or kind not in ACCOUNT_EMAILS:
        return False
    volunteer = getattr(user, "volunteer", None)
    address = user.email or (volunteer.email if volunteer else "")
    if not address:
        return False
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"user": user, "volunteer": volunteer, "kind": kind, "site_url": settings.SITE_URL.rstrip("/")}
        if kind == "confirm_email":
            uid, token = email_confirmation_path(user)
            context["link"] = context["site_url"] + reverse("volunteer:confirm_email", args=[uid, token])
        if kind in ("password_reset", "account_hint_reset"):
            uid, token = password_reset_path(user)
            context["reset_link"] = context["site_url"] + reverse("volunteer:password_reset_confirm", args=[uid, token])
        if kind == "registration_attempt":
            context["login_link"] = context["site_url"] + reverse("volunteer:login")
            context["forgot_account_link"] = context["site_url"] + reverse("volunteer:forgot_account")
            context["forgot_password_link"] = context["site_url"] + reverse("volunteer:forgot_password")
        if kind.startswith("account_hint"):
            from .identity import mask_id_number

            context["account_hint"] = user.username  # sent only to the owner's registered mailbox
            context["masked_id"] = mask_id_number(volunteer.id_number) if volunteer else ""
        subject = render_to_string("operations/email/account_subject.txt", context).strip()
        body = render_to_string("operations/email/account.txt", context)
    return send_mail_once(self, subject, body, [address])


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_registration_notice(self, address: str, language: str) -> bool:
    """To an e-mail address typed in a registration whose identity document is already on file: the
    registration could not be completed; log in, recover the account, or register with the address the
    unit recorded (or with TaipeiPass). Same count of e-mails as a new registration, in the form's language."""
    from django.urls import reverse

    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        site_url = settings.SITE_URL.rstrip("/")
        context = {"kind": "registration_incomplete", "site_url": site_url,
                   "login_link": site_url + reverse("volunteer:login"),
                   "forgot_account_link": site_url + reverse("volunteer:forgot_account"),
                   "forgot_password_link": site_url + reverse("volunteer:forgot_password")}
        subject = render_to_string("operations/email/account_subject.txt", context).strip()
        body = render_to_string("operations/email/account.txt", context)
    return send_mail_once(self, subject, body, [address])


@shared_task(acks_late=True)
def send_shift_reminders(day: str | None = None) -> int:
    """Celery beat, daily: queue a reminder for every accepted sign-up of tomorrow's shifts (or `day`)."""
    import datetime

    from django.utils import timezone

    from .models import Signup, SignupStatus

    target = datetime.date.fromisoformat(day) if day else timezone.localdate() + datetime.timedelta(days=1)
    ids = list(
        Signup.objects.filter(shift__date=target, status=SignupStatus.ACCEPTED)
        .exclude(volunteer__email="")
        .exclude(volunteer__user__notify_reminders=False)
        .values_list("id", flat=True)
    )
    for signup_id in ids:
        enqueue(send_shift_reminder, signup_id)
    return len(ids)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_shift_reminder(self, signup_id: int) -> bool:
    from .models import Signup, SignupStatus

    signup = (
        Signup.objects.select_related("volunteer__user", "shift__position__campaign", "shift__position__venue")
        .filter(pk=signup_id, status=SignupStatus.ACCEPTED).first()
    )
    if signup is None or not signup.volunteer.email:
        return False
    user = signup.volunteer.user
    if user is not None and not user.notify_reminders:
        return False
    language = (user.preferred_language if user else None) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"signup": signup, "event": "reminder", "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/signup_subject.txt", context).strip()
        body = render_to_string("operations/email/signup.txt", context)
    return send_mail_once(self, subject, body, [signup.volunteer.email],
                          key=task_event_key(self, signup_id, signup.shift.date))


@shared_task(acks_late=True)
def roster_import_run(import_id: int) -> str:
    from .models import RosterImport

    if RosterImport.objects.filter(pk=import_id, team__isnull=False).exists():  # an import into a team
        from .services.teams import team_roster_import_run as run
    else:
        from .services.rosters import roster_import_run as run

    return run(job_id=import_id).status


@shared_task(acks_late=True)
def team_roster_import_run(import_id: int) -> str:
    """Back-office: check a roster uploaded into a team and import all of it or none of it."""
    from .services.teams import team_roster_import_run as run

    return run(job_id=import_id).status


@shared_task(acks_late=True)
def fail_stuck_roster_imports() -> int:
    """Beat: imports waiting or checking for longer than ROSTER_IMPORT_TIMEOUT_MINUTES are marked failed."""
    from .services.rosters import roster_imports_fail_stuck

    return roster_imports_fail_stuck()


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_roster_result(self, import_id: int) -> bool:
    from .models import RosterImport

    job = RosterImport.objects.select_related("created_by").filter(pk=import_id).first()
    if job is None or not job.created_by.email:
        return False
    with translation.override(job.language or settings.LANGUAGE_CODE):
        context = {"job": job, "site_url": settings.SITE_URL}
        subject = render_to_string("operations/email/roster_subject.txt", context).strip()
        body = render_to_string("operations/email/roster.txt", context)
    return send_mail_once(self, subject, body, [job.created_by.email])


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_roster_member_emails(self, import_id: int, volunteer_ids: list[int]) -> int:
    """One batch of a group roster's people: each is told, in their language, that the group signed them
    up, for which shifts and with which status. One connection for the batch; on a mail-server failure
    only the people not yet written to are retried."""
    from django.core.mail import EmailMessage, get_connection

    from .models import RosterImport, Signup, SignupStatus, Volunteer

    job = RosterImport.objects.select_related("created_by").filter(pk=import_id, team__isnull=True).first()
    if job is None:
        return 0
    representative = getattr(job.created_by, "volunteer", None)
    representative = representative.name if representative is not None else str(job.created_by)
    shift_ids = list(job.shifts.values_list("pk", flat=True))
    volunteers = {v.pk: v for v in Volunteer.objects.select_related("user").filter(pk__in=volunteer_ids)
                  .exclude(email="")}
    signups: dict[int, list] = {}
    for signup in (
        Signup.objects.filter(volunteer_id__in=list(volunteers), shift_id__in=shift_ids)
        .exclude(status__in=[SignupStatus.CANCELLED, SignupStatus.REJECTED])
        .select_related("shift__position__campaign", "shift__position__venue")
        .order_by("shift__date", "shift__start_time", "shift_id")
    ):
        signups.setdefault(signup.volunteer_id, []).append(signup)
    sent = 0
    pending = [pk for pk in volunteer_ids if pk in volunteers and signups.get(pk)]
    connection = get_connection()
    try:
        connection.open()
        for index, pk in enumerate(pending):
            volunteer = volunteers[pk]
            user = volunteer.user
            if user is not None and not user.notify_by_email:
                continue
            with translation.override((user.preferred_language if user else None) or settings.LANGUAGE_CODE):
                context = {"job": job, "volunteer": volunteer, "has_account": user is not None,
                           "signups": signups[pk], "representative": representative,
                           "site_url": settings.SITE_URL.rstrip("/")}
                subject = render_to_string("operations/email/roster_member_subject.txt", context).strip()
                body = render_to_string("operations/email/roster_member.txt", context)
            with effect_once(task_event_key(self, import_id, pk), task_name=self.name) as first:
                if not first:  # told already (a redelivered or retried batch)
                    continue
                try:
                    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [volunteer.email],
                                 connection=connection).send()
                except OSError as exc:
                    raise self.retry(exc=exc, args=(import_id, pending[index:])) from exc
            sent += 1
    finally:
        connection.close()
    return sent


@shared_task(acks_late=True)
def flag_missing_checkouts() -> int:
    """Every morning: flag attendances of earlier days that checked in but never checked out."""
    import datetime

    from django.utils import timezone

    from .services.attendance import attendance_flag_missing_checkouts

    return attendance_flag_missing_checkouts(day=timezone.localdate() - datetime.timedelta(days=1))


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_unit_application_decision_email(self, application_id: int, decision: str, user_id: int | None = None) -> bool:
    """The decision on an application to become a unit: "approved" (to the new unit administrator, with
    the set-password link) or "rejected" (to the applicant, with the reason)."""
    from .models import UnitApplication, User
    from .services.unit_applications import set_password_link

    application = UnitApplication.objects.filter(pk=application_id).first()
    if application is None or decision not in ("approved", "rejected"):
        return False
    if decision == "approved":
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.email:
            return False
        address, language = user.email, user.preferred_language
        context = {"application": application, "user": user, "link": set_password_link(user),
                   "site_url": settings.SITE_URL}
    else:
        address, language = application.contact_email, application.submitted_language
        context = {"application": application, "reason": application.decision_reason, "site_url": settings.SITE_URL}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"operations/applications/email/{decision}_subject.txt", context).strip()
        body = render_to_string(f"operations/applications/email/{decision}.txt", context)
    return send_mail_once(self, subject, body, [address])


# --- Operations: the outbox ----------------------------------------------------------------------

@shared_task(ignore_result=True)
def drain_outbox() -> dict:
    """Celery beat: publish outbox messages whose after-commit publication failed (broker away)."""
    from .outbox import drain

    return drain()


@shared_task(ignore_result=True)
def purge_outbox() -> dict:
    """Celery beat, nightly: delete published outbox messages and sent-log rows past their retention."""
    from .outbox import purge

    return purge()


@shared_task(acks_late=True)
def check_signup_invariants() -> int:
    """Every night: check the seat invariants of all shifts; any finding is logged at ERROR and mailed to
    the administrators (nothing is repaired automatically: `manage.py check_signup_invariants --repair`)."""
    from .services.seat_invariants import seat_invariants_check

    findings, _repaired = seat_invariants_check(repair=False, alert=True)
    return len(findings)


@shared_task(acks_late=True)
def purge_submission_keys() -> int:
    """Every night: forget the one-time form keys older than two days."""
    from .services.submissions import submission_keys_purge

    return submission_keys_purge()
