"""臺北通 (TaipeiPass) log-in: an OpenID Connect client (Authlib) whose discovery URL, client id and secret
come from settings.TAIPEIPASS. Claims follow the TownPass user-info message (DOMAIN.md §2.3): `idNo`,
`realName`, `verifyLevel` ("0" unverified, >0 real-name verified), `memberType`, `email`, `phoneNo`,
`birthday` (YYYY/MM/DD). Identity claims are trusted only when verifyLevel > 0."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..identity import guess_id_type, normalize_id_number
from ..models import AuditAction, User, Volunteer
from .audit import audit_record


def taipeipass_enabled() -> bool:
    conf = settings.TAIPEIPASS
    return bool(conf.get("DISCOVERY_URL") and conf.get("CLIENT_ID"))


def taipeipass_client():
    """A fresh Authlib Django client (the settings may change between tests; discovery is one request)."""
    from authlib.integrations.django_client import OAuth

    conf = settings.TAIPEIPASS
    oauth = OAuth()
    return oauth.register(
        name="taipeipass",
        client_id=conf["CLIENT_ID"],
        client_secret=conf["CLIENT_SECRET"],
        server_metadata_url=conf["DISCOVERY_URL"],
        client_kwargs={"scope": conf.get("SCOPE", "openid")},
    )


@dataclass
class TaipeiPassIdentity:
    sub: str
    verified: bool
    member_type: str = ""
    id_number: str = ""
    real_name: str = ""
    email: str = ""
    phone: str = ""
    birth_date: datetime.date | None = None
    extra: dict = field(default_factory=dict)

    def prefill(self) -> dict:
        """What a registration form may be pre-filled with (strings only: it goes into the session)."""
        data = {"sub": self.sub, "verified": self.verified, "email": self.email, "phone": self.phone}
        if self.verified:
            data.update(
                id_number=self.id_number,
                id_type=guess_id_type(self.id_number) or "",
                name=self.real_name,
                birth_date=self.birth_date.isoformat() if self.birth_date else "",
            )
        return data


def _parse_birthday(value) -> datetime.date | None:
    if not value:
        return None
    for fmt in ("%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    return None


def identity_from_claims(claims: dict) -> TaipeiPassIdentity:
    try:
        level = int(str(claims.get("verifyLevel", "0")).strip() or 0)
    except ValueError:
        level = 0
    id_number = normalize_id_number(claims.get("idNo") or "")
    verified = level > 0 and bool(id_number) and guess_id_type(id_number) is not None
    return TaipeiPassIdentity(
        sub=str(claims["sub"]),
        verified=verified,
        member_type=str(claims.get("memberType") or ""),
        id_number=id_number if verified else "",
        real_name=str(claims.get("realName") or "") if verified else "",
        email=str(claims.get("email") or "").lower(),
        phone=str(claims.get("phoneNo") or ""),
        birth_date=_parse_birthday(claims.get("birthday")) if verified else None,
        extra={k: claims.get(k) for k in ("memberType", "citizen") if k in claims},
    )


@transaction.atomic
def taipeipass_login(*, claims: dict) -> tuple[User | None, TaipeiPassIdentity]:
    """The account to log in for these claims, or None when a registration must be started (pre-filled
    from the identity). Links a first log-in to the volunteer with the same verified document number."""
    identity = identity_from_claims(claims)
    user = User.objects.filter(taipeipass_sub=identity.sub, is_active=True).first()
    if user is not None:
        return user, identity
    if not identity.verified:
        return None, identity
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",)).select_related("user")
        .filter(id_number=identity.id_number).exclude(id_type="passport").first()
    )
    if volunteer is None:
        return None, identity
    if volunteer.user_id is None:
        # A record a unit already keeps (e.g. from a group roster): it becomes this person's account.
        username = identity.email or f"taipeipass-{identity.sub}"[:150]
        if User.objects.filter(username__iexact=username).exists():
            username = f"taipeipass-{identity.sub}"[:150]
        user = User(username=username, email=identity.email, display_name=volunteer.name)
        user.set_unusable_password()
        user.save()
        volunteer.user = user
    else:
        user = volunteer.user
    if user.taipeipass_sub and user.taipeipass_sub != identity.sub:
        return None, identity
    user.taipeipass_sub = identity.sub
    if identity.email and not user.email:
        user.email = identity.email
    user.save()
    volunteer.identity_verified_at = volunteer.identity_verified_at or timezone.now()
    volunteer.identity_verified_by = volunteer.identity_verified_by or "taipeipass"
    volunteer.save(update_fields=["user", "identity_verified_at", "identity_verified_by", "updated_at"])
    audit_record(actor=user, action=AuditAction.UPDATED, obj=volunteer, changes={"taipeipass": ["", "linked"]})
    return user, identity
