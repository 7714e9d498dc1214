"""Record book and service ID reads (紀錄冊, 志願服務證): batches of my units, the record books and IDs of
the volunteers I see, the trained volunteers of a unit still without a book, and a volunteer's own."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from ..models import (
    BookStatus,
    CourseKind,
    Membership,
    OrgKind,
    OrgNode,
    RecordBook,
    RecordBookBatch,
    ServiceId,
    ServiceIdStatus,
    TrainingCertificate,
    Volunteer,
)
from ..rules import VERB_ROLES


def batch_list(user) -> QuerySet:
    return (RecordBookBatch.objects.visible_to(user, roles=VERB_ROLES["operations.recordbook.view"])
            .select_related("unit", "authority", "review").order_by("-created_at", "-id"))


def batch_detail(user, pk) -> RecordBookBatch:
    return batch_list(user).get(pk=pk)


def batch_entries(batch: RecordBookBatch) -> list:
    return list(batch.entries.select_related("volunteer__record_book").order_by("name", "pk"))


def book_list(user) -> QuerySet:
    return (RecordBook.objects.visible_to(user, roles=VERB_ROLES["operations.recordbook.view"])
            .select_related("volunteer", "issuing_authority", "applied_by_unit").order_by("-issued_on", "-id"))


def book_detail(user, pk) -> RecordBook:
    return book_list(user).get(pk=pk)


def service_id_list(user) -> QuerySet:
    return (ServiceId.objects.visible_to(user, roles=VERB_ROLES["operations.recordbook.view"])
            .select_related("volunteer", "unit").order_by("-issued_on", "-id"))


def service_id_detail(user, pk) -> ServiceId:
    return service_id_list(user).get(pk=pk)


def applying_units(user) -> QuerySet:
    """The units the user may apply for record books for."""
    return (OrgNode.objects.visible_to(user, roles=VERB_ROLES["operations.recordbook.apply"])
            .filter(kind=OrgKind.UNIT, is_active=True).order_by("path"))


def candidates(unit: OrgNode) -> QuerySet:
    """Current members of the unit's teams with basic training and no valid record book (the photo is
    checked when the batch is made, with a message per person)."""
    members = Membership.objects.current().filter(team__path__startswith=unit.path, volunteer=OuterRef("pk"))
    basic = TrainingCertificate.objects.filter(volunteer=OuterRef("pk"), kind=CourseKind.BASIC)
    valid_book = RecordBook.objects.filter(volunteer=OuterRef("pk")).exclude(status=BookStatus.CANCELLED)
    return (Volunteer.objects.filter(Exists(members), Exists(basic)).exclude(Exists(valid_book))
            .order_by("name", "pk"))


def record_book_of(volunteer: Volunteer) -> RecordBook | None:
    return RecordBook.objects.select_related("issuing_authority", "applied_by_unit").filter(
        volunteer=volunteer).first()


def service_ids_of(volunteer: Volunteer) -> list[ServiceId]:
    return list(ServiceId.objects.filter(volunteer=volunteer).select_related("unit").order_by("-issued_on"))


def my_service_id(volunteer: Volunteer, pk) -> ServiceId:
    return ServiceId.objects.select_related("unit", "volunteer").get(
        volunteer=volunteer, pk=pk, status=ServiceIdStatus.VALID)


def record_book_dates() -> QuerySet:
    """The record-book date of each volunteer (first issue of a book not cancelled): the hours selector
    counts hours from it when the training dates are unknown (registered in `AppConfig.ready`)."""
    from django.db.models import F

    return (RecordBook.objects.exclude(status=BookStatus.CANCELLED)
            .values("volunteer_id").annotate(d=F("issued_on")))
