from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_filters.views import FilterView

from ..exports import CONTENT_TYPES, spreadsheet_response
from ..services.exports import export_record
from .base import (
    SingleTableMixin,
    StaffRequiredMixin,
    client_ip,
)


def table_export(*, request, table, filename: str, what: str, fmt: str):
    """Export what the table shows for this user (all pages), as CSV, XLSX or ODS; recorded."""
    if fmt not in CONTENT_TYPES:
        return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
    values = table.as_values()
    headers = [str(h) for h in next(values)]
    rows = list(values)
    export_record(actor=request.user, what=what, fmt=fmt, row_count=len(rows), ip_address=client_ip(request))
    return spreadsheet_response(filename=filename, headers=headers, rows=rows, fmt=fmt)


class ExportableListView(StaffRequiredMixin, SingleTableMixin, FilterView):
    """A filtered, sorted, paginated list; `?export=csv|xlsx|ods` (via the `<name>_export` URL) exports it."""

    paginate_by = 25
    export_name = ""
    template_name = "operations/recruitment/list.html"
    heading = ""

    def get(self, request, *args, **kwargs):
        fmt = kwargs.get("fmt")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        self.object_list = self.get_queryset()
        filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filters are not valid; nothing was exported."))
            return redirect(request.path.rsplit("/", 1)[0] + "/")
        table = self.get_table_class()(filterset.qs)
        return table_export(request=request, table=table, filename=self.export_name, what=self.export_name, fmt=fmt)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["querystring"] = self.request.GET.urlencode()
        context["heading"] = self.heading
        return context
