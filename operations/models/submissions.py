"""One-time keys of forms whose POST changes something people race for (sign-up, cancel): the first POST
with a key stores its result; a repeat (double click, resubmit, back button) shows that result."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    purpose = models.CharField(max_length=32)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form submission key")
        verbose_name_plural = _("form submission keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submission_key_once_per_user")]

    def __str__(self):
        return f"{self.purpose} {self.key}"
