"""Spreadsheet rendering of lists: CSV (UTF-8 with BOM), XLSX and ODS, all three streamed.

What goes into the rows is decided by selectors; that an export happened is recorded by a service
(both called from `views/exports.py`, the one export path of the back-office).
The rows are consumed one at a time while the response is sent, so an export of 150,000 volunteers
needs about as much memory as one of 100: CSV is written line by line; XLSX and ODS are zip files whose
one big member (the sheet) is written through `zipfile` into a buffer that is emptied after every few
hundred rows (zipfile writes to an unseekable stream with data descriptors). The small members (styles,
manifest) are fixed texts. The writers produce the minimal valid packages (ECMA-376 SpreadsheetML with
inline strings; ODF 1.2 spreadsheet with the `mimetype` member first and uncompressed) — tests read
them back with openpyxl and odfpy."""
from __future__ import annotations

import csv
import datetime
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FLUSH_EVERY = 500  # rows between two chunks sent to the client


def safe_cell(value):
    """Neutralise spreadsheet formula injection (=cmd|… in a name field) by prefixing a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


# XML 1.0 forbids most control characters; a stray one in a free-text field would make the file unreadable.
_XML_BAD = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _xml(value) -> str:
    return escape(_text(value).translate(_XML_BAD))


class _Echo:
    def write(self, value):
        return value


def _csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM so that Excel opens UTF-8 Chinese correctly
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow([safe_cell(_text(v) if not isinstance(v, int | float) else v) for v in row])


class _Drain:
    """A write-only, unseekable file that hands its bytes back on `take()`."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self):
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _zip_stream(fixed: list[tuple[str, str, int]], sheet_name: str, sheet_parts: Iterator[str]) -> Iterator[bytes]:
    """A zip file: `fixed` members (name, text, compression) first, then `sheet_name` from the parts."""
    drain = _Drain()
    with zipfile.ZipFile(drain, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text, compression in fixed:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), text.encode(),
                             compress_type=compression)
            yield drain.take()
        info = zipfile.ZipInfo(sheet_name, date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            for part in sheet_parts:
                member.write(part.encode())
                chunk = drain.take()
                if chunk:
                    yield chunk
    yield drain.take()


def _batched(parts: Iterator[str]) -> Iterator[str]:
    buffer: list[str] = []
    for i, part in enumerate(parts, 1):
        buffer.append(part)
        if i % FLUSH_EVERY == 0:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


# --- XLSX ---------------------------------------------------------------------------------------------

_XLSX_FIXED = [
    ("[Content_Types].xml",
     '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
     '<Default Extension="xml" ContentType="application/xml"/>'
     '<Override PartName="/xl/workbook.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
     '<Override PartName="/xl/worksheets/sheet1.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
     '<Override PartName="/xl/styles.xml" '
     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
     '</Types>', zipfile.ZIP_DEFLATED),
    ("_rels/.rels",
     '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
     '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
     'officeDocument" Target="xl/workbook.xml"/></Relationships>', zipfile.ZIP_DEFLATED),
    ("xl/_rels/workbook.xml.rels",
     '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
     '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
     'worksheet" Target="worksheets/sheet1.xml"/>'
     '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
     'styles" Target="styles.xml"/></Relationships>', zipfile.ZIP_DEFLATED),
    ("xl/styles.xml",
     '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
     '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
     '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
     '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
     '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
     '<fills count="2"><fill><patternFill patternType="none"/></fill>'
     '<fill><patternFill patternType="gray125"/></fill></fills>'
     '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
     '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
     '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
     '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
     '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
     '</styleSheet>', zipfile.ZIP_DEFLATED),
]
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _xlsx_cell(value, bold: bool = False) -> str:
    if isinstance(value, bool) or value is None:
        value = _text(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        serial = (value - datetime.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c s="1"><v>{serial:.6f}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    style = ' s="2"' if bold else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{_xml(safe_cell(value))}</t></is></c>'


def _xlsx_stream(headers: list[str], rows: Iterable[list], title: str) -> Iterator[bytes]:
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_xml(title[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )

    def sheet() -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" state="frozen"/>'
               '</sheetView></sheetViews><sheetData>')
        yield "<row>" + "".join(_xlsx_cell(h, bold=True) for h in headers) + "</row>"
        for row in rows:
            yield "<row>" + "".join(_xlsx_cell(v) for v in row) + "</row>"
        yield "</sheetData></worksheet>"

    fixed = [*_XLSX_FIXED, ("xl/workbook.xml", workbook, zipfile.ZIP_DEFLATED)]
    return _zip_stream(fixed, "xl/worksheets/sheet1.xml", _batched(sheet()))


# --- ODS ----------------------------------------------------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"'
)
_ODS_FIXED = [
    ("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
    ("META-INF/manifest.xml",
     '<?xml version="1.0" encoding="UTF-8"?>'
     '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
     '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
     'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
     '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
     '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
     '</manifest:manifest>', zipfile.ZIP_DEFLATED),
    ("styles.xml",
     f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_ODS_NS} office:version="1.2">'
     '<office:styles/></office:document-styles>', zipfile.ZIP_DEFLATED),
]


def _ods_cell(value, bold: bool = False) -> str:
    if isinstance(value, bool) or value is None:
        value = _text(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        iso = value.replace(tzinfo=None, microsecond=0).isoformat()
        return (f'<table:table-cell office:value-type="date" office:date-value="{iso}" table:style-name="ceDateTime">'
                f'<text:p>{value:%Y-%m-%d %H:%M}</text:p></table:table-cell>')
    if isinstance(value, datetime.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}" '
                f'table:style-name="ceDate"><text:p>{value.isoformat()}</text:p></table:table-cell>')
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    style = ' table:style-name="ceHead"' if bold else ""
    return (f'<table:table-cell office:value-type="string"{style}><text:p>{_xml(safe_cell(value))}</text:p>'
            "</table:table-cell>")


def _ods_stream(headers: list[str], rows: Iterable[list], title: str) -> Iterator[bytes]:
    def content() -> Iterator[str]:
        yield (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               '<office:automatic-styles>'
               '<number:date-style style:name="N1"><number:year number:style="long"/><number:text>-</number:text>'
               '<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>'
               '</number:date-style>'
               '<number:date-style style:name="N2"><number:year number:style="long"/><number:text>-</number:text>'
               '<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/>'
               '<number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text>'
               '<number:minutes number:style="long"/></number:date-style>'
               '<style:style style:name="ceDate" style:family="table-cell" style:data-style-name="N1"/>'
               '<style:style style:name="ceDateTime" style:family="table-cell" style:data-style-name="N2"/>'
               '<style:style style:name="ceHead" style:family="table-cell">'
               '<style:text-properties fo:font-weight="bold"/></style:style>'
               '</office:automatic-styles><office:body><office:spreadsheet>'
               f'<table:table table:name="{_xml(title[:31])}">'
               f'<table:table-column table:number-columns-repeated="{max(len(headers), 1)}"/>')
        yield "<table:table-row>" + "".join(_ods_cell(h, bold=True) for h in headers) + "</table:table-row>"
        for row in rows:
            yield "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        yield "</table:table></office:spreadsheet></office:body></office:document-content>"

    return _zip_stream(_ODS_FIXED, "content.xml", _batched(content()))


# --- Responses ----------------------------------------------------------------------------------------

def spreadsheet_response(*, filename: str, headers: list[str], rows: Iterable[list], fmt: str, title: str = ""):
    """A streamed download of `rows` under `headers` as CSV, XLSX or ODS (400 for another format)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    title = title or filename
    if fmt == "csv":
        stream: Iterator = _csv_stream(headers, rows)
    elif fmt == "xlsx":
        stream = _xlsx_stream(headers, rows, title)
    elif fmt == "ods":
        stream = _ods_stream(headers, rows, title)
    else:
        return HttpResponse(_("Unknown export format."), status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(stream, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response

