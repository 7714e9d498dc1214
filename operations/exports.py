"""Spreadsheet rendering of lists: CSV (UTF-8 with BOM, streamed), XLSX and ODS. What goes into the
rows is decided by selectors; that an export happened is recorded by a service."""
from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

import tablib
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors.exports import volunteer_export_rows
from .services.exports import export_record

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formula injection (=cmd|… in a name field) by prefixing a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def _csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM so that Excel opens UTF-8 Chinese correctly
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def spreadsheet_response(*, filename: str, headers: list[str], rows: Iterable[list], fmt: str):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    disposition = f"attachment; filename=\"{filename}-{stamp}.{fmt}\""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(headers, rows), content_type=CONTENT_TYPES["csv"])
    elif fmt in ("xlsx", "ods"):
        data = tablib.Dataset(headers=headers)
        for row in rows:
            data.append([safe_cell(v.isoformat() if isinstance(v, datetime.date) else v) for v in row])
        response = HttpResponse(data.export(fmt), content_type=CONTENT_TYPES[fmt])
    else:
        return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store"
    return response


def volunteer_export_response(*, user, queryset, fmt: str, ip_address: str | None = None):
    if fmt not in CONTENT_TYPES:
        return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
    headers, rows, count = volunteer_export_rows(user=user, queryset=queryset)
    export_record(actor=user, what="volunteers", fmt=fmt, row_count=count, ip_address=ip_address)
    return spreadsheet_response(filename="volunteers", headers=headers, rows=rows, fmt=fmt)
