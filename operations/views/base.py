from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_tables2 as tables2
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig
from volunteer_site.params import parse_page, parse_per_page

from ..scoping import is_staff_member


@dataclass(frozen=True)
class Module:
    """A back-office module in the side navigation. It is shown to a person who may use it: `permission` is a
    verb of `rules.VERB_ROLES` (checked without an object: "holds a role that may do this somewhere") or any
    Django permission, `predicate(user)` decides otherwise. A module without `url_name` is not built yet and
    is never shown."""

    key: str
    label: str
    url_name: str | None
    permission: str | None = None
    predicate: Callable | None = None

    def allows(self, user) -> bool:
        if not self.url_name or not (user and user.is_authenticated):
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        return self.predicate(user) if self.predicate is not None else True


# The 13 back-office modules of SPEC.md, in the order of the side navigation.
MODULES = [
    Module("volunteers", _("Volunteer and team management"), "operations:volunteer_list",
           permission="operations.volunteer.view"),
    Module("units", _("Unit data"), "operations:unit_home", permission="operations.orgnode.view"),
    Module("recruitment", _("Recruitment and matching"), "operations:campaign_list",
           permission="operations.campaign.view"),
    Module("insurance", _("Insurance"), "operations:insurance_policy_list",
           permission="operations.insurancepolicy.view"),
    Module("training", _("Training"), "operations:course_list", permission="operations.course.view"),
    Module("attendance", _("Attendance"), "operations:attendance_list", permission="operations.shift.view"),
    Module("applications", _("Applications"), "operations:record_book_list",
           permission="operations.recordbook.view"),
    Module("review", _("Form review"), "operations:review_queue", permission="operations.review.decide"),
    Module("reports", _("Semi-annual and annual reports"), "operations:report_list",
           permission="operations.periodreport.view"),
    Module("statistics", _("Statistics"), "operations:statistics_home", permission="operations.orgnode.view_statistics"),
    Module("frontsite", _("Front-site management"), "wagtailadmin_home", permission="wagtailadmin.access_admin"),
    # 系統管理: shown to those who may use a part of it (views.system.SYSTEM_PARTS)
    Module("system", _("System management"), "operations:system_home", predicate=lambda user: _may_use_system(user)),
    Module("profile", _("My profile"), "operations:profile", predicate=is_staff_member),
    # Part of "My profile" (module 13): a person's own tokens for the staff API.
    Module("api_tokens", _("API tokens"), "operations:api_token_list", predicate=is_staff_member),
]


def _may_use_system(user) -> bool:
    from .system import may_use_system

    return may_use_system(user)


def modules_for(user) -> list[Module]:
    """The modules `user` may open, in menu order (the ones not built yet never appear)."""
    return [module for module in MODULES if module.allows(user)]


class StaffRequiredMixin(AccessMixin):
    """The base of every back-office page. A view declares what it reads and which permission it needs;
    the base does the rest once, in this order:

    1. anonymous → the log-in page; an account without a back-office role → 403;
    2. `role_permission`: a verb the user must hold somewhere (checked before any lookup, so somebody who
       may not use the module gets the same 403 whether or not the object exists);
    3. `object_selector(user, pk)`: a selector reading through the one scope; outside the scope → 404,
       exactly like an object that does not exist. The object is stored as `self.<object_name>` and put in
       the template context under that name. Without the URL keyword (a "new …" page) it is None;
    4. `permission`: the verb checked on `get_permission_object()` (the object, or None → any role that may
       do it somewhere) for the methods in `permission_methods` (all when None) → 403.

    Example::

        class ShiftDetailView(StaffRequiredMixin, TemplateView):
            object_selector = shift_detail
            object_name = "shift"
            permission = "operations.shift.change"
            permission_methods = ("POST",)

    `load_objects()` and `has_permission()` are the hooks for pages that read two objects or combine two
    verbs; nothing else in a back-office view overrides `dispatch`.
    """

    module = ""
    role_permission: str | None = None
    object_selector = None
    object_name = "object"
    object_kwarg = "pk"
    permission: str | None = None
    permission_methods: tuple[str, ...] | None = None

    def setup(self, request, *args, **kwargs):
        # Refuse accounts without a role before anything looks an object up, so that they get this 403
        # everywhere rather than a 404 from an empty scope.
        super().setup(request, *args, **kwargs)
        if request.user.is_authenticated and not is_staff_member(request.user):
            raise PermissionDenied(_("This account has no back-office role."))

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_staff_member(request.user):
            raise PermissionDenied(_("This account has no back-office role."))
        if self.role_permission and not request.user.has_perm(self.role_permission):
            raise PermissionDenied
        self.load_objects()
        if self.permission and (self.permission_methods is None or request.method in self.permission_methods):
            if not self.has_permission(request.user, self.get_permission_object()):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self) -> None:
        """Read the page's object through the scope (404 outside it). Override to read more, calling super."""
        selector = type(self).object_selector
        if selector is None:
            return
        pk = self.kwargs.get(self.object_kwarg)
        setattr(self, self.object_name, None if pk is None else scoped_or_404(selector, self.request.user, pk))

    def get_permission_object(self):
        """What `permission` is checked on: the page's object (None on a "new …" page)."""
        if type(self).object_selector is None:
            return None
        return getattr(self, self.object_name)

    def has_permission(self, user, obj) -> bool:
        return user.has_perm(self.permission, obj)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_module"] = self.module
        if type(self).object_selector is not None:
            context.setdefault(self.object_name, getattr(self, self.object_name, None))
        return context


class ImportJobStartMixin:
    """An upload form (FormView) whose file a background job checks and imports: `start_job(actor=, file=,
    language=)` (a service, as a staticmethod) stores it and queues the job; the upload then leads to the
    job's page (`status_url_name`). A refused upload (type, size, rights) is shown on the file field."""

    start_job: Callable = None
    status_url_name = ""

    def form_valid(self, form):
        try:
            job = self.start_job(actor=self.request.user, file=form.cleaned_data["file"], language=get_language())
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("file", getattr(exc, "messages", None) or [str(exc)])
            return self.form_invalid(form)
        return redirect(self.status_url_name, pk=job.pk)


class ImportJobStatusMixin:
    """The status page of an import job (`models.ImportJob`: rosters into a team, hour slips, certificates), after
    StaffRequiredMixin with `object_selector` reading the user's own jobs: `?format=json` answers the
    progress the page's script polls; the page itself shows the progress, then the result or every row's
    problems (templates/operations/_import_progress.html)."""

    object_name = "job"

    def get(self, request, *args, **kwargs):
        job = self.job
        if request.GET.get("format") == "json":
            return JsonResponse({"status": job.status, "percent": job.percent, "processed": job.processed_rows,
                                 "total": job.total_rows, "finished": job.finished_at is not None})
        return super().get(request, *args, **kwargs)


def scoped_or_404(getter, *args, **kwargs):
    """`getter(*args, **kwargs)` — a selector that reads through the user's scope — or 404: an object outside the
    scope answers exactly like one that does not exist."""
    try:
        return getter(*args, **kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def saved_by_service(view, form, call, *, success: str, redirect_to, refusals=(ValidationError,)):
    """A valid form's service call: on a refusal (`refusals`; a PermissionDenied among them is shown like a
    ValidationError) the form again with the service's messages, else `success` and a redirect to
    `redirect_to` (a URL, or a function of the service's result giving one)."""
    try:
        result = call()
    except refusals as exc:
        if isinstance(exc, PermissionDenied):
            exc = ValidationError(str(exc))
        add_service_errors(form, exc)
        return view.form_invalid(form)
    messages.success(view.request, success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def add_service_errors(form, exc) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():  # ValidationErrors, so their codes reach the form
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


class BoundedRequestConfig(RequestConfig):
    """django-tables2's RequestConfig with our parameter rules: `page` clamps to the pages there are,
    `per_page` is one of PER_PAGE_CHOICES (else the table's default), at most five sort keys."""

    def configure(self, table):
        table.request = self.request
        params = self.request.GET
        order_by = [o for o in params.getlist(table.prefixed_order_by_field)[:5] if 0 < len(o) <= 100]
        if order_by:
            table.order_by = order_by
        if self.paginate:
            kwargs = dict(self.paginate) if hasattr(self.paginate, "items") else {}
            kwargs.pop("silent", None)
            default = kwargs.get("per_page") or table._meta.per_page
            if table.prefixed_per_page_field in params:
                kwargs["per_page"] = parse_per_page(params.get(table.prefixed_per_page_field), default)
            kwargs["page"] = parse_page(params.get(table.prefixed_page_field))
            try:
                table.paginate(**kwargs)
            except EmptyPage:
                table.page = table.paginator.page(table.paginator.num_pages)
        return table


class SingleTableMixin(tables2.SingleTableMixin):
    """django-tables2's SingleTableMixin configured by BoundedRequestConfig. The table paginates (and
    clamps the page); the list view's own pagination would answer 404 for `?page=abc` and count twice."""

    def paginate_queryset(self, queryset, page_size):
        return None, None, queryset, False

    def get_table(self, **kwargs):
        table_class = self.get_table_class()
        table = table_class(data=self.get_table_data(), **kwargs)
        return BoundedRequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(table)
