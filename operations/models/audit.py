"""Explicit audit records. Model changes are also tracked by django-auditlog; these records add the
things a model diff cannot show (an ID revealed, an export made, a grant given) and carry the
organisation node so that authority officers can read the records of their part of the tree."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..scoping import scope_q
from .organisations import OrgNode


class AuditAction(models.TextChoices):
    ID_REVEALED = "id_revealed", _("Identity number revealed")
    EXPORTED = "exported", _("Data exported")
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    MOVED = "moved", _("Moved")
    CLOSED = "closed", _("Closed")
    GRANTED = "granted", _("Role granted")
    REVOKED = "revoked", _("Role revoked")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_LEFT = "member_left", _("Member left")
    ROSTER_IMPORTED = "roster_imported", _("Roster imported")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    FILE_DOWNLOADED = "file_downloaded", _("Private file downloaded")
    VOLUNTEER_LOOKUP = "volunteer_lookup", _("Registered volunteer looked up")
    PRIVACY_REQUESTED = "privacy_requested", _("Personal-data request made")
    PRIVACY_COMPLETED = "privacy_completed", _("Personal-data request completed")
    PRIVACY_REFUSED = "privacy_refused", _("Personal-data request refused")
    ANONYMISED = "anonymised", _("Volunteer anonymised")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    # staff sign-in and accounts (README "Staff sign-in")
    LOGGED_IN = "logged_in", _("Logged in")
    LOGGED_OUT = "logged_out", _("Logged out")
    FACTOR_ENROLLED = "factor_enrolled", _("Second factor set up")
    FACTOR_RESET = "factor_reset", _("Second factor reset")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
    ACCOUNT_ENABLED = "account_enabled", _("Account re-enabled")
    PASSWORD_RESET_SENT = "password_reset_sent", _("Password reset link sent")
    PASSWORD_CHANGED = "password_changed", _("Password changed")


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user, roles=None):
        return self.filter(scope_q(user, "node", roles=roles))


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    node = models.ForeignKey(
        OrgNode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    changes = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"
