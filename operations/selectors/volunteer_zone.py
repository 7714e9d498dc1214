"""Reads of the volunteer zone (志工專區): my shifts, my waitlist positions, and my data for download."""
from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from ..identity import mask_id_number
from ..models import Campaign, GuardianConsent, Signup, SignupStatus, Volunteer

ACTIVE = (SignupStatus.APPLIED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED)


def volunteer_for_user(user) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user=user).first()


def my_signups(volunteer: Volunteer, *, today: datetime.date | None = None):
    """Every sign-up of the volunteer with its waitlist position (1 = next in line), two queries at most."""
    today = today or timezone.localdate()
    ahead = (
        Signup.objects.filter(shift=OuterRef("shift"), status=SignupStatus.WAITLISTED)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id")))
        .order_by().values("shift").annotate(n=Count("id")).values("n")
    )
    return (
        Signup.objects.filter(volunteer=volunteer)
        .select_related("shift__position__campaign", "shift__position__venue", "shift__position__team")
        .annotate(ahead=Subquery(ahead, output_field=IntegerField()))
        .order_by("shift__date", "shift__start_time", "id")
    )


def split_signups(signups, *, today: datetime.date | None = None):
    today = today or timezone.localdate()
    upcoming, past = [], []
    for signup in signups:
        signup.waitlist_position = (signup.ahead or 0) + 1 if signup.status == SignupStatus.WAITLISTED else None
        (upcoming if signup.shift.date >= today and signup.status in ACTIVE else past).append(signup)
    return upcoming, past


def calendar_signups(volunteer: Volunteer):
    return (
        Signup.objects.filter(volunteer=volunteer, status=SignupStatus.ACCEPTED)
        .select_related("shift__position__campaign", "shift__position__venue")
        .order_by("shift__date", "shift__start_time")
    )


def my_data(volunteer: Volunteer) -> dict:
    """Everything the platform keeps about the volunteer (PDPA Art.3: read and get a copy)."""
    user = volunteer.user
    return {
        "account": {
            "username": user.username if user else "",
            "email": user.email if user else "",
            "preferred_language": user.preferred_language if user else "",
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user and user.email_confirmed_at else None,
            "privacy_notice_version": user.privacy_notice_version if user else "",
            "privacy_notice_accepted_at": (
                user.privacy_notice_accepted_at.isoformat() if user and user.privacy_notice_accepted_at else None
            ),
            "notify_by_email": user.notify_by_email if user else None,
            "notify_reminders": user.notify_reminders if user else None,
            "taipeipass_linked": bool(user and user.taipeipass_sub),
        },
        "profile": {
            "name": volunteer.name,
            "english_name": volunteer.english_name,
            "id_type": volunteer.id_type,
            "id_number": volunteer.id_number,
            "sex": volunteer.sex,
            "birth_date": volunteer.birth_date.isoformat(),
            "phone": volunteer.phone,
            "email": volunteer.email,
            "city": volunteer.city,
            "district": volunteer.district,
            "address": volunteer.address,
            "emergency_contact_name": volunteer.emergency_contact_name,
            "emergency_contact_phone": volunteer.emergency_contact_phone,
            "emergency_contact_relation": volunteer.emergency_contact_relation,
            "languages": [lang.code for lang in volunteer.languages.all()],
            "skills": [skill.code for skill in volunteer.skills.all()],
            "identity_verified_at": (
                volunteer.identity_verified_at.isoformat() if volunteer.identity_verified_at else None
            ),
        },
        "memberships": [
            {"team": str(m.team), "joined_on": m.joined_on.isoformat(),
             "left_on": m.left_on.isoformat() if m.left_on else None, "cadre_role": m.cadre_role}
            for m in volunteer.memberships.select_related("team")
        ],
        "signups": [
            {"campaign": s.shift.position.campaign.title, "position": s.shift.position.title,
             "date": s.shift.date.isoformat(), "start": s.shift.start_time.strftime("%H:%M"),
             "end": s.shift.end_time.strftime("%H:%M"), "status": s.status,
             "signed_up_at": s.created_at.isoformat()}
            for s in Signup.objects.filter(volunteer=volunteer).select_related("shift__position__campaign")
        ],
        "guardian_consents": [
            {"campaign": c.campaign.title, "guardian_name": c.guardian_name, "uploaded_at": c.uploaded_at.isoformat()}
            for c in GuardianConsent.objects.filter(volunteer=volunteer).select_related("campaign")
        ],
    }


def my_data_rows(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """The same data as sheets (title, headers, rows) for the ODS download."""
    sheets = [
        ("profile", ["field", "value"], [[k, v if not isinstance(v, list) else ", ".join(v)]
                                         for k, v in {**data["account"], **data["profile"]}.items()]),
    ]
    for key in ("memberships", "signups", "guardian_consents"):
        rows = data[key]
        headers = list(rows[0].keys()) if rows else ["-"]
        sheets.append((key, headers, [list(r.values()) for r in rows]))
    return sheets


def masked(volunteer: Volunteer) -> str:
    return mask_id_number(volunteer.id_number)


def consent_campaign(pk: int) -> Campaign:
    """The campaign a guardian's consent form is for (campaigns are public; DoesNotExist for an unknown one)."""
    return Campaign.objects.get(pk=pk)
