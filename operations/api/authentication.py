"""How the staff API knows who is asking: a browser's session (DRF's SessionAuthentication, which checks CSRF on
every unsafe method) or an integration's token in `Authorization: Bearer <token>`. A token acts as its account:
the views read through `visible_to(request.user)` either way, so a token sees exactly what its account sees."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..selectors.api_tokens import api_token_authenticate
from ..services.api_tokens import api_token_touch

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer tvp_…` (or `Token tvp_…`). A missing header leaves the other ways to try; a token
    that is wrong, expired, revoked or whose account is disabled gets one and the same 401, so the answer never
    tells which."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token.")) from None
        token = api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        api_token_touch(token=token, ip_address=request.META.get("REMOTE_ADDR") or None)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A token made at /backoffice/profile/api-tokens/ (shown once). It acts as its account."}
