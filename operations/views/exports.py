"""The one export path of the back-office: every list that can be downloaded mixes in `ExportMixin`; the
volunteer list, whose identity numbers are masked per row, has `volunteer_export_response`. Both record the
export (who, what, how many rows, from where) before streaming it."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from ..exports import CONTENT_TYPES, spreadsheet_response
from ..selectors.exports import insurer_roster_rows, volunteer_export_rows
from ..services.exports import export_record
from .base import client_ip


def _unknown_format():
    return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")


def volunteer_export_response(*, user, queryset, fmt: str, ip_address: str | None = None, full_ids: bool = False):
    """Volunteers as a spreadsheet. Identity numbers are masked unless `full_ids` is asked for by a user
    who may reveal them; then only the rows in their reveal scope show the full number, and the audit
    record of the export says so."""
    if fmt not in CONTENT_TYPES:
        return _unknown_format()
    headers, rows, count = volunteer_export_rows(user=user, queryset=queryset, full_ids=full_ids)
    export_record(actor=user, what="volunteers", fmt=fmt, row_count=count, ip_address=ip_address,
                  ids="full" if full_ids else "masked")
    return spreadsheet_response(filename="volunteers", headers=headers, rows=rows, fmt=fmt, title=_("Volunteers"))


def insurer_roster_response(*, user, queryset, fmt: str, ip_address: str | None = None, full_ids: bool = False):
    """The insurer's roster as a spreadsheet (see `selectors.exports.insurer_roster_rows`), recorded."""
    if fmt not in CONTENT_TYPES:
        return _unknown_format()
    headers, rows, count = insurer_roster_rows(user=user, queryset=queryset, full_ids=full_ids)
    export_record(actor=user, what="insurer roster", fmt=fmt, row_count=count, ip_address=ip_address,
                  ids="full" if full_ids else "masked")
    return spreadsheet_response(filename="insured", headers=headers, rows=rows, fmt=fmt, title=_("Insured"))


def table_export_response(*, user, what: str, headers: list[str], rows: Iterable[list], count: int, fmt: str,
                          ip_address: str | None = None, title: str = ""):
    """Any other back-office list: record the export, then stream it."""
    if fmt not in CONTENT_TYPES:
        return _unknown_format()
    export_record(actor=user, what=what, fmt=fmt, row_count=count, ip_address=ip_address)
    return spreadsheet_response(filename=what, headers=headers, rows=rows, fmt=fmt, title=title or what)


class ExportMixin:
    """A FilterView + SingleTableMixin list that downloads its filtered, sorted rows (all pages) when the URL
    carries `fmt` (the `<name>_export` URL): CSV, XLSX or ODS, streamed and recorded.

    `export_name` names the file and the audit record, `export_title` the sheet; `export_permission`, if set,
    is a verb the user must hold to download (the list itself is already scoped)."""

    export_name = ""
    export_title = ""
    export_permission: str | None = None

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in CONTENT_TYPES:
            return _unknown_format()
        if self.export_permission and not request.user.has_perm(self.export_permission):
            raise PermissionDenied
        self.object_list = self.get_queryset()
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect(request.path.rsplit("/", 1)[0] + "/")
        queryset = filterset.qs
        table = self.get_table_class()(queryset)
        RequestConfig(request, paginate=False).configure(table)
        self.prepare_export_table(table, queryset)
        values = table.as_values(exclude_columns=getattr(table, "export_exclude", ()))
        headers = [str(h) for h in next(values)]
        return table_export_response(
            user=request.user, what=self.export_name, headers=headers, rows=values, count=queryset.count(),
            fmt=fmt, ip_address=client_ip(request), title=str(self.export_title or self.export_name),
        )

    def prepare_export_table(self, table, queryset):
        """Hook: fill what the table needs for all rows (the screen fills it per page)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context
