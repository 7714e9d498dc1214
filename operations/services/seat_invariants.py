"""The seat invariants over all shifts, checked (and repaired) outside the request path: by the
`check_signup_invariants` command and nightly by Celery beat, which alerts on any finding.

1. `accepted_count` equals the number of ACCEPTED sign-ups, and that number is not above the headcount;
2. in instant campaigns nobody waits while a seat is free for them (a shift that has not started yet, with a
   free seat and a waitlisted volunteer who holds no accepted overlapping seat).

On PostgreSQL the deferred constraint trigger makes (1) impossible for committed transactions; the check
still runs there, because the trigger can be disabled by a bulk load and (2) is not a row constraint."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..mail import send_templated_mail
from ..models import Shift, Signup, SignupMode, SignupStatus
from ..roles import Role
from . import seats
from .audit import audit_record
from .signups import SIGNUP_TRANSITIONS, _after_change, _notify, promote_waitlist

logger = logging.getLogger("operations.seats")


@dataclass(frozen=True)
class SeatFinding:
    shift_id: int
    kind: str  # "counter", "overbooked" or "stalled"
    detail: str

    def __str__(self):
        return f"shift {self.shift_id}: {self.kind} ({self.detail})"


def seat_invariant_findings() -> list[SeatFinding]:
    """Every shift that breaks an invariant (read-only)."""
    findings = []
    counted = (Shift.objects.annotate(accepted=Count("signups", filter=Q(signups__status=SignupStatus.ACCEPTED)))
               .filter(Q(accepted__gt=F("headcount")) | ~Q(accepted=F("accepted_count")))
               .values_list("pk", "accepted", "accepted_count", "headcount").order_by("pk"))
    for pk, accepted, counter, headcount in counted:
        detail = f"{accepted} accepted, counter {counter}, headcount {headcount}"
        if accepted != counter:
            findings.append(SeatFinding(pk, "counter", detail))
        if accepted > headcount:
            findings.append(SeatFinding(pk, "overbooked", detail))
    free_with_waiting = (Shift.objects.filter(position__campaign__signup_mode=SignupMode.INSTANT,
                                              date__gte=timezone.localdate(), accepted_count__lt=F("headcount"),
                                              signups__status=SignupStatus.WAITLISTED)
                         .distinct().order_by("pk"))
    for shift in free_with_waiting:
        waiting = list(Signup.objects.filter(shift=shift, status=SignupStatus.WAITLISTED).values_list("volunteer_id",
                                                                                                       flat=True))
        held = Signup.objects.filter(volunteer_id__in=waiting, status=SignupStatus.ACCEPTED, shift__date=shift.date,
                                     shift__start_time__lt=shift.end_time, shift__end_time__gt=shift.start_time,
                                     ).exclude(shift=shift).values_list("volunteer_id", flat=True)
        eligible = set(waiting) - set(held)
        if eligible:
            findings.append(SeatFinding(shift.pk, "stalled",
                                        f"{shift.headcount - shift.accepted_count} free, {len(eligible)} waiting"))
    return findings


@seats.seat_transition
def seat_invariant_repair(*, shift_id: int, actor=None) -> dict:
    """Repair one shift under its lock: move any surplus of accepted sign-ups (the latest) back to the
    waitlist, set the counter to the accepted rows, then promote waiting volunteers into free seats. Writes
    an audit record of what it changed; returns the changes (empty when the shift was consistent)."""
    shift = seats.lock_row(Shift, shift_id, related=("position",))
    accepted = list(Signup.objects.select_for_update(of=("self",)).filter(shift=shift, status=SignupStatus.ACCEPTED)
                    .order_by("-decided_at", "-created_at", "-id"))
    changes: dict = {}
    surplus = accepted[:max(len(accepted) - shift.headcount, 0)]
    for signup in surplus:
        signup.status = SIGNUP_TRANSITIONS.step("demote", signup.status).target
        signup.save(update_fields=["status", "updated_at"])
        _notify(signup.pk, "demoted")
    if surplus:
        changes["demoted"] = [s.pk for s in surplus]
    counted = len(accepted) - len(surplus)
    if counted != shift.accepted_count:
        changes["accepted_count"] = [shift.accepted_count, counted]
        Shift.objects.filter(pk=shift.pk).update(accepted_count=counted)
    promoted = promote_waitlist(shift=shift) if shift.date >= timezone.localdate() else []
    if promoted:
        changes["promoted"] = [s.pk for s in promoted]
    if changes:
        audit_record(actor=actor, action="updated", node=shift.position.team or shift.position.venue, obj=shift,
                     reason=_("Seat invariant repair"), changes=changes)
        _after_change()
    return changes


def seat_invariants_alert(findings: list[SeatFinding], *, repaired: dict[int, dict] | None = None) -> None:
    """Log the findings at ERROR and mail them to ADMINS and the system administrators."""
    if not findings:
        return
    from ..models import RoleGrant

    lines = [str(f) for f in findings]
    repairs = [(pk, changes) for pk, changes in (repaired or {}).items() if changes]
    if repairs:
        lines += ["", "Repaired:"] + [f"shift {pk}: {changes}" for pk, changes in repairs]
    logger.error("Seat invariant findings (%s):\n%s", len(findings), "\n".join(lines))
    recipients = {email for _name, email in getattr(settings, "ADMINS", [])}
    recipients |= set(RoleGrant.objects.filter(role=Role.SYSTEM_ADMIN, user__is_active=True)
                      .exclude(user__email="").values_list("user__email", flat=True))
    if recipients:  # from the nightly Celery task or an operator's command: sent at once, in English
        send_templated_mail("seat_invariants_alert", {"findings": findings, "repaired": repairs}, sorted(recipients),
                            "en", from_email=settings.SERVER_EMAIL)


def seat_invariants_check(*, repair: bool = False, alert: bool = True) -> tuple[list[SeatFinding], dict[int, dict]]:
    """Find (and with `repair`, fix) every violation; alert when anything was found."""
    findings = seat_invariant_findings()
    repaired: dict[int, dict] = {}
    if repair:
        for shift_id in sorted({f.shift_id for f in findings}):
            repaired[shift_id] = seat_invariant_repair(shift_id=shift_id)
    if alert:
        seat_invariants_alert(findings, repaired=repaired)
    return findings, repaired



