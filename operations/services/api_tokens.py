"""Writes of API tokens: make one (the secret is returned once and only its digest is kept), revoke one, and note
when a token was last used. Making and revoking are audited."""
from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from volunteer_site.params import clean_text, has_control_characters

from ..models import ApiToken, AuditAction, RoleGrant, User
from ..scoping import is_staff_member
from ..selectors.api_tokens import TOKEN_PREFIX, api_token_detail, api_token_digest
from .audit import audit_record


def _settings() -> dict:
    defaults = {"DEFAULT_DAYS": 90, "MAX_DAYS": 365, "MAX_ACTIVE": 10, "TOUCH_SECONDS": 60}
    return {**defaults, **getattr(settings, "API_TOKENS", {})}


def _home_node(user):
    """The node of the user's highest grant: the audit record lands where the user's officers read it."""
    grant = RoleGrant.objects.filter(user=user).select_related("node").order_by("node__depth", "node__path").first()
    return grant.node if grant else None


def api_token_create(*, actor, name: str, days: int, ip_address: str | None = None) -> tuple[ApiToken, str]:
    """A new token for `actor` (acting as `actor`, nobody else) valid `days` days. Returns the token and its
    secret; the secret is not stored and cannot be shown again."""
    if not is_staff_member(actor):
        raise PermissionDenied(_("This account has no back-office role."))
    limits = _settings()
    name = clean_text(name, max_length=100)
    if not name or has_control_characters(name):
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if not isinstance(days, int) or not 1 <= days <= limits["MAX_DAYS"]:
        raise ValidationError({"days": _("A token is valid for 1 to %(max)d days.") % {"max": limits["MAX_DAYS"]}})
    with transaction.atomic():
        # One person's token writes one after another: the count below is then exact.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        active = ApiToken.objects.filter(user=actor).usable().count()
        if active >= limits["MAX_ACTIVE"]:
            raise ValidationError(_("You already have %(count)d usable tokens: revoke one you no longer need first.")
                                  % {"count": active})
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:len(TOKEN_PREFIX) + 6],
                                        digest=api_token_digest(raw),
                                        expires_at=now + datetime.timedelta(days=days))
        audit_record(actor=actor, action=AuditAction.API_TOKEN_CREATED, node=_home_node(actor), obj=token,
                     changes={"expires_at": ["", token.expires_at.isoformat()]}, ip_address=ip_address)
    return token, raw


def api_token_revoke(*, actor, token_id, ip_address: str | None = None) -> ApiToken:
    """Revoke one of `actor`'s own tokens (anybody else's: ApiToken.DoesNotExist, like a token that does not exist).
    Revoking a revoked token changes nothing and writes no second record."""
    with transaction.atomic():
        token = api_token_detail(actor, token_id)
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action=AuditAction.API_TOKEN_REVOKED, node=_home_node(actor), obj=token,
                     ip_address=ip_address)
    return token


def api_token_touch(*, token: ApiToken, ip_address: str | None = None) -> None:
    """Note that `token` was used now, at most once a minute per token (one small UPDATE, not per request)."""
    now = timezone.now()
    every = datetime.timedelta(seconds=_settings()["TOUCH_SECONDS"])
    if token.last_used_at is not None and now - token.last_used_at < every and token.last_used_ip == ip_address:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address)
    token.last_used_at, token.last_used_ip = now, ip_address
