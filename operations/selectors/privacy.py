"""Reads of personal-data rights (PDPA Art.3, Art.11): the competent authority's queue of requests, what a
deletion removes and what the law makes units keep (and until when), a volunteer's own requests, and the
volunteers the retention job would anonymise. Every staff read starts from `visible_to(user)`."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    GuardianConsent,
    InsuranceCover,
    Membership,
    OrgKind,
    OrgNode,
    PrivacyRequest,
    ServiceRecord,
    Signup,
    TrainingCertificate,
    Volunteer,
)
from ..roles import AUTHORITIES
from ..scoping import is_unrestricted

VIEW = "operations.privacyrequest.view"
DECIDE = "operations.privacyrequest.decide"


def retention_years() -> int:
    return int(settings.PRIVACY["RETENTION_YEARS"])


def competent_authority() -> OrgNode | None:
    """The organisation that answers personal-data requests: the competent authority at the top of the tree."""
    return OrgNode.objects.filter(depth=1, kind=OrgKind.COMPETENT_AUTHORITY, is_active=True).order_by("path").first()


def may_use_queue(user) -> bool:
    """Only the competent authority's staff (its officers and the system administrators) work the queue."""
    return bool(user.has_perm(VIEW)) and is_unrestricted(user, roles=AUTHORITIES)


def request_queue(user) -> QuerySet:
    return (PrivacyRequest.objects.visible_to(user, roles=AUTHORITIES)
            .select_related("volunteer", "decided_by").order_by("status", "due_on", "id"))


def request_detail(user, pk) -> PrivacyRequest:
    return request_queue(user).get(pk=pk)


def my_requests(volunteer: Volunteer) -> list[PrivacyRequest]:
    return list(PrivacyRequest.objects.filter(volunteer=volunteer).order_by("-created_at", "-id"))


def my_request(volunteer: Volunteer, pk) -> PrivacyRequest:
    """One of the volunteer's own requests (DoesNotExist for anybody else's)."""
    return PrivacyRequest.objects.get(volunteer=volunteer, pk=pk)


# --- What a deletion removes and what units keep ----------------------------------------------------------

@dataclass
class PlanLine:
    label: str
    count: int
    basis: str = ""  # the legal duty that keeps it


@dataclass
class DeletionPlan:
    deleted: list[PlanLine]
    kept: list[PlanLine]
    last_service: datetime.date | None
    kept_until: datetime.date | None
    has_grants: bool

    @property
    def keeps_anything(self) -> bool:
        return any(line.count for line in self.kept)


def _kept_querysets(volunteer: Volunteer) -> dict[str, QuerySet]:
    return {
        "attendance": Attendance.objects.filter(volunteer=volunteer).exclude(check_in_at__isnull=True),
        "service_records": ServiceRecord.objects.filter(volunteer=volunteer),
        "certificates": TrainingCertificate.objects.filter(volunteer=volunteer),
        "covers": InsuranceCover.objects.filter(volunteer=volunteer),
        "memberships": Membership.objects.filter(volunteer=volunteer),
    }


def deleted_querysets(volunteer: Volunteer, today: datetime.date | None = None) -> dict[str, QuerySet]:
    """Rows a completed deletion removes: sign-ups without service, training enrolments without a
    certificate, guardian consents. (Account and contact fields are cleared on the rows themselves.)"""
    return {
        "signups": Signup.objects.filter(volunteer=volunteer).filter(
            Q(attendance__isnull=True) | Q(attendance__check_in_at__isnull=True)),
        "enrolments": Enrolment.objects.filter(volunteer=volunteer, certificate__isnull=True,
                                               status=EnrolmentStatus.CANCELLED),
        "guardian_consents": GuardianConsent.objects.filter(volunteer=volunteer),
    }


def last_service_on(volunteer: Volunteer) -> datetime.date | None:
    """The last day the volunteer served, trained, was insured or was a member: the retention duty runs from it."""
    days = [
        ServiceRecord.objects.filter(volunteer=volunteer).aggregate(d=Max("date"))["d"],
        Attendance.objects.filter(volunteer=volunteer, check_in_at__isnull=False).aggregate(d=Max("shift__date"))["d"],
        TrainingCertificate.objects.filter(volunteer=volunteer).aggregate(d=Max("completed_on"))["d"],
        InsuranceCover.objects.filter(volunteer=volunteer).aggregate(d=Max("ends_on"))["d"],
        Membership.objects.filter(volunteer=volunteer).aggregate(d=Max("left_on"))["d"],
    ]
    if Membership.objects.filter(volunteer=volunteer, left_on__isnull=True).exists():
        days.append(timezone.localdate())
    days = [d for d in days if d]
    return max(days) if days else None


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def deletion_plan(volunteer: Volunteer) -> DeletionPlan:
    """For the queue: per kind of record, how many a completed deletion removes and how many units must keep
    (with the legal duty and the date until which they are kept)."""
    deleted = deleted_querysets(volunteer)
    kept = _kept_querysets(volunteer)
    user = volunteer.user
    record_file = _("Volunteer Service Act Art.11 (personal service file) and Art.9 of the record-book rules")
    lines_deleted = [
        PlanLine(_("Account, log-in and notification preferences"), 1 if user else 0),
        PlanLine(_("Contact details, address, emergency contact, photo, notes, languages and skills"), 1),
        PlanLine(_("Sign-ups without service (applied, waitlisted, cancelled, future)"), deleted["signups"].count()),
        PlanLine(_("Training enrolments cancelled or still to come"), deleted["enrolments"].count()
                 + Enrolment.objects.filter(volunteer=volunteer, session__date__gte=timezone.localdate())
                 .exclude(status=EnrolmentStatus.CANCELLED).count()),
        PlanLine(_("Guardian consent forms"), deleted["guardian_consents"].count()),
    ]
    lines_kept = [
        PlanLine(_("Service records (hours for the record book)"), kept["service_records"].count(), record_file),
        PlanLine(_("Attendance of served shifts"), kept["attendance"].count(), record_file),
        PlanLine(_("Training certificates"), kept["certificates"].count(),
                 _("Record-book rules Art.4 (training hours in the record book)")),
        PlanLine(_("Insurance covers"), kept["covers"].count(),
                 _("Volunteer Service Act Art.16 and record-book rules Art.4 (insurance in the record book)")),
        PlanLine(_("Team memberships (ended)"), kept["memberships"].count(), record_file),
    ]
    last = last_service_on(volunteer)
    keeps = any(line.count for line in lines_kept)
    return DeletionPlan(
        deleted=lines_deleted, kept=lines_kept, last_service=last,
        kept_until=add_years(max(last, timezone.localdate()) if last else timezone.localdate(), retention_years())
        if keeps else None,
        has_grants=bool(user and user.grants.exists()),
    )


# --- The retention job ---------------------------------------------------------------------------------------

def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    return add_years(today or timezone.localdate(), -retention_years())


def retention_candidates(*, cutoff: datetime.date) -> QuerySet:
    """Volunteers not yet anonymised with no activity on or after `cutoff`: no sign-up, service record, training,
    insurance cover, open or recently ended membership, log-in or pending personal-data request."""
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    v = OuterRef("pk")
    return (
        Volunteer.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff_at)
        .exclude(Exists(Signup.objects.filter(volunteer=v).filter(Q(created_at__gte=cutoff_at)
                                                                   | Q(shift__date__gte=cutoff))))
        .exclude(Exists(ServiceRecord.objects.filter(volunteer=v, date__gte=cutoff)))
        .exclude(Exists(Enrolment.objects.filter(volunteer=v, created_at__gte=cutoff_at)))
        .exclude(Exists(TrainingCertificate.objects.filter(volunteer=v, completed_on__gte=cutoff)))
        .exclude(Exists(InsuranceCover.objects.filter(volunteer=v, ends_on__gte=cutoff)))
        .exclude(Exists(Membership.objects.filter(volunteer=v).filter(Q(left_on__isnull=True) | Q(left_on__gte=cutoff))))
        .exclude(user__last_login__gte=cutoff_at)
        .exclude(Exists(PrivacyRequest.objects.pending().filter(volunteer=v)))
        .order_by("pk")
    )


def requests_due(today: datetime.date, days: tuple[int, ...]) -> QuerySet:
    """Pending requests overdue or due on one of the `days` ahead."""
    due = [today + datetime.timedelta(days=d) for d in days]
    return PrivacyRequest.objects.pending().filter(Q(due_on__lt=today) | Q(due_on__in=due)).order_by("due_on", "id")
