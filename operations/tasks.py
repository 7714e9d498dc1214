"""Celery tasks: thin, take ids and call a service. E-mail goes out through `operations.mail` (the
services decide what to send, to whom and in which language); `task=self` makes it exactly once per
event and retries it on SMTP trouble."""
from celery import shared_task


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_role_granted_email(self, grant_id: int) -> bool:
    from .services.people import grant_notify

    return grant_notify(grant_id=grant_id, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_unit_application_received_email(self, application_id: int) -> bool:
    from .services.unit_applications import unit_application_notify_received

    return unit_application_notify_received(application_id=application_id, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_signup_notification(self, signup_id: int, event: str) -> bool:
    """Tell a volunteer what happened to their sign-up, in their language."""
    from .services.signups import signup_notify

    return signup_notify(signup_id=signup_id, event=event, task=self)


# --- Volunteer journey: account e-mails, day-before reminders, group rosters ------------------------

@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_account_email(self, user_id: int | None, kind: str) -> bool:
    """Registration confirmation, forgot-account hint, password link, "someone tried to register with your
    details" (`services.accounts.account_notify`). `user_id` None sends nothing: the forms queue the task
    either way so that both answers cost the same."""
    from .services.accounts import account_notify

    return account_notify(user_id=user_id, kind=kind, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_registration_notice(self, address: str, language: str) -> bool:
    """A registration with this address could not be completed (`services.accounts.registration_notice_send`)."""
    from .services.accounts import registration_notice_send

    return registration_notice_send(address=address, language=language, task=self)


@shared_task(acks_late=True)
def send_shift_reminders(day: str | None = None) -> int:
    """Celery beat, daily: queue a reminder for every accepted sign-up of tomorrow's shifts (or `day`)."""
    import datetime

    from .services.signups import shift_reminders_queue

    return shift_reminders_queue(day=datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_shift_reminder(self, signup_id: int) -> bool:
    from .services.signups import signup_remind

    return signup_remind(signup_id=signup_id, task=self)


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
def hours_import_run(import_id: int) -> str:
    """Back-office: check an uploaded hour slip and import all of it or none of it."""
    from .services.hours import hours_import_run as run

    return run(job_id=import_id).status


@shared_task(acks_late=True)
def certificates_import_run(import_id: int) -> str:
    """Back-office: check an uploaded list of certificates and import all of it or none of it."""
    from .services.training import certificates_import_run as run

    return run(job_id=import_id).status


@shared_task(acks_late=True)
def fail_stuck_roster_imports() -> int:
    """Beat: imports of every kind (rosters, hour slips, certificates) waiting or checking for longer than
    ROSTER_IMPORT_TIMEOUT_MINUTES are marked failed."""
    from .services.rosters import roster_imports_fail_stuck

    return roster_imports_fail_stuck()


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_roster_result(self, import_id: int) -> bool:
    from .services.rosters import roster_import_notify

    return roster_import_notify(import_id=import_id, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_roster_member_emails(self, import_id: int, volunteer_ids: list[int]) -> int:
    """One batch of a group roster's people (`services.rosters.roster_members_notify`); on a mail-server
    failure only the people not yet written to are retried."""
    from .services.rosters import roster_members_notify

    return roster_members_notify(import_id=import_id, volunteer_ids=volunteer_ids, task=self)


@shared_task(acks_late=True)
def flag_missing_checkouts() -> int:
    """Every morning: flag attendances of earlier days that checked in but never checked out."""
    import datetime

    from django.utils import timezone

    from .services.attendance import attendance_flag_missing_checkouts

    return attendance_flag_missing_checkouts(day=timezone.localdate() - datetime.timedelta(days=1))


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_unit_application_decision_email(self, application_id: int, decision: str, user_id: int | None = None) -> bool:
    """The decision on an application to become a unit ("approved" or "rejected")."""
    from .services.unit_applications import unit_application_notify_decision

    return unit_application_notify_decision(application_id=application_id, decision=decision, user_id=user_id,
                                            task=self)


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


@shared_task(acks_late=True)
def send_insurance_alerts(day: str | None = None) -> int:
    """Celery beat, daily: policy expiry alerts (30 and 7 days before) and the per-unit digest of accepted
    sign-ups without insurance."""
    import datetime

    from .services.insurance import insurance_alerts_queue

    return insurance_alerts_queue(today=datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_insurance_expiry_alert(self, policy_id: int, days: int) -> bool:
    from .services.insurance import insurance_expiry_alert_send

    return insurance_expiry_alert_send(policy_id=policy_id, days=days, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_uninsured_digest(self, unit_id: int, day: str) -> bool:
    from .services.insurance import insurance_uninsured_digest_send

    return insurance_uninsured_digest_send(unit_id=unit_id, day=day, task=self)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_review_email(self, review_id: int, version: int) -> int:
    """The e-mail of one review transition (to the next reviewers, or to the submitter)."""
    from .services.reviews import review_email_send

    return review_email_send(review_id=review_id, version=version, task=self)


@shared_task(acks_late=True)
def send_review_reminders(day: str | None = None) -> int:
    """Celery beat, daily: reminders of reviews on their chain's reminder day and of overdue reviews."""
    import datetime

    from .services.reviews import review_reminders_queue

    return review_reminders_queue(today=datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_review_reminder(self, review_id: int, day: str) -> bool:
    from .services.reviews import review_reminder_send

    return review_reminder_send(review_id=review_id, day=day, task=self)


@shared_task(acks_late=True)
def send_report_reminders(day: str | None = None) -> int:
    """Celery beat, daily: reminders of half-year and annual reports due soon or late."""
    import datetime

    from .services.reports import report_reminders_queue

    return report_reminders_queue(today=datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_report_reminder(self, unit_id: int, kind: str, year: int, half: int, day: str) -> int:
    from .services.reports import report_reminder_send

    return report_reminder_send(unit_id=unit_id, kind=kind, year=year, half=half, day=day, task=self)
# --- Personal-data rights (PDPA): decisions told to the person, due-date reminders, the retention job ---------

@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_privacy_request_result(self, request_id: int, address: str, language: str) -> bool:
    from .services.privacy import privacy_request_notify

    return privacy_request_notify(request_id=request_id, address=address, language=language, task=self)


@shared_task(acks_late=True)
def send_privacy_reminders(day: str | None = None) -> int:
    """Celery beat, daily: a digest of personal-data requests overdue or coming due to the competent authority."""
    import datetime

    from .services.privacy import privacy_reminders_queue

    return privacy_reminders_queue(today=datetime.date.fromisoformat(day) if day else None)


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_privacy_due_digest(self, day: str) -> bool:
    from .services.privacy import privacy_due_digest_send

    return privacy_due_digest_send(day=day, task=self)


@shared_task(acks_late=True)
def run_privacy_retention() -> int:
    """Celery beat, nightly: anonymise volunteers inactive beyond PRIVACY["RETENTION_YEARS"] (one batch)."""
    from .services.privacy import privacy_retention_run

    return privacy_retention_run(dry_run=False).anonymised


@shared_task(ignore_result=True)
def compact_kept_hours() -> int | None:
    """Celery beat, every ten minutes: fold the kept hours' delta rows (`UnitHoursMonth`) into one row per unit
    and month, so the reports read about one row per unit and month whatever was written since."""
    from .services.kept import unit_hours_compact

    return unit_hours_compact()
