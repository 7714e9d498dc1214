"""Staff users with role grants, and volunteers with their team memberships."""
from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..identity import IdType, mask_id_number
from ..roles import Role
from ..scoping import is_unrestricted, reached_through, scope_q, wide_scope
from ..storage import private_storage, volunteer_photo_upload_to
from .code_values import WithDistrict, city_choices, city_triggers, district_triggers
from .kept_sql import VOLUNTEER_MEMBERS_SQL, member_spans_sql
from .organisations import OrgKind, OrgNode


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        """Accounts holding a role at or below one of the user's grants (with `roles`); every account for an
        unrestricted user. The accounts screens (系統管理 › 帳號) list the staff accounts among them with the
        roles that manage accounts (`selectors.accounts.staff_account_list`)."""
        if is_unrestricted(user, roles=roles):
            return self.all()
        return self.filter(Exists(RoleGrant.objects.filter(scope_q(user, "node", roles=roles), user=OuterRef("pk"))))


class AccountManager(UserManager.from_queryset(AccountQuerySet)):
    pass


class User(AbstractUser):
    """Every account: staff, editors and (later) volunteers. Custom from the first migration."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="zh-hant"
    )
    # Volunteer accounts (志工帳號): e-mail confirmation, the personal-data notice accepted (PDPA Art.8),
    # notification preferences, a deletion request (PDPA Art.3) and the TaipeiPass subject.
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    privacy_notice_version = models.CharField(_("personal-data notice accepted"), max_length=16, blank=True)
    privacy_notice_accepted_at = models.DateTimeField(_("personal-data notice accepted at"), null=True, blank=True)
    notify_by_email = models.BooleanField(_("e-mail me when my sign-ups change"), default=True)
    notify_reminders = models.BooleanField(_("remind me the day before each shift"), default=True)
    deletion_requested_at = models.DateTimeField(_("account deletion requested at"), null=True, blank=True)
    taipeipass_sub = models.CharField(
        _("TaipeiPass account"), max_length=128, unique=True, null=True, blank=True
    )
    # A unit's existing volunteer record (e.g. from a staff roster) that this account takes over once the
    # e-mail address the unit recorded is confirmed: {"volunteer": pk, "data": {registration details}}.
    pending_volunteer_claim = models.JSONField(null=True, blank=True, editable=False)

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese names: family name first, no space.
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.display_name or self.username


# Higher number = more power. A user may only grant roles up to their own rank, on nodes they hold.
ROLE_RANK = {
    Role.SYSTEM_ADMIN: 50,
    Role.AUTHORITY_OFFICER: 40,
    Role.UNIT_ADMIN: 30,
    Role.TEAM_LEADER: 20,
    Role.SUBTEAM_LEADER: 10,
}

# The node kinds each role may be granted on.
ROLE_NODE_KINDS = {
    Role.SYSTEM_ADMIN: {OrgKind.COMPETENT_AUTHORITY},
    Role.AUTHORITY_OFFICER: {OrgKind.COMPETENT_AUTHORITY, OrgKind.PURPOSE_AUTHORITY},
    Role.UNIT_ADMIN: {OrgKind.UNIT},
    Role.TEAM_LEADER: {OrgKind.TEAM},
    Role.SUBTEAM_LEADER: {OrgKind.SUBTEAM},
}


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    node = models.ForeignKey(
        OrgNode, on_delete=models.CASCADE, related_name="grants", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "node", "role"], name="grant_unique_user_node_role")]
        ordering = ["node__path", "role"]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class CodeTableQuerySet(models.QuerySet):
    """A code table (languages, skills) belongs to no organisation: in the back-office only the unrestricted
    (system administrators; with `roles` that allow it, officers of a root authority) see its rows to edit them."""

    def visible_to(self, user, roles=None):
        return self.all() if is_unrestricted(user, roles) else self.none()

    def offered(self, keep=()):
        """The values a form offers: the active ones, plus `keep` (the values an edited object already has, so
        that saving it does not drop a retired value)."""
        keep_pks = [getattr(value, "pk", value) for value in keep]
        return self.filter(Q(is_active=True) | Q(pk__in=keep_pks))


class CodeTable(models.Model):
    """What every code table shares (languages, skills, service categories, cities): a code, Chinese and English
    names, an order and an active flag; shown in the page's language."""

    name = models.CharField(_("name (Chinese)"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired values are no longer offered in forms but stay where used.")
    )

    objects = CodeTableQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Language(CodeTable):
    """Code table of languages a volunteer speaks."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=50)

    class Meta(CodeTable.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Skill(CodeTable):
    """Code table of volunteer skills (first aid, driving, sign language …)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=50)

    class Meta(CodeTable.Meta):
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    OTHER = "X", _("Other / not stated")


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        """Volunteers with a membership (current or past) anywhere in the user's part of the tree (units keep
        a personal service file for former members too, 志願服務法 Art.11 rules), and volunteers who signed
        up for, or applied to, a shift of a position in the user's part (its campaign's organiser, its venue
        or its team), so that a unit can work with the people who came to it through recruitment."""
        if is_unrestricted(user, roles=roles):
            return self.all()
        signup_model = self.model._meta.get_field("signups").related_model
        via_signup = Q(pk__in=[])
        for field in ("campaign__unit", "venue", "team"):  # the position's scope (recruitment.POSITION_SCOPE)
            part = scope_q(user, f"shift__position__{field}", roles=roles)
            via_signup |= part
        return self.filter(reached_through(
            Membership.objects.filter(scope_q(user, "team", roles=roles), volunteer=OuterRef("pk")).values("volunteer"),
            signup_model.objects.filter(via_signup, volunteer=OuterRef("pk")).values("volunteer"),
            wide=wide_scope(user, roles=roles),
        ))


class Volunteer(WithDistrict, models.Model):
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteer", verbose_name=_("account")
    )
    id_type = models.CharField(_("identity document type"), max_length=16, choices=IdType.choices)
    id_number = models.CharField(_("identity document number"), max_length=20)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    english_name = models.CharField(_("English name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    city = models.CharField(_("city"), max_length=32, choices=city_choices, blank=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    languages = models.ManyToManyField(Language, blank=True, related_name="volunteers", verbose_name=_("languages"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name=_("skills"))
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=100, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=32, blank=True)
    emergency_contact_relation = models.CharField(_("relationship"), max_length=32, blank=True)
    photo = models.ImageField(
        _("photo"), upload_to=volunteer_photo_upload_to, storage=private_storage, blank=True, max_length=200,
    )
    notes = models.TextField(_("notes"), blank=True)
    # Identity fields (document, name, birth date, sex) are locked for the volunteer once verified.
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    identity_verified_by = models.CharField(_("identity verified by"), max_length=32, blank=True)
    # Part of the private calendar-feed link; a new key (renewal) makes every earlier link stop working.
    calendar_key = models.CharField(_("calendar link key"), max_length=32, blank=True, default="")
    # Personal-data rights (PDPA Art.3, Art.11; services.privacy): processing stopped at the volunteer's
    # request; personal data deleted except what units must keep; anonymised (nothing identifies them).
    processing_stopped_at = models.DateTimeField(_("processing stopped at"), null=True, blank=True)
    data_deleted_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="volunteer_unique_document"),
        ]
        indexes = [
            models.Index(fields=["sex", "birth_date"], name="volunteer_sex_birth"),
            # the list sorted by name: its deep pages are read from this index (CachedCountPaginator)
            models.Index(fields=["name", "id"], name="volunteer_name_id"),
        ]
        triggers = [
            *district_triggers("volunteer"), *city_triggers("volunteer"),
            # the kept spans of membership carry the person's sex and birth date (models/kept_sql.py)
            pgtrigger.Trigger(name="volunteer_kept_members", when=pgtrigger.After, operation=pgtrigger.Update,
                              condition=(pgtrigger.Q(old__sex__df=pgtrigger.F("new__sex"))
                                         | pgtrigger.Q(old__birth_date__df=pgtrigger.F("new__birth_date"))),
                              func=VOLUNTEER_MEMBERS_SQL),
        ]

    def __str__(self):
        return self.name


    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    def age_on(self, day: datetime.date | None = None) -> int:
        day = day or timezone.localdate()
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on()


class CadreRole(models.TextChoices):
    MEMBER = "member", _("Member")
    CAPTAIN = "captain", _("Team captain")
    VICE_CAPTAIN = "vice_captain", _("Vice captain")
    GROUP_LEADER = "group_leader", _("Group leader")
    SUBTEAM_LEADER = "subteam_leader", _("Sub-team leader")


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "team", roles=roles))

    def current(self, day: datetime.date | None = None):
        day = day or timezone.localdate()
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class Membership(models.Model):
    """A volunteer's membership of a team or sub-team, with its history."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(
        OrgNode, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("team")
    )
    cadre_role = models.CharField(_("cadre role"), max_length=16, choices=CadreRole.choices, default=CadreRole.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=255, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["-joined_on", "id"]
        # who joined or left in a period (reports, statistics): 16,000 of the city's 195,000 rows in a year
        indexes = [models.Index(fields=["joined_on"], name="membership_joined_on"),
                   models.Index(fields=["left_on"], name="membership_left_on")]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "team"], condition=Q(left_on__isnull=True), name="membership_one_open_per_team"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        # each person's spans of membership per unit, kept for the reports (`UnitMember`, models/kept_sql.py)
        triggers = [
            pgtrigger.Trigger(name="membership_kept_ins", when=pgtrigger.After, operation=pgtrigger.Insert,
                              level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_rows"),
                              func=member_spans_sql("SELECT volunteer_id FROM new_rows", OrgNode.steplen)),
            pgtrigger.Trigger(name="membership_kept_upd", when=pgtrigger.After, operation=pgtrigger.Update,
                              level=pgtrigger.Statement,
                              referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
                              func=member_spans_sql("SELECT volunteer_id FROM old_rows UNION ALL "
                                                    "SELECT volunteer_id FROM new_rows", OrgNode.steplen)),
            pgtrigger.Trigger(name="membership_kept_del", when=pgtrigger.After, operation=pgtrigger.Delete,
                              level=pgtrigger.Statement, referencing=pgtrigger.Referencing(old="old_rows"),
                              func=member_spans_sql("SELECT volunteer_id FROM old_rows", OrgNode.steplen)),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.team}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.joined_on <= today and (self.left_on is None or self.left_on > today)
