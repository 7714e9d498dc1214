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
        # The ID number is left out entirely: auditlog's masking keeps the last half visible, which
        # together with the masked display (first six) would reveal the whole number.
        auditlog.register(models.Volunteer, exclude_fields=["id_number", "updated_at"])
        auditlog.register(models.Membership)
        auditlog.register(models.ServicePlan)
        auditlog.register(models.Campaign)
        auditlog.register(models.Shift)
        auditlog.register(models.Signup, exclude_fields=["attendance", "updated_at"])
        auditlog.register(models.UnitApplication)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.Course)
        auditlog.register(models.TrainingSession, exclude_fields=["enrolled_count", "updated_at"])
        auditlog.register(models.TrainingRequirement)

        from .selectors.training import register as register_training_gate

        register_training_gate()  # the training gate joins the sign-up rule book

        from .selectors.browse import connect_browse_signals
        from .selectors.counting import connect_signals

        connect_signals()
        connect_browse_signals()

        from .selectors import insurance

        auditlog.register(models.InsurancePolicy, exclude_fields=["updated_at"])
        insurance.register()  # the insurance gate joins the sign-up rule book

        from .selectors.hours import register_record_book_dates
        from .selectors.records import record_book_dates

        register_record_book_dates(record_book_dates)  # hours count from the record-book date when needed
        auditlog.register(models.RecordBook, exclude_fields=["updated_at"])
        auditlog.register(models.ServiceId)
