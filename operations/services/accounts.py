"""Volunteer accounts (會員註冊, 忘記帳號/密碼, 個人資料維護, 刪除帳號): every write of the volunteer
journey's account pages. The account name is the e-mail address, or the mobile number when the
volunteer has no e-mail; either can be typed at log-in."""
from __future__ import annotations

import base64
import datetime
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..identity import mask_id_number, normalize_id_number, validate_id_number
from ..mail import mail_language, send_templated_mail, site_link
from ..models import AuditAction, Language, OrgNode, RecoveryCode, RoleGrant, Skill, User, Volunteer
from ..models.accounts import recovery_code_digest, recovery_code_matches
from ..models.code_values import code_value_kept
from ..outbox import enqueue
from ..roles import SECOND_FACTOR_REQUIRED
from ..scoping import has_any_role
from ..selectors.accounts import account_may_manage
from .audit import audit_record

MOBILE_RE = re.compile(r"^09\d{8}$")
IDENTITY_FIELDS = ("id_type", "id_number", "name", "sex", "birth_date")
VOLUNTEER_PROFILE_FIELDS = (
    "english_name", "phone", "email", "city", "district", "address",
    "emergency_contact_name", "emergency_contact_phone", "emergency_contact_relation",
)


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+886"):
        digits = "0" + digits[4:]
    return digits


def account_name_for(*, email: str, phone: str) -> str:
    return email.strip().lower() if email else normalize_mobile(phone)


def resolve_account(account: str) -> str:
    """The username to authenticate for what the person typed: an e-mail address (any case), a mobile
    number in any common spelling, or a staff user name."""
    account = (account or "").strip()
    if "@" in account:
        return account.lower()
    mobile = normalize_mobile(account)
    if MOBILE_RE.match(mobile):
        user = User.objects.filter(Q(username=mobile) | Q(volunteer__phone=mobile)).order_by("id").first()
        return user.username if user else mobile
    return account


class _EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "operations.services.accounts.EmailConfirmation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_confirmed_at}{timestamp}"


email_confirmation_tokens = _EmailConfirmationTokenGenerator()


def email_confirmation_path(user: User) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), email_confirmation_tokens.make_token(user)


def _may_claim(volunteer: Volunteer, *, email: str, taipeipass: dict | None, id_number: str) -> bool:
    if _verified_by_taipeipass(taipeipass, id_number):
        return True
    return bool(email and volunteer.email and volunteer.email.strip().lower() == email.strip().lower())


def _verified_by_taipeipass(taipeipass: dict | None, id_number: str) -> bool:
    return bool(taipeipass and taipeipass.get("verified") and taipeipass.get("id_number") == id_number)


def _send_confirmation(user: User) -> None:
    enqueue("operations.tasks.send_account_email", user.pk, "confirm_email")


def _tell_owner(user_id: int) -> None:
    """Someone tried to register with the details of this account: tell its owner (log in or recover)."""
    enqueue("operations.tasks.send_account_email", user_id, "registration_attempt")


def _tell_address(address: str, language: str) -> None:
    """A registration with this e-mail address could not be completed with the identity details given."""
    enqueue("operations.tasks.send_registration_notice", address, language)


@dataclass(frozen=True)
class Registration:
    """What `volunteer_register` did. The page shows the same thing in every case ("check your e-mail"):
    `user` is the new account, or None when the details belonged to someone already (their owner is told
    by e-mail), so that the form never tells a stranger who is registered."""

    account: str
    user: User | None = None
    linked: bool = False  # the account owns its volunteer record now (not waiting for an e-mail claim)


@transaction.atomic
def volunteer_register(
    *,
    email: str,
    phone: str,
    password: str,
    id_type: str,
    id_number: str,
    name: str,
    sex: str,
    birth_date: datetime.date,
    privacy_notice_accepted: bool,
    language: str = settings.LANGUAGE_CODE,
    english_name: str = "",
    city: str = "",
    address: str = "",
    languages: list[Language] | tuple = (),
    skills: list[Skill] | tuple = (),
    emergency_contact_name: str = "",
    emergency_contact_phone: str = "",
    taipeipass: dict | None = None,
) -> Registration:
    """Create a volunteer account and its volunteer record. `taipeipass` holds verified claims from a
    TaipeiPass log-in.

    Bad input is refused with messages (ValidationError). Details that are already registered are not: an
    e-mail address or mobile number of an existing account, or an identity document on file, answer like a
    new registration, and the e-mail goes to whoever owns the details — the account's owner learns that
    someone tried to register with them; a new address learns that the registration could not be completed.
    A record a unit already keeps for the same document and birth date (e.g. from a staff roster) is taken
    over by its owner: at once with a verified TaipeiPass identity, otherwise when the e-mail address the
    unit recorded is confirmed (`user_confirm_email`). Every path hashes the password once."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    errors: dict[str, list[str]] = {}
    if not privacy_notice_accepted:
        errors["privacy_notice"] = [_("Please read and accept the personal-data notice.")]
    if not email and not phone:
        errors["email"] = [_("Give an e-mail address or a mobile number.")]
    phone = normalize_mobile(phone)
    if phone and not MOBILE_RE.match(phone):
        errors["phone"] = [_("A mobile number has ten digits and starts with 09.")]
    try:
        id_number = validate_id_number(id_type, id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = [_("The date of birth cannot be in the future.")]
    if errors:
        raise ValidationError(errors)

    email = email.strip().lower()
    username = account_name_for(email=email, phone=phone)
    password_hash = make_password(password)  # on every path, so that all take the same time
    result = Registration(account=username)
    taken = Q(username__iexact=username)
    if not email:  # the mobile number is the account name: also taken when an account uses it to log in
        taken |= Q(phone=phone) | Q(volunteer__phone=phone)
    owner = User.objects.filter(taken).order_by("pk").only("pk").first()
    if owner is not None:
        _tell_owner(owner.pk)
        return result
    existing = Volunteer.objects.select_for_update().filter(id_type=id_type, id_number=id_number).first()
    if existing is not None and (existing.user_id or existing.birth_date != birth_date
                                 or not _may_claim(existing, email=email, taipeipass=taipeipass,
                                                   id_number=id_number)):
        if existing.user_id:
            _tell_owner(existing.user_id)
        if email:
            _tell_address(email, language)
        return result

    verified = _verified_by_taipeipass(taipeipass, id_number)
    now = timezone.now()
    details = {
        "name": name, "sex": sex, "english_name": english_name, "city": city, "address": address,
        "emergency_contact_name": emergency_contact_name, "emergency_contact_phone": emergency_contact_phone,
        "languages": [language_.pk for language_ in languages], "skills": [skill.pk for skill in skills],
    }
    user = User(
        username=username, email=email, phone=phone, display_name=name, preferred_language=language,
        privacy_notice_version=settings.VOLUNTEER_ACCOUNTS["PRIVACY_NOTICE_VERSION"],
        privacy_notice_accepted_at=now, password=password_hash,
        taipeipass_sub=(taipeipass or {}).get("sub") or None,
    )
    if existing is not None and not verified:
        # A unit's record, claimed with the e-mail address the unit recorded: linked once it is confirmed.
        user.pending_volunteer_claim = {"volunteer": existing.pk, "data": details}
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a double submit, or a TaipeiPass account linked meanwhile: nothing more to do
        return result
    if user.pending_volunteer_claim:
        audit_record(actor=user, action=AuditAction.UPDATED, obj=existing,
                     changes={"registration": ["", "claim pending e-mail confirmation"]})
        _send_confirmation(user)
        return Registration(account=username, user=user, linked=False)
    volunteer = existing or Volunteer(id_type=id_type, id_number=id_number)
    volunteer.birth_date = birth_date
    _apply_registration(volunteer, user, details)
    if verified:
        volunteer.identity_verified_at = now
        volunteer.identity_verified_by = "taipeipass"
    with code_value_kept():
        volunteer.save()
    _apply_registration_lists(volunteer, details)
    audit_record(actor=user, action=AuditAction.CREATED, obj=volunteer,
                 changes={"registration": ["", "taipeipass" if taipeipass else "self"]})
    if user.email:
        _send_confirmation(user)
    return Registration(account=username, user=user, linked=True)


def _apply_registration(volunteer: Volunteer, user: User, details: dict) -> None:
    volunteer.user = user
    volunteer.name = details["name"] or volunteer.name
    volunteer.sex = details["sex"] or volunteer.sex
    volunteer.english_name = details["english_name"] or volunteer.english_name
    volunteer.email = user.email or volunteer.email
    volunteer.phone = user.phone or volunteer.phone
    volunteer.city = details["city"] or volunteer.city
    volunteer.address = details["address"] or volunteer.address
    volunteer.emergency_contact_name = details["emergency_contact_name"] or volunteer.emergency_contact_name
    volunteer.emergency_contact_phone = details["emergency_contact_phone"] or volunteer.emergency_contact_phone


def _apply_registration_lists(volunteer: Volunteer, details: dict) -> None:
    if details.get("languages"):
        volunteer.languages.add(*Language.objects.filter(pk__in=details["languages"]))
    if details.get("skills"):
        volunteer.skills.add(*Skill.objects.filter(pk__in=details["skills"]))


def _complete_claim(user: User) -> None:
    """The e-mail address is confirmed: take over the unit's record if it is still free and still carries
    this address (the unit may have changed it meanwhile)."""
    claim = user.pending_volunteer_claim or {}
    user.pending_volunteer_claim = None
    volunteer = Volunteer.objects.select_for_update().filter(pk=claim.get("volunteer")).first()
    if (volunteer is None or volunteer.user_id is not None or not user.email
            or (volunteer.email or "").strip().lower() != user.email):
        return
    if Volunteer.objects.filter(user=user).exists():
        return
    details = claim.get("data") or {}
    _apply_registration(volunteer, user, {k: details.get(k, "") for k in (
        "name", "sex", "english_name", "city", "address", "emergency_contact_name", "emergency_contact_phone")})
    volunteer.save()
    _apply_registration_lists(volunteer, details)
    audit_record(actor=user, action=AuditAction.UPDATED, obj=volunteer,
                 changes={"registration": ["", "record taken over after e-mail confirmation"]})


@transaction.atomic
def user_confirm_email(*, uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None:
        return None
    if user.email_confirmed_at:
        return user
    if not email_confirmation_tokens.check_token(user, token):
        return None
    user.email_confirmed_at = timezone.now()
    if user.pending_volunteer_claim:
        _complete_claim(user)
    user.save(update_fields=["email_confirmed_at", "pending_volunteer_claim"])
    return user


def user_resend_confirmation(*, user: User) -> None:
    if user.email and not user.email_confirmed_at:
        enqueue("operations.tasks.send_account_email", user.pk, "confirm_email")


def account_hint_request(*, id_number: str, birth_date: datetime.date, include_reset: bool = False) -> None:
    """Forgot account (忘記帳號): when the document number and birth date match a volunteer with an
    account and an e-mail address, send the account name there (and, for "forgot both", a one-time
    password link). Nothing about the match is shown on screen."""
    number = normalize_id_number(id_number)
    volunteer = (
        Volunteer.objects.select_related("user")
        .filter(id_number=number, birth_date=birth_date, user__isnull=False, user__is_active=True)
        .first()
    )
    user_id = volunteer.user_id if volunteer is not None and (volunteer.user.email or volunteer.email) else None
    kind = "account_hint_reset" if include_reset else "account_hint"
    # A task is queued whether or not anything matched (it does nothing for None), so that both answers
    # take the same time: the page never tells whether the document is registered.
    enqueue("operations.tasks.send_account_email", user_id, kind)


def password_reset_path(user: User) -> tuple[str, str]:
    from django.contrib.auth.tokens import default_token_generator

    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def password_reset_request(*, account: str) -> None:
    """Forgot password: e-mail a one-time link (Django's token: invalid once the password changes)."""
    username = resolve_account(account)
    user = User.objects.select_related("volunteer").filter(username__iexact=username, is_active=True).first()
    user_id = user.pk if user is not None and (user.email or getattr(getattr(user, "volunteer", None), "email", "")) \
        else None
    # Queued on both paths (the task does nothing for None): the same work whether the account exists.
    enqueue("operations.tasks.send_account_email", user_id, "password_reset")


@transaction.atomic
def volunteer_update_profile(*, volunteer: Volunteer, actor: User, data: dict) -> Volunteer:
    """個人資料維護: contact fields always; identity fields only until the identity is verified."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if volunteer.user_id != actor.pk:
        raise ValidationError(_("You can only change your own profile."))
    changes = {}
    allowed = VOLUNTEER_PROFILE_FIELDS + (() if volunteer.identity_verified_at else IDENTITY_FIELDS)
    for field in IDENTITY_FIELDS:
        if field in data and volunteer.identity_verified_at and data[field] != getattr(volunteer, field):
            raise ValidationError({field: _("Verified identity fields cannot be changed here. "
                                            "Please contact your unit.")})
    if not volunteer.identity_verified_at and ("id_number" in data or "id_type" in data):
        id_type = data.get("id_type", volunteer.id_type)
        data["id_number"] = validate_id_number(id_type, data.get("id_number", volunteer.id_number))
        if Volunteer.objects.filter(id_type=id_type, id_number=data["id_number"]).exclude(pk=volunteer.pk).exists():
            raise ValidationError({"id_number": _("This identity document is already registered.")})
    for field in allowed:
        if field in data and data[field] != getattr(volunteer, field):
            changes[field] = ["", "…"] if field == "id_number" else [str(getattr(volunteer, field)), str(data[field])]
            setattr(volunteer, field, data[field])
    if "phone" in data:
        volunteer.phone = normalize_mobile(volunteer.phone)
    with code_value_kept():
        volunteer.save()
    if "languages" in data:
        volunteer.languages.set(data["languages"])
    if "skills" in data:
        volunteer.skills.set(data["skills"])
    if changes:
        audit_record(actor=actor, action=AuditAction.UPDATED, obj=volunteer, changes=changes)
    return volunteer


@transaction.atomic
def user_set_notification_preferences(*, user: User, notify_by_email: bool, notify_reminders: bool,
                                      preferred_language: str) -> User:
    user.notify_by_email = notify_by_email
    user.notify_reminders = notify_reminders
    if preferred_language in dict(settings.LANGUAGES):
        user.preferred_language = preferred_language
    user.save(update_fields=["notify_by_email", "notify_reminders", "preferred_language"])
    return user


@transaction.atomic
def account_deletion_request(*, user: User, reason: str = "") -> User:
    """Ask for the account and personal data to be deleted (PDPA Art.3). Staff carry it out: units must
    keep service records the law requires, so the request is recorded and the account is closed now."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deletion_requested_at:
        return user
    user.deletion_requested_at = timezone.now()
    user.save(update_fields=["deletion_requested_at"])
    volunteer = Volunteer.objects.filter(user=user).first()
    audit_record(actor=user, action=AuditAction.UPDATED, obj=volunteer or user, reason=reason[:255],
                 changes={"deletion_requested": ["", "yes"]})
    return user


@transaction.atomic
def taipeipass_link(*, user: User, sub: str) -> None:
    User.objects.filter(pk=user.pk).update(taipeipass_sub=sub)



# --- The private calendar-feed link (志工專區 › 我的行事曆) --------------------------------------------

CALENDAR_SALT = "operations.volunteer.calendar"


def _calendar_signer():
    from django.core import signing

    return signing.Signer(salt=CALENDAR_SALT, sep="~")


def volunteer_calendar_token(volunteer: Volunteer) -> str:
    """The token of the volunteer's calendar-feed link: their id and current calendar key, signed."""
    value = f"{volunteer.pk}.{volunteer.calendar_key}" if volunteer.calendar_key else str(volunteer.pk)
    return _calendar_signer().sign(value)


def volunteer_from_calendar_token(token: str) -> Volunteer | None:
    """The volunteer whose current link carries `token`, or None (bad signature, renewed link, gone)."""
    from django.core import signing
    from volunteer_site.params import parse_id

    try:
        value = _calendar_signer().unsign(token)
    except signing.BadSignature:
        return None
    pk_text, _dot, key = value.partition(".")
    pk = parse_id(pk_text)
    volunteer = Volunteer.objects.filter(pk=pk).first() if pk else None
    if volunteer is None or not secrets.compare_digest(volunteer.calendar_key, key):
        return None
    return volunteer


@transaction.atomic
def volunteer_renew_calendar_link(*, volunteer: Volunteer, actor: User, ip_address: str | None = None) -> str:
    """A new calendar-feed link for the volunteer; every earlier link stops working. Returns the token."""
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    locked.calendar_key = secrets.token_urlsafe(18)[:24]
    locked.save(update_fields=["calendar_key", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATED, obj=locked, ip_address=ip_address,
                 changes={"calendar_link": ["", "renewed"]})
    volunteer.calendar_key = locked.calendar_key
    return volunteer_calendar_token(locked)


# --- E-mail -----------------------------------------------------------------------------------------

ACCOUNT_EMAILS = {"confirm_email", "account_hint", "account_hint_reset", "password_reset", "registration_attempt",
                  "staff_password_reset", "staff_welcome"}


def _recovery_links() -> dict[str, str]:
    return {"login_link": site_link(reverse("volunteer:login")),
            "forgot_account_link": site_link(reverse("volunteer:forgot_account")),
            "forgot_password_link": site_link(reverse("volunteer:forgot_password"))}


def account_notify(*, user_id: int | None, kind: str, task=None) -> bool:
    """Registration confirmation, forgot-account hint (optionally with a password link), password link,
    "someone tried to register with your details" (`kind` in ACCOUNT_EMAILS). Sent only to the address
    registered on the account (or its volunteer record), in the account's language; links carry it too."""
    if user_id is None:
        return False
    user = User.objects.select_related("volunteer").filter(pk=user_id).first()
    if user is None or kind not in ACCOUNT_EMAILS:
        return False
    volunteer = getattr(user, "volunteer", None)
    address = user.email or (volunteer.email if volunteer else "")
    if not address:
        return False
    language = mail_language(user.preferred_language)
    with translation.override(language):
        context = {"user": user, "volunteer": volunteer, "kind": kind, "site_url": site_link("")}
        if kind == "confirm_email":
            context["link"] = site_link(reverse("volunteer:confirm_email", args=email_confirmation_path(user)))
        if kind in ("password_reset", "account_hint_reset"):
            context["reset_link"] = site_link(reverse("volunteer:password_reset_confirm",
                                                      args=password_reset_path(user)))
        if kind in ("staff_password_reset", "staff_welcome"):
            context["reset_link"] = site_link(reverse("operations:password_reset_confirm",
                                                      args=password_reset_path(user)))
            context["login_link"] = site_link(reverse("operations:login"))
        if kind == "registration_attempt":
            context.update(_recovery_links())
        if kind.startswith("account_hint"):
            context["account_hint"] = user.username  # sent only to the owner's registered mailbox
            context["masked_id"] = mask_id_number(volunteer.id_number) if volunteer else ""
    return send_templated_mail("account", context, address, language, task=task)


def registration_notice_send(*, address: str, language: str, task=None) -> bool:
    """To an e-mail address typed in a registration whose identity document is already on file: the
    registration could not be completed; log in, recover the account, or register with the address the
    unit recorded (or with TaipeiPass). Same count of e-mails as a new registration, in the form's language."""
    language = mail_language(language)
    with translation.override(language):
        context = {"kind": "registration_incomplete", "site_url": site_link(""), **_recovery_links()}
    return send_templated_mail("account", context, address, language, task=task)


# --- Staff sign-in: the second factor and the audit of log-ins (README "Staff sign-in") ----------------

def staff_home_node(user) -> OrgNode | None:
    """The highest organisation a staff user holds a role on: where their sign-in records are filed, so that
    the officers of that part of the tree read them in the audit log."""
    if user is None or not getattr(user, "pk", None):
        return None
    grant = RoleGrant.objects.filter(user=user).select_related("node").order_by("node__depth", "node__path").first()
    return grant.node if grant else None


def second_factor_required(user) -> bool:
    """Roles that read identity numbers or export (unit administrators and above) must verify a second
    factor; leaders may. `STAFF_2FA_REQUIRED` off (make run's dev settings only) asks it of nobody."""
    return bool(settings.STAFF_2FA_REQUIRED) and has_any_role(user, SECOND_FACTOR_REQUIRED)


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def totp_config_url(device: TOTPDevice) -> str:
    return device.config_url


def staff_login_record(*, user: User, ip_address: str | None = None) -> None:
    audit_record(actor=user, action=AuditAction.LOGGED_IN, node=staff_home_node(user), obj=user,
                 ip_address=ip_address)


def staff_logout_record(*, user: User, ip_address: str | None = None, reason: str = "") -> None:
    audit_record(actor=user, action=AuditAction.LOGGED_OUT, node=staff_home_node(user), obj=user,
                 ip_address=ip_address, reason=reason)


def staff_login_failed_record(*, username: str, ip_address: str | None = None, step: str = "password") -> None:
    """A failed staff log-in: a wrong password on a staff log-in page, or a wrong second-factor code. Filed
    under the account's organisation when the name is a staff account's, else with no organisation (only
    the system administrators read those)."""
    username = (username or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, node=staff_home_node(user), obj=user,
                 ip_address=ip_address, changes={"account": username, "step": step})


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(settings.STAFF_RECOVERY_CODES)]  # 8 base32 characters (40 bits)
    # Only a salted digest of each code is kept: the codes themselves are returned once, to be shown once.
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes)
    return codes


def _matching_recovery_code(device: StaticDevice, code: str) -> int | None:
    """The id of the device's recovery code equal to `code`, or None. Every digest of the set is computed and
    compared (constant time each), so the answer takes as long whichever code matches, or none."""
    found = None
    for pk, digest in RecoveryCode.objects.filter(device=device).order_by("pk").values_list("pk", "digest"):
        if recovery_code_matches(code, digest) and found is None:
            found = pk
    return found


@transaction.atomic
def second_factor_start(*, user: User) -> TOTPDevice:
    """The authenticator-app enrolment: a new secret, not yet confirmed (the same one while the person is on
    the enrolment page, so a reload shows the same QR code)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def second_factor_confirm(*, user: User, token: str, ip_address: str | None = None) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app confirms the enrolment: the device counts from now on, any earlier one
    is removed, and a fresh set of single-use recovery codes is made (returned once, to be shown once).
    A second submit of the same form finds the enrolment done and is refused."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    device = totp_device(user, confirmed=False)
    if device is None:
        raise ValidationError(_("The set-up has already been completed or has expired. Start again."),
                              code="no_enrolment")
    if not device.verify_token((token or "").strip()):
        raise ValidationError({"code": _("This code is not right. Check the time on your phone and type the "
                                         "code your app shows now.")})
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_record(actor=user, action=AuditAction.FACTOR_ENROLLED, node=staff_home_node(user), obj=user,
                 ip_address=ip_address, changes={"factor": "totp", "recovery_codes": len(codes)})
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user: User, ip_address: str | None = None) -> list[str]:
    """A new set of recovery codes; the earlier ones stop working."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    if not has_second_factor(user):
        raise ValidationError(_("Set up the authenticator app first."), code="no_factor")
    codes = _new_recovery_codes(user)
    audit_record(actor=user, action=AuditAction.FACTOR_ENROLLED, node=staff_home_node(user), obj=user,
                 ip_address=ip_address, changes={"recovery_codes": len(codes), "renewed": True})
    return codes


def second_factor_verify(*, user: User, code: str, ip_address: str | None = None):
    """The second step of a staff log-in: a code from the app, or one of the recovery codes (each works
    once: it is deleted by the statement that checks it, so two requests racing with the same code cannot
    both succeed). Returns the device that accepted the code, or None (recorded as a failed log-in)."""
    code = "".join((code or "").split()).lower()
    device = None
    if code.isdigit() and len(code) in (6, 8):
        with transaction.atomic():
            candidate = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if candidate is not None and candidate.verify_token(code):
                device = candidate
    elif 0 < len(code) <= 16:
        with transaction.atomic():
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is not None and static.verify_is_allowed()[0]:
                match = _matching_recovery_code(static, code)
                deleted = RecoveryCode.objects.filter(pk=match).delete()[0] if match is not None else 0
                if deleted:
                    static.throttle_reset(commit=False)
                    static.set_last_used_timestamp(commit=False)
                    static.save()
                    device = static
                    audit_record(actor=user, action=AuditAction.RECOVERY_CODE_USED, node=staff_home_node(user),
                                 obj=user, ip_address=ip_address,
                                 changes={"recovery_codes_left": static.recovery_codes.count()})
                else:
                    static.throttle_increment()
    if device is None:
        staff_login_failed_record(username=user.get_username(), ip_address=ip_address, step="second_factor")
    return device


# --- Staff accounts (系統管理 › 帳號) -------------------------------------------------------------------

STAFF_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")


def _require_may_manage(actor: User, account: User) -> None:
    if not account_may_manage(actor, account):
        raise PermissionDenied(_("You cannot change this account: it holds a role you may not grant."))


@transaction.atomic
def staff_account_create(*, actor: User, username: str, email: str, last_name: str = "", first_name: str = "",
                         job_title: str = "", node: OrgNode, role: str, ip_address: str | None = None) -> User:
    """Create a staff account and grant it a role, in one step: the role must be one the actor may grant on
    that organisation (`people.grant_create` decides), else nothing is written. The account has no password
    yet: the person receives a link to choose one. A second submit of the same form finds the name taken."""
    from .people import grant_create

    username = (username or "").strip()
    email = (email or "").strip().lower()
    errors = {}
    if not STAFF_USERNAME_RE.match(username):
        errors["username"] = [_("3 to 150 letters, digits or . @ + - _")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This account name is already taken.")]
    if not email:
        errors["email"] = [_("An e-mail address is needed to send the link for the first password.")]
    if errors:
        raise ValidationError(errors)
    user = User(username=username, email=email, last_name=last_name, first_name=first_name, job_title=job_title,
                display_name=f"{last_name}{first_name}".strip(), preferred_language=get_language_code())
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same name, created a moment ago by a double submit
        raise ValidationError({"username": [_("This account name is already taken.")]}) from exc
    grant_create(actor=actor, user=user, node=node, role=role, notify=False)
    audit_record(actor=actor, action=AuditAction.CREATED, node=node, obj=user, ip_address=ip_address,
                 changes={"account": ["", username], "role": ["", str(role)]})
    enqueue("operations.tasks.send_account_email", user.pk, "staff_welcome")
    return user


def get_language_code() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def staff_account_set_active(*, actor: User, account: User, active: bool, ip_address: str | None = None) -> User:
    """Disable or re-enable a staff account. Disabling keeps the account, its grants and its history, and ends
    every session it has: the password is made unusable, which changes the sessions' authentication hash.
    Re-enabling sends a link to choose a new password. Doing it twice changes nothing the second time."""
    locked = User.objects.select_for_update().get(pk=account.pk)
    _require_may_manage(actor, locked)
    if locked.is_active == active:
        return locked
    locked.is_active = active
    if not active:
        locked.set_unusable_password()
    locked.save(update_fields=["is_active", "password"])
    audit_record(actor=actor, action=AuditAction.ACCOUNT_ENABLED if active else AuditAction.ACCOUNT_DISABLED,
                 node=staff_home_node(locked), obj=locked, ip_address=ip_address)
    if active:
        enqueue("operations.tasks.send_account_email", locked.pk, "staff_password_reset")
    return locked


@transaction.atomic
def staff_password_reset_send(*, actor: User, account: User, ip_address: str | None = None) -> None:
    """An administrator sends the person a link to choose a new password (the old one keeps working until
    then)."""
    locked = User.objects.select_for_update().get(pk=account.pk)
    _require_may_manage(actor, locked)
    if not locked.is_active:
        raise ValidationError(_("This account is disabled. Re-enable it first."), code="inactive")
    if not locked.email:
        raise ValidationError(_("This account has no e-mail address."), code="no_email")
    audit_record(actor=actor, action=AuditAction.PASSWORD_RESET_SENT, node=staff_home_node(locked), obj=locked,
                 ip_address=ip_address)
    enqueue("operations.tasks.send_account_email", locked.pk, "staff_password_reset")


@transaction.atomic
def second_factor_reset(*, actor: User, account: User, ip_address: str | None = None) -> bool:
    """Remove a person's authenticator app and recovery codes (a lost phone): they set up a new one at their
    next log-in, and their sessions verified with the old one are no longer verified. Returns False when
    there was nothing to remove."""
    locked = User.objects.select_for_update().get(pk=account.pk)
    _require_may_manage(actor, locked)
    removed = TOTPDevice.objects.filter(user=locked).delete()[0] + StaticDevice.objects.filter(user=locked).delete()[0]
    if not removed:
        return False
    audit_record(actor=actor, action=AuditAction.FACTOR_RESET, node=staff_home_node(locked), obj=locked,
                 ip_address=ip_address)
    return True


def staff_password_reset_request(*, account: str) -> None:
    """忘記密碼? on the staff log-in page: e-mail a one-time link to a staff account named by its account
    name or e-mail address. The task is queued whether or not anything matched (it does nothing for None),
    so the page and the work are the same either way: nobody learns whether an account exists."""
    account = (account or "").strip()[:254]
    match = Q(email__iexact=account) if "@" in account else Q(username=account)
    user = User.objects.filter(match, is_active=True).exclude(email="").order_by("pk").first() if account else None
    user_id = user.pk if user is not None and has_any_role(user) else None
    enqueue("operations.tasks.send_account_email", user_id, "staff_password_reset")


@transaction.atomic
def password_changed_record(*, user: User, ip_address: str | None = None, how: str = "changed") -> None:
    """A staff password was changed (own profile) or set with an e-mail link; every other session of the
    account ends with it (Django's session hash follows the password)."""
    audit_record(actor=user, action=AuditAction.PASSWORD_CHANGED, node=staff_home_node(user), obj=user,
                 ip_address=ip_address, changes={"how": how})
