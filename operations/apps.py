from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Volunteer operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Model-level change history (who changed which field when); sensitive reads and exports are
        # recorded explicitly as AuditEvent by the services.
        auditlog.register(models.OrgNode)
        auditlog.register(models.RoleGrant)
        auditlog.register(models.Volunteer, mask_fields=["id_number"], exclude_fields=["updated_at"])
        auditlog.register(models.Membership)
        auditlog.register(models.ServicePlan)
        auditlog.register(models.Campaign)
        auditlog.register(models.Shift)
        auditlog.register(models.Signup)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
