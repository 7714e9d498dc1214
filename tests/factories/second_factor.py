"""The staff second factor in tests. Tests log staff in with `client.force_login` (or `client.login`); the
shared fixture `_verified_staff_logins` (tests/conftest.py) makes those sessions verified with a test
authenticator app, as if the person had typed the code, so that the back-office suite keeps testing what
it tests. The sign-in tests ask for `unverified_logins` and go through the real pages."""
from __future__ import annotations

import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

# RFC 6238's test secret ("12345678901234567890"), hex as django-otp stores it
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def second_factor_device(user, *, key: str = TEST_TOTP_KEY) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", key=key, confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the app shows at `at` (now by default)."""
    counter = int(((at if at is not None else time.time()) - device.t0) // device.step)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def is_staff_account(user) -> bool:
    from operations.models import RoleGrant

    return bool(user.is_superuser or RoleGrant.objects.filter(user=user).exists())


def mark_session_verified(client, device) -> None:
    """The client's session has passed the second step with `device` (what django_otp.login does)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def verified_login(client, user):
    """Log `user` in on `client` with a verified second factor (staff only; others log in as usual)."""
    client.force_login(user)
    if is_staff_account(user):
        mark_session_verified(client, second_factor_device(user))
    return client
