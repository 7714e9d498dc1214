"""Reads of the volunteer zone (志工專區): my shifts, my waitlist positions, and my data for download."""
from __future__ import annotations

import datetime
import functools

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from ..identity import mask_id_number
from ..models import Campaign, GuardianConsent, Signup, SignupStatus, Volunteer

ACTIVE = (SignupStatus.APPLIED, SignupStatus.ACCEPTED, SignupStatus.WAITLISTED)


def volunteer_for_user(user) -> Volunteer | None:
    """The signed-in person's volunteer record (read on every volunteer-zone request, so by a statement written
    once rather than compiled by the ORM each time)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return next(iter(Volunteer.objects.raw(_volunteer_of_user_sql(), [user.pk])), None)


@functools.cache
def _volunteer_of_user_sql() -> str:
    qn = connection.ops.quote_name
    field = Volunteer._meta.get_field("user")
    return f"SELECT * FROM {qn(Volunteer._meta.db_table)} WHERE {qn(field.column)} = %s LIMIT 1"


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


def my_data(volunteer: Volunteer, *, full: bool = True) -> dict:
    """Everything the platform keeps about the volunteer (PDPA Art.3: read and get a copy): account, profile,
    memberships, sign-ups (applications for shifts), attendance, service records, training, insurance cover,
    certificates, group rosters uploaded, consents and personal-data requests. `full=False` masks the
    identity number (staff reading it for a correction request)."""
    user = volunteer.user
    data = {
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
            "id_number": volunteer.id_number if full else volunteer.masked_id,
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
    data.update(_held_records(volunteer))
    return data


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _held_records(volunteer: Volunteer) -> dict:
    """Attendance, service records, training, insurance, rosters and requests (one query each)."""
    from ..models import (
        Attendance,
        Enrolment,
        InsuranceCover,
        PrivacyRequest,
        RosterImport,
        ServiceRecord,
        TrainingCertificate,
    )

    return {
        "attendance": [
            {"campaign": a.shift.position.campaign.title, "position": a.shift.position.title,
             "date": a.shift.date.isoformat(), "outcome": a.outcome, "checked_in_at": _iso(a.check_in_at),
             "checked_out_at": _iso(a.check_out_at)}
            for a in Attendance.objects.filter(volunteer=volunteer).select_related("shift__position__campaign")
            .order_by("shift__date", "id")
        ],
        "service_records": [
            {"date": r.date.isoformat(), "unit": r.unit.display_name, "category": r.category, "content": r.content,
             "hours": str(r.hours), "people_served": r.people_served}
            for r in ServiceRecord.objects.filter(volunteer=volunteer).select_related("unit").order_by("date", "id")
        ],
        "training_enrolments": [
            {"course": str(e.session.course),
             "date": e.session.date.isoformat(), "status": e.status, "attended": e.attended,
             "enrolled_at": _iso(e.created_at)}
            for e in Enrolment.objects.filter(volunteer=volunteer).select_related("session__course")
            .order_by("session__date", "id")
        ],
        "training_certificates": [
            {"course": c.course_name, "kind": c.kind, "category": c.category, "organiser": c.organiser_name,
             "hours": str(c.hours), "completed_on": c.completed_on.isoformat(), "number": c.number}
            for c in TrainingCertificate.objects.filter(volunteer=volunteer).order_by("completed_on", "id")
        ],
        "insurance_covers": [
            {"insurer": c.policy.insurer, "policy_number": c.policy.policy_number,
             "insured_from": c.starts_on.isoformat(), "insured_until": c.ends_on.isoformat(),
             "through": c.node.display_name if c.node_id else ""}
            for c in _covers_of(volunteer, InsuranceCover)
        ],
        "group_rosters": [
            {"file": j.original_name, "uploaded_at": _iso(j.created_at), "status": j.status, "rows": j.total_rows}
            for j in RosterImport.objects.filter(created_by_id=volunteer.user_id, team__isnull=True)
        ] if volunteer.user_id else [],
        "privacy_requests": [
            {"request": r.kind, "status": r.status, "requested_at": _iso(r.created_at), "due_on": _iso(r.due_on),
             "decided_at": _iso(r.decided_at), "note": r.decision_note}
            for r in PrivacyRequest.objects.filter(volunteer=volunteer).order_by("created_at", "id")
        ],
    }


def _covers_of(volunteer: Volunteer, cover_model):
    """Covers naming the volunteer, and covers of the teams they belong or belonged to (every period)."""
    from django.db.models import Q as _Q

    from ..models import Membership

    paths = set(Membership.objects.filter(volunteer=volunteer).values_list("team__path", flat=True))
    q = _Q(volunteer=volunteer)
    ancestors = {path[:i] for path in paths for i in range(5, len(path) + 1, 5)}
    if ancestors:
        q |= _Q(node__path__in=ancestors, node_scope="members")
    return cover_model.objects.filter(q).select_related("policy", "node").order_by("starts_on", "id")


MY_DATA_SECTIONS = ("memberships", "signups", "attendance", "service_records", "training_enrolments",
                    "training_certificates", "insurance_covers", "group_rosters", "guardian_consents",
                    "privacy_requests")


def my_data_rows(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """The same data as sheets (title, headers, rows) for the ODS download."""
    sheets = [
        ("profile", ["field", "value"], [[k, v if not isinstance(v, list) else ", ".join(v)]
                                         for k, v in {**data["account"], **data["profile"]}.items()]),
    ]
    for key in MY_DATA_SECTIONS:
        rows = data[key]
        headers = list(rows[0].keys()) if rows else ["-"]
        sheets.append((key, headers, [list(r.values()) for r in rows]))
    return sheets


def masked(volunteer: Volunteer) -> str:
    return mask_id_number(volunteer.id_number)


def consent_campaign(pk: int) -> Campaign:
    """The campaign a guardian's consent form is for (campaigns are public; DoesNotExist for an unknown one)."""
    return Campaign.objects.get(pk=pk)


# --- My data on screen: the same sections, with headings in the page's language ------------------------------

def _labels():
    from django.utils.translation import gettext_lazy as _

    sections = {
        "profile": _("Account and profile"), "memberships": _("Team memberships"),
        "signups": _("Sign-ups (applications for shifts)"), "attendance": _("Attendance at shifts"),
        "service_records": _("Service records"), "training_enrolments": _("Training enrolments"),
        "training_certificates": _("Training certificates"), "insurance_covers": _("Insurance cover"),
        "group_rosters": _("Group rosters uploaded"), "guardian_consents": _("Guardian consents"),
        "privacy_requests": _("Personal-data requests"),
    }
    fields = {
        "username": _("Account"), "email": _("E-mail"), "preferred_language": _("Preferred language"),
        "email_confirmed_at": _("E-mail confirmed at"), "privacy_notice_version": _("Personal-data notice accepted"),
        "privacy_notice_accepted_at": _("Personal-data notice accepted at"),
        "notify_by_email": _("E-mail me when my sign-ups change"),
        "notify_reminders": _("Remind me the day before each shift"), "taipeipass_linked": _("TaipeiPass linked"),
        "name": _("Name"), "english_name": _("English name"), "id_type": _("Identity document type"),
        "id_number": _("Identity document number"), "sex": _("Sex"), "birth_date": _("Date of birth"),
        "phone": _("Mobile phone"), "city": _("City"), "district": _("District"), "address": _("Address"),
        "emergency_contact_name": _("Emergency contact"), "emergency_contact_phone": _("Emergency contact phone"),
        "emergency_contact_relation": _("Relationship"), "languages": _("Languages"), "skills": _("Skills"),
        "identity_verified_at": _("Identity verified at"), "team": _("Team"), "joined_on": _("Joined on"),
        "left_on": _("Left on"), "cadre_role": _("Cadre role"), "campaign": _("Campaign"), "position": _("Position"),
        "date": _("Date"), "start": _("Starts at"), "end": _("Ends at"), "status": _("Status"),
        "signed_up_at": _("Signed up at"), "guardian_name": _("Guardian's name"), "uploaded_at": _("Uploaded at"),
        "outcome": _("Outcome"), "checked_in_at": _("Checked in at"), "checked_out_at": _("Checked out at"),
        "unit": _("Unit"), "category": _("Service category"), "content": _("Service content"), "hours": _("Hours"),
        "people_served": _("People served"), "course": _("Course"), "attended": _("Attended"),
        "enrolled_at": _("Enrolled at"), "kind": _("Kind"), "organiser": _("Organiser"),
        "completed_on": _("Completed on"), "number": _("Certificate number"), "insurer": _("Insurer"),
        "policy_number": _("Policy number"), "insured_from": _("Insured from"), "insured_until": _("Insured until"),
        "through": _("Through"), "file": _("File name"), "rows": _("Rows"), "request": _("Request"),
        "requested_at": _("Requested at"), "due_on": _("Due on"), "decided_at": _("Decided at"),
        "note": _("Note"),
    }
    return sections, fields


def my_data_sections(data: dict) -> list[dict]:
    """The sections of `my_data` for the screen: title, headings and rows (empty sections included)."""
    from django.utils.translation import gettext as _

    titles, labels = _labels()

    def show(value):
        if value is None or value == "":
            return "—"
        if value is True:
            return _("yes")
        if value is False:
            return _("no")
        if isinstance(value, list):
            return ", ".join(map(str, value)) or "—"
        return value

    profile = {**data["account"], **data["profile"]}
    sections = [{"key": "profile", "title": titles["profile"], "headers": [_("Field"), _("Value")],
                 "rows": [[labels.get(k, k), show(v)] for k, v in profile.items()]}]
    for key in MY_DATA_SECTIONS:
        rows = data[key]
        keys = list(rows[0].keys()) if rows else []
        sections.append({"key": key, "title": titles[key], "headers": [labels.get(k, k) for k in keys],
                         "rows": [[show(r[k]) for k in keys] for r in rows]})
    for section in sections:
        section["cells"] = [list(zip(section["headers"], row, strict=True)) for row in section["rows"]]
    return sections
