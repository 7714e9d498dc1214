"""Staff sign-in: the recovery codes of the second factor, kept as salted hashes.

django-otp's static-token plug-in keeps its codes as they are; ours hang from the same `StaticDevice` (so the
session's device, the reset and the throttling stay django-otp's) but store only a salted PBKDF2 digest of each
code: a read of the database shows no usable code. A code is shown once, when the set is made, and works once
(the row is deleted by the statement that accepts it)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import models

RECOVERY_HASH_ALGORITHM = "pbkdf2_sha256"
# Codes are 8 random base32 characters (40 bits); the iterations slow down guessing from a stolen digest
# while a log-in, which checks at most one set of codes, stays quick.
RECOVERY_HASH_ITERATIONS = 20_000


def recovery_code_normalise(code: str) -> str:
    return "".join((code or "").split()).lower()


def recovery_code_digest(code: str, *, salt: str | None = None, iterations: int = RECOVERY_HASH_ITERATIONS) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hex digest>` of the normalised code."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", recovery_code_normalise(code).encode(), salt.encode(), iterations)
    return f"{RECOVERY_HASH_ALGORITHM}${iterations}${salt}${digest.hex()}"


def recovery_code_matches(code: str, encoded: str) -> bool:
    """Constant-time comparison of a typed code with a stored digest."""
    try:
        algorithm, iterations, salt, _digest = encoded.split("$", 3)
        iterations = int(iterations)
    except ValueError:
        return False
    if algorithm != RECOVERY_HASH_ALGORITHM:
        return False
    return hmac.compare_digest(recovery_code_digest(code, salt=salt, iterations=iterations).encode(),
                               encoded.encode())


class RecoveryCode(models.Model):
    device = models.ForeignKey("otp_static.StaticDevice", on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=160, editable=False)

    class Meta:
        verbose_name = "recovery code"

    def __str__(self):
        return f"recovery code #{self.pk}"
