"""Award nominations and awards received (獎勵, DOMAIN.md §1.10). A unit nominates a volunteer from the
eligible list: the hours are computed again at that moment (the volunteer row locked) and kept with the
working on the nomination, and the nomination goes on the review chain (the purpose authority, then the
competent authority; `award_nomination_review_outcome` follows its decisions). Recording who received a level makes the
eligible list leave them out (once per level per person; a database constraint backs both rules)."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import (
    OPEN_NOMINATION,
    AwardLevel,
    AwardNomination,
    AwardReceipt,
    FormType,
    NominationStatus,
    OrgKind,
    OrgNode,
    ReviewState,
    Volunteer,
)
from ..selectors.hours import explain
from .audit import audit_record
from .reviews import review_open

NOMINATE = "operations.awardnomination.change"


def _working_snapshot(working) -> dict:
    return {
        "start": working.start.isoformat() if working.start else "",
        "end": working.end.isoformat() if working.end else "",
        "categories": list(working.categories or []),
        "counted": str(working.counted),
        "excluded": [[label, str(hours), count] for label, hours, count in working.excluded_by_reason()],
        "dates": [{"category": d.category, "basic_on": d.basic_on.isoformat() if d.basic_on else "",
                   "special_on": d.special_on.isoformat() if d.special_on else "",
                   "record_book_on": d.record_book_on.isoformat() if d.record_book_on else "",
                   "count_from": d.count_from.isoformat() if d.count_from else ""} for d in working.dates],
    }


@transaction.atomic
def award_nominate(*, actor, level: AwardLevel, volunteer: Volunteer, unit: OrgNode, year: int,
                   cutoff: datetime.date | None = None) -> AwardNomination:
    """Nominate `volunteer` for `level` in the call of `year`, by `unit`. Refused when the countable hours
    do not reach the level, when the level was received already, or outside the actor's scope; a second
    nomination of the same person for the same level (a double click, two colleagues) returns the first."""
    if unit.kind not in (OrgKind.UNIT, OrgKind.PURPOSE_AUTHORITY, OrgKind.COMPETENT_AUTHORITY) \
            or not actor.has_perm(NOMINATE, unit):
        raise PermissionDenied(_("You cannot nominate for this organisation."))
    if not Volunteer.objects.visible_to(actor).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(_("This volunteer is outside your part of the organisation."))
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    standing = AwardNomination.objects.filter(volunteer=volunteer, level=level,
                                              status__in=[s.value for s in OPEN_NOMINATION]).first()
    if standing is not None:
        return standing
    if AwardReceipt.objects.filter(volunteer=volunteer, level=level).exists():
        raise ValidationError(_("%(name)s has already received %(level)s; each level is awarded once.")
                              % {"name": volunteer.name, "level": level})
    scheme = level.scheme
    cutoff = cutoff or scheme.cutoff_for(year)
    working = explain(volunteer, start=scheme.counting_starts_on, end=cutoff, categories=scheme.unit_categories or None)
    if working.counted < level.hours:
        raise ValidationError(_("%(name)s has %(hours)s countable hours; %(level)s needs %(needed)s.")
                              % {"name": volunteer.name, "hours": working.counted, "level": level,
                                 "needed": level.hours})
    try:
        with transaction.atomic():
            nomination = AwardNomination.objects.create(
                volunteer=volunteer, level=level, unit=unit, year=year, hours=working.counted, cutoff=cutoff,
                working=_working_snapshot(working), created_by=actor)
    except IntegrityError:  # another request nominated them a moment ago
        return AwardNomination.objects.get(volunteer=volunteer, level=level,
                                           status__in=[s.value for s in OPEN_NOMINATION])
    nomination.review = review_open(form_type=FormType.AWARD_NOMINATION, node=unit,
                                    title=f"{level}：{volunteer.name}", submitter=actor,
                                    subject_user=volunteer.user)
    nomination.status = NominationStatus.SUBMITTED
    nomination.save(update_fields=["review", "status", "updated_at"])
    audit_record(actor=actor, action="created", node=unit, obj=nomination,
                 changes={"level": str(level), "hours": str(working.counted), "cutoff": cutoff.isoformat()})
    return nomination


def award_nomination_review_outcome(*, review, actor) -> None:
    """Called by the review engine inside its transaction. Approved by the competent authority: the
    nomination is approved (forwarded to the ministry); returned or rejected: so marked. Sent in again
    after a return: the hours are counted again (the unit may have corrected records) and the nomination
    is refused again if withdrawn meanwhile or below the level."""
    nomination = AwardNomination.objects.select_for_update().select_related("level__scheme", "volunteer").get(
        review=review)
    old = nomination.status
    if review.state == ReviewState.IN_REVIEW:
        if nomination.status != NominationStatus.RETURNED:
            raise ValidationError(_("This nomination was withdrawn; nominate the person again instead."),
                                  code="withdrawn")
        scheme, level = nomination.level.scheme, nomination.level
        working = explain(nomination.volunteer, start=scheme.counting_starts_on, end=nomination.cutoff,
                          categories=scheme.unit_categories or None)
        if working.counted < level.hours:
            raise ValidationError(_("%(name)s has %(hours)s countable hours; %(level)s needs %(needed)s.")
                                  % {"name": nomination.volunteer.name, "hours": working.counted,
                                     "level": level, "needed": level.hours}, code="hours")
        nomination.hours, nomination.working = working.counted, _working_snapshot(working)
        nomination.status = NominationStatus.SUBMITTED
    else:
        nomination.status = {ReviewState.APPROVED: NominationStatus.APPROVED,
                             ReviewState.RETURNED: NominationStatus.RETURNED,
                             ReviewState.REJECTED: NominationStatus.REJECTED}[review.state]
    nomination.save(update_fields=["status", "hours", "working", "updated_at"])
    audit_record(actor=actor, action="updated", node=nomination.unit, obj=nomination,
                 changes={"status": [old, nomination.status]})


@transaction.atomic
def award_nomination_withdraw(*, actor, nomination: AwardNomination, reason: str) -> AwardNomination:
    if not actor.has_perm(NOMINATE, nomination):
        raise PermissionDenied(_("You cannot change this nomination."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    nomination = AwardNomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.status == NominationStatus.WITHDRAWN:
        return nomination
    if nomination.status not in (NominationStatus.NOMINATED, NominationStatus.RETURNED):
        raise ValidationError(_("Only a nomination not yet submitted can be withdrawn."))
    old = nomination.status
    nomination.status = NominationStatus.WITHDRAWN
    nomination.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="updated", node=nomination.unit, obj=nomination, reason=reason.strip(),
                 changes={"status": [old, nomination.status]})
    return nomination


@transaction.atomic
def award_receipt_record(*, actor, level: AwardLevel, volunteer: Volunteer, year: int,
                         received_on: datetime.date | None = None, note: str = "") -> AwardReceipt:
    """Record that `volunteer` received `level` (so later lists leave them out). Recording it twice returns
    the first record."""
    if not actor.has_perm(NOMINATE):
        raise PermissionDenied(_("You cannot record awards."))
    if not Volunteer.objects.visible_to(actor).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(_("This volunteer is outside your part of the organisation."))
    if not 2001 <= year <= 2200:
        raise ValidationError({"year": [_("Enter a year from 2001.")]})
    existing = AwardReceipt.objects.filter(volunteer=volunteer, level=level).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            receipt = AwardReceipt.objects.create(volunteer=volunteer, level=level, year=year, received_on=received_on,
                                                  note=note.strip()[:255], recorded_by=actor)
    except IntegrityError:
        return AwardReceipt.objects.get(volunteer=volunteer, level=level)
    audit_record(actor=actor, action="created", obj=receipt, changes={"level": str(level), "year": year})
    return receipt
