"""Reads of API tokens: a person's own tokens, and the account a presented token acts as."""
from __future__ import annotations

import hashlib

from volunteer_site.params import parse_id

from ..models import ApiToken
from ..scoping import is_staff_member

TOKEN_PREFIX = "tvp_"
MAX_TOKEN_LENGTH = 100


def api_token_digest(raw: str) -> str:
    """The stored form of a token: SHA-256 of the secret (the secret has 256 random bits, so a fast hash is
    enough; nothing that reads the table can use a token)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_list(user):
    """The tokens `user` made, newest first (revoked and expired ones too, for the record)."""
    return ApiToken.objects.owned_by(user).order_by("-created_at", "-id")


def api_token_detail(user, pk) -> ApiToken:
    """One of `user`'s own tokens; anybody else's (or none) raises ApiToken.DoesNotExist (→ 404)."""
    pk = parse_id(pk)
    if pk is None:
        raise ApiToken.DoesNotExist
    return api_token_list(user).get(pk=pk)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token whose secret is `raw` (not revoked, not expired, its account active and still holding a
    back-office role), with its user; None for anything else, whatever the reason."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("user").filter(digest=api_token_digest(raw)).first()
    if token is None or not is_staff_member(token.user):
        return None
    return token
