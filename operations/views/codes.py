"""系統管理 › 代碼表: the values of the code tables (languages, skills), edited by system administrators. A value in use
is retired rather than deleted (`services.codes`)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from ..forms.base import ReasonForm
from ..forms.codes import CodeValueForm
from ..selectors.codes import CODE_TABLES, code_table_verb, code_value_detail, code_value_uses, code_values
from ..services.codes import code_value_create, code_value_delete, code_value_retire, code_value_update
from .base import StaffRequiredMixin, saved_by_service, scoped_or_404
from .system import SystemNavMixin

VERB = "operations.language.change"  # every table carries the same roles (rules.VERB_ROLES)


def has_hosting(model) -> bool:
    return any(field.name == "hosting" for field in model._meta.fields)


def has_city(model) -> bool:
    return any(field.name == "city" for field in model._meta.fields)


class CodeTablesView(SystemNavMixin, StaffRequiredMixin, TemplateView):
    """Every code table with its values, active and retired, and how often each is used."""

    template_name = "operations/system/code_tables.html"
    role_permission = VERB

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(subnav="codes", tables=[
            {"key": key, "label": model._meta.verbose_name_plural, "values": code_values(user, model)}
            for key, model in CODE_TABLES.items() if user.has_perm(code_table_verb(model))
        ])
        return context


class _CodeView(SystemNavMixin, StaffRequiredMixin, FormView):
    """A page of one table (`table` in the URL) and, with `pk`, of one of its values."""

    object_name = "value"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.model = CODE_TABLES.get(kwargs.get("table"))
        self.role_permission = code_table_verb(self.model) if self.model else VERB

    def load_objects(self):
        if self.model is None:
            raise Http404
        pk = self.kwargs.get("pk")
        self.value = None if pk is None else scoped_or_404(code_value_detail, self.request.user, self.model, pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(subnav="codes", value=self.value, table_label=self.model._meta.verbose_name_plural,
                       table=self.kwargs["table"])
        return context

    def tables_url(self) -> str:
        return reverse("operations:code_tables")

    def call(self, form, service):
        return saved_by_service(self, form, service, success=self.success_message, redirect_to=self.tables_url(),
                                refusals=(ValidationError, PermissionDenied))


class CodeValueCreateView(_CodeView):
    template_name = "operations/system/code_form.html"
    form_class = CodeValueForm
    success_message = ""

    def get_form_kwargs(self):
        code_length = self.model._meta.get_field("code").max_length
        return {**super().get_form_kwargs(), "creating": True, "code_length": code_length,
                "hosting": has_hosting(self.model), "city": has_city(self.model)}

    def form_valid(self, form):
        self.success_message = _("The value has been added.")
        return self.call(form, lambda: code_value_create(actor=self.request.user, model=self.model,
                                                         **form.cleaned_data))


class CodeValueEditView(_CodeView):
    template_name = "operations/system/code_form.html"
    form_class = CodeValueForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "creating": False, "hosting": has_hosting(self.model)}

    def get_initial(self):
        return {"name": self.value.name, "name_en": self.value.name_en, "order": self.value.order,
                "is_active": self.value.is_active, "hosting": getattr(self.value, "hosting", False)}

    def form_valid(self, form):
        self.success_message = _("The value has been saved.")
        return self.call(form, lambda: code_value_update(actor=self.request.user, value=self.value,
                                                         **form.cleaned_data))


class CodeValueRetireView(_CodeView):
    """Confirmation and retirement: no longer offered in forms, kept where used."""

    template_name = "operations/system/code_confirm.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(action="retire", uses=code_value_uses(self.value))
        return context

    def form_valid(self, form):
        self.success_message = _("The value has been retired: it is no longer offered in forms.")
        return self.call(form, lambda: code_value_retire(actor=self.request.user, value=self.value,
                                                         reason=form.cleaned_data["reason"]))


class CodeValueDeleteView(_CodeView):
    """Confirmation and deletion of a value nobody uses (a value in use is refused: retire it)."""

    template_name = "operations/system/code_confirm.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(action="delete", uses=code_value_uses(self.value))
        return context

    def form_valid(self, form):
        self.success_message = _("The value has been deleted.")
        return self.call(form, lambda: code_value_delete(actor=self.request.user, value=self.value,
                                                         reason=form.cleaned_data["reason"]))
