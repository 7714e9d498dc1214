"""Factories of the operations app.

OrgNode, RoleGrant, Volunteer, Membership and AuditEvent rows are created through the services
(`orgnode_create`, `grant_create`, `volunteer_create`, `membership_add`, `audit_record`) with
`actor=None` (a system action), never with a raw `create()`: the tree paths, the validation and the
audit records are then the ones production code makes. Recruitment rows have no services yet and are
plain model factories."""
from __future__ import annotations

import datetime
import random

import factory
from factory.django import DjangoModelFactory, Password

from operations.identity import IdType, generate_national_id
from operations.models import (
    AuditAction,
    AuditEvent,
    Campaign,
    CampaignStatus,
    City,
    Language,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    RegistrationType,
    Role,
    RoleGrant,
    ServicePlan,
    Sex,
    Shift,
    Signup,
    SignupStatus,
    Skill,
    UnitCategory,
    User,
    Volunteer,
)
from operations.services.audit import audit_record
from operations.services.organisations import orgnode_create
from operations.services.people import grant_create, membership_add, membership_end, volunteer_create

DEFAULT_PASSWORD = "Correct-Horse-Battery-42"

_rng = random.Random(20250517)
_issued_ids: set[str] = set()


def unique_national_id(*, sex: str | None = None, letter: str | None = None) -> str:
    """A valid national ID (DOMAIN.md §3.2) never handed out before in this test run."""
    while True:
        number = generate_national_id(_rng, sex=sex if sex in ("M", "F") else None, letter=letter)
        if number not in _issued_ids:
            _issued_ids.add(number)
            return number


# --- Organisation tree -----------------------------------------------------------------------------

class OrgNodeFactory(factory.Factory):
    """Builds a node with `orgnode_create(actor=None, parent=…)`. `parent=None` makes a root."""

    class Meta:
        model = OrgNode

    parent = None
    kind = OrgKind.COMPETENT_AUTHORITY
    code = factory.Sequence(lambda n: f"node-{n:05d}")
    name = factory.Sequence(lambda n: f"組織{n:05d}")
    name_en = factory.Sequence(lambda n: f"Organisation {n:05d}")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("Organisation nodes only exist in a tree: use create(), which calls orgnode_create().")

    @classmethod
    def _create(cls, model_class, *args, parent=None, kind, code, name, **fields):
        return orgnode_create(actor=None, parent=parent, kind=kind, code=code, name=name, **fields)


class CompetentAuthorityFactory(OrgNodeFactory):
    kind = OrgKind.COMPETENT_AUTHORITY
    parent = None
    name = factory.Sequence(lambda n: f"主管機關{n:05d}")


class PurposeAuthorityFactory(OrgNodeFactory):
    kind = OrgKind.PURPOSE_AUTHORITY
    parent = factory.SubFactory(CompetentAuthorityFactory)
    name = factory.Sequence(lambda n: f"目的機關{n:05d}")


UNIT_DISTRICTS = {"taipei": "中正區", "new_taipei": "板橋區", "taoyuan": "桃園區", "hsinchu_city": "東區",
                  "hsinchu_county": "竹北市", "yilan": "宜蘭市"}


class UnitFactory(OrgNodeFactory):
    kind = OrgKind.UNIT
    parent = factory.SubFactory(CompetentAuthorityFactory)
    name = factory.Sequence(lambda n: f"運用單位{n:05d}")
    category = UnitCategory.SOCIAL_WELFARE
    registration_type = RegistrationType.AGENCY
    city = City.TAIPEI
    # a real district of the unit's city (the PostgreSQL triggers refuse another city's)
    district = factory.LazyAttribute(lambda unit: UNIT_DISTRICTS.get(unit.city, ""))
    address = "市府路1號"
    contact_person = "王承辦"
    phone = "02-27208889"
    email = factory.Sequence(lambda n: f"unit{n}@example.org")


class TeamFactory(OrgNodeFactory):
    kind = OrgKind.TEAM
    parent = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"志工隊{n:05d}")


class SubTeamFactory(OrgNodeFactory):
    kind = OrgKind.SUBTEAM
    parent = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"志工小隊{n:05d}")


# --- People --------------------------------------------------------------------------------------

class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n:04d}")
    password = Password(DEFAULT_PASSWORD)
    display_name = factory.Sequence(lambda n: f"承辦人{n:04d}")
    email = ""
    is_active = True


class RoleGrantFactory(factory.Factory):
    """`grant_create(actor=None, …)`: the role must fit the node's kind (ROLE_NODE_KINDS)."""

    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    node = factory.SubFactory(UnitFactory)
    role = Role.UNIT_ADMIN

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *, user, node, role, actor=None):
        return grant_create(actor=actor, user=user, node=node, role=role)


class LanguageFactory(DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"lang{n}")
    name = factory.Sequence(lambda n: f"語言{n}")
    name_en = factory.Sequence(lambda n: f"Language {n}")


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill{n}")
    name = factory.Sequence(lambda n: f"技能{n}")
    name_en = factory.Sequence(lambda n: f"Skill {n}")


class VolunteerFactory(factory.Factory):
    """`volunteer_create(actor=None, …)`. Pass `team=` to make the volunteer a current member of a team
    (without a team the volunteer is only visible to unrestricted staff)."""

    class Meta:
        model = Volunteer

    id_type = IdType.NATIONAL_ID
    sex = factory.Iterator([Sex.FEMALE, Sex.MALE])
    id_number = factory.LazyAttribute(lambda o: unique_national_id(sex=o.sex))
    name = factory.Sequence(lambda n: f"志工{n:04d}號")
    english_name = ""
    # adults of 25 to 65 in 2025, spread over the year (the sequence wraps round)
    birth_date = factory.Sequence(lambda n: datetime.date(1960, 1, 1) + datetime.timedelta(days=(97 * n) % (40 * 365)))
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    email = ""
    team = None
    joined_on = None
    languages = ()
    skills = ()

    @classmethod
    def _build(cls, model_class, *args, team=None, joined_on=None, languages=(), skills=(), **kwargs):
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return volunteer_create(actor=None, **kwargs)


class MembershipFactory(factory.Factory):
    """`membership_add(actor=None, …)`; with `left_on=` the membership is then ended through
    `membership_end`, as a former member's history is in production."""

    class Meta:
        model = Membership

    volunteer = factory.SubFactory(VolunteerFactory)
    team = factory.SubFactory(TeamFactory)
    joined_on = datetime.date(2024, 1, 1)
    left_on = None
    leave_reason = "搬家"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *, volunteer, team, joined_on, left_on=None, leave_reason="", **kwargs):
        membership = membership_add(actor=None, volunteer=volunteer, team=team, joined_on=joined_on, **kwargs)
        if left_on is not None:
            membership = membership_end(actor=None, membership=membership, left_on=left_on, reason=leave_reason)
        return membership


class AuditEventFactory(factory.Factory):
    class Meta:
        model = AuditEvent

    actor = None
    action = AuditAction.UPDATED
    node = None
    reason = ""

    @classmethod
    def _create(cls, model_class, *, actor, action, node, reason, **kwargs):
        return audit_record(actor=actor, action=action, node=node, reason=reason, **kwargs)


# --- Recruitment -----------------------------------------------------------------------------------

class ServicePlanFactory(DjangoModelFactory):
    class Meta:
        model = ServicePlan

    unit = factory.SubFactory(UnitFactory)
    title = factory.Sequence(lambda n: f"志願服務計畫{n}")
    starts_on = datetime.date(2025, 1, 1)
    ends_on = datetime.date(2025, 12, 31)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"campaign-{n:05d}")
    title = factory.Sequence(lambda n: f"招募活動{n}")
    title_en = factory.Sequence(lambda n: f"Recruitment {n}")
    status = CampaignStatus.OPEN
    starts_on = datetime.date(2025, 5, 17)
    ends_on = datetime.date(2025, 5, 30)


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position

    campaign = factory.SubFactory(CampaignFactory)
    title = factory.Sequence(lambda n: f"服務組{n}")


class ShiftFactory(DjangoModelFactory):
    class Meta:
        model = Shift

    position = factory.SubFactory(PositionFactory)
    date = datetime.date(2025, 5, 17)
    start_time = datetime.time(8, 0)
    end_time = datetime.time(12, 0)
    name = "早班"
    headcount = 10


class SignupFactory(DjangoModelFactory):
    class Meta:
        model = Signup

    volunteer = factory.SubFactory(VolunteerFactory)
    shift = factory.SubFactory(ShiftFactory)
    status = SignupStatus.APPLIED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """An accepted sign-up counts its seat, as the services do (PostgreSQL's seat-invariant trigger
        checks the counter when the test's transaction is checked)."""
        from django.db.models import F

        signup = super()._create(model_class, *args, **kwargs)
        if signup.status == SignupStatus.ACCEPTED:
            Shift.objects.filter(pk=signup.shift_id).update(accepted_count=F("accepted_count") + 1)
        return signup
