"""Roster files: the template, the parser and the row checks of a roster (團體報名 and the staff import of
a roster into a team). Shared by services.rosters (a group signing up for shifts) and services.teams (a
roster imported into a team), which add their own checks through the hooks of `check_roster_rows`.

The parser reads CSV (UTF-8 with or without BOM, or Big5), XLSX and ODS as streams, with limits on size,
rows and unpacked size. Nothing here writes to the database: the row checks read the registry (a
document number already registered) and report progress through the caller's `progress` callback."""
from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from volunteer_site.params import clean_text, has_control_characters

from ..identity import IdType, guess_id_type, normalize_id_number, validate_id_number
from ..localised import join_list
from ..models import Sex, UnitCategory, Volunteer

PROGRESS_EVERY = 250


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool
    help: object

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


ROSTER_COLUMNS = [
    Column("name", "姓名", "Name", True, gettext_lazy("As on the identity document.")),
    Column("id_type", "證件類別", "Document type", False,
           gettext_lazy("身分證 / 居留證 / 護照 (national ID, resident certificate, passport); guessed when empty.")),
    Column("id_number", "證件號碼", "Document number", True, gettext_lazy("National ID, resident certificate or passport number.")),
    Column("sex", "性別", "Sex", True, gettext_lazy("男 / 女 / 其他 or M / F / X.")),
    Column("birth_date", "出生日期", "Date of birth", True, gettext_lazy("YYYY-MM-DD, for example 1990-03-14.")),
    Column("phone", "手機", "Mobile", False, gettext_lazy("Ten digits starting with 09.")),
    Column("email", "電子郵件", "E-mail", False, gettext_lazy("Optional.")),
    Column("emergency_contact_name", "緊急聯絡人", "Emergency contact", False, gettext_lazy("Optional.")),
    Column("emergency_contact_phone", "緊急聯絡電話", "Emergency contact phone", False, gettext_lazy("Optional.")),
]
SEX_VALUES = {"m": Sex.MALE, "男": Sex.MALE, "male": Sex.MALE, "f": Sex.FEMALE, "女": Sex.FEMALE,
              "female": Sex.FEMALE, "x": Sex.OTHER, "其他": Sex.OTHER, "other": Sex.OTHER}
ID_TYPE_VALUES = {"身分證": IdType.NATIONAL_ID, "國民身分證": IdType.NATIONAL_ID, "居留證": None, "統一證號": None,
                  "護照": IdType.PASSPORT, "passport": IdType.PASSPORT, "national id": IdType.NATIONAL_ID,
                  "resident certificate": None, **{t.value: t.value for t in IdType}}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
def spreadsheet_template(headers: list[str], example: list, *, title: str, fmt: str) -> tuple[bytes, str]:
    """An import template: the header row and one example row to overwrite, as CSV (UTF-8 with BOM), XLSX
    or ODS. Every import of the platform (rosters, hour slips, certificates) hands out its template so."""
    import tablib

    data = tablib.Dataset(headers=headers, title=title)
    data.append(example)
    if fmt == "csv":
        return ("\ufeff" + data.export("csv")).encode("utf-8"), CONTENT_TYPES["csv"]
    return data.export(fmt), CONTENT_TYPES[fmt]


def header_map(header: list, columns) -> dict[str, int]:
    """Which column of the file holds which field: a header cell names a column by its key, its Chinese or
    English header, both ("姓名 Name"), or the Chinese header followed by anything. `columns` are
    `(key, zh, en, …)` tuples or `Column`s; the first match of a key wins."""
    mapping: dict[str, int] = {}
    names = [(c.key, c.zh, c.en) if isinstance(c, Column) else tuple(c[:3]) for c in columns]
    for index, cell in enumerate(header):
        text = " ".join(str(cell or "").split()).lower()
        for key, zh, en in names:
            if text in (key, zh.lower(), en.lower(), f"{zh} {en}".lower()) or text.startswith(zh.lower() + " "):
                mapping.setdefault(key, index)
    return mapping


def unit_category_values() -> dict[str, str]:
    """What an imported cell may say for a service category (hour slips, certificates): the code, the English
    or Chinese name with or without 類, and the names used on MOHW certificates."""
    from django.utils import translation

    from ..models.code_values import service_category_choices

    values = {}
    # the category table (系統管理 › 代碼表; every value, a retired one is still read), both languages
    for language in ("en", "zh-hant"):
        with translation.override(language):
            for code, label in service_category_choices():
                values[code] = code
                values[label.lower()] = code
                values[label] = code
                values[label.removesuffix("類")] = code
                values[label.removesuffix("類") + "類"] = code
    values.update({"社會福利": UnitCategory.SOCIAL_WELFARE, "社會福利類": UnitCategory.SOCIAL_WELFARE,
                   "衛生保健": UnitCategory.HEALTH, "體育": UnitCategory.SPORTS, "體育類": UnitCategory.SPORTS})
    return values


def roster_template(fmt: str) -> tuple[bytes, str]:
    """The template: bilingual headers and one example row (a valid test ID) to overwrite."""
    return spreadsheet_template([c.header for c in ROSTER_COLUMNS],
                                ["王小明", "身分證", "A123456789", "男", "1990-03-14", "0912345678", "ming@example.com",
                                 "王大明", "0223456789"], title="roster", fmt=fmt)


class RosterFileError(ValidationError):
    pass


def _decode_csv(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("The CSV file is neither UTF-8 nor Big5. Save it as “CSV UTF-8” or as XLSX and "
                            "upload it again."))


def parse_roster(name: str, raw: bytes, *, max_rows: int | None = None) -> list[list[str]]:
    """Rows of cells (strings) including the header row; raises RosterFileError with a clear message.

    The file is read as a stream (CSV line by line, XLSX with openpyxl's read-only reader, ODS with an
    XML pull parser) and refused as soon as it holds more than `max_rows` rows under the header (default:
    ROSTER_MAX_ROWS): a small file that unpacks to a million rows costs what 10,000 rows cost, not more.
    XLSX and ODS are zip archives: their unpacked size is checked against ROSTER_MAX_UNPACKED_BYTES before
    anything is parsed (a "zip bomb" is refused at once)."""
    conf = settings.VOLUNTEER_ACCOUNTS
    limit = conf["ROSTER_MAX_BYTES"]
    max_rows = conf["ROSTER_MAX_ROWS"] if max_rows is None else max_rows
    if not raw:
        raise RosterFileError(_("The file is empty."))
    if len(raw) > limit:
        raise RosterFileError(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    lower = name.lower()
    kind = lower.rsplit(".", 1)[-1].upper()
    try:
        if lower.endswith(".csv"):
            text = _decode_csv(raw)
            if "\x00" in text:
                raise RosterFileError(_("The file is not a text CSV file."))
            source = csv.reader(io.StringIO(text, newline=""))
        elif lower.endswith(".xlsx"):
            source = _xlsx_rows(raw, max_rows=max_rows)
        elif lower.endswith(".ods"):
            source = _ods_rows(raw)
        else:
            raise RosterFileError(_("Upload a CSV, XLSX or ODS file."))
        rows = _take_rows(source, max_rows=max_rows)
    except RosterFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - csv/openpyxl/expat raise many kinds on a broken file
        raise RosterFileError(_("The file could not be read. Is it really a %(kind)s file?")
                              % {"kind": kind}) from exc
    if len(rows) < 2:
        raise RosterFileError(_("The file has no rows under the header row."))
    return rows


def _too_many_rows(max_rows: int) -> RosterFileError:
    return RosterFileError(_("A roster may have at most %(n)s people.") % {"n": max_rows})


def _rows_read_limit(max_rows: int) -> int:
    """Rows read (blank ones too) before a file is refused: the people, a header and as many blank rows."""
    return 2 * max_rows + 100


def _take_rows(source, *, max_rows: int) -> list[list[str]]:
    """The non-empty rows of `source` (header first), refusing the file at the first row past `max_rows`
    people, or when blank rows alone run past twice that (a sheet of a million empty rows)."""
    rows: list[list[str]] = []
    read = 0
    for row in source:
        read += 1
        if read > _rows_read_limit(max_rows):
            raise _too_many_rows(max_rows)
        cells = [_cell(v) for v in row[:MAX_COLUMNS]]
        if any(cells):
            rows.append(cells)
            if len(rows) > max_rows + 1:
                raise _too_many_rows(max_rows)
    return rows


MAX_COLUMNS = 50  # cells read per row; the template has nine


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    cap = settings.VOLUNTEER_ACCOUNTS["ROSTER_MAX_UNPACKED_BYTES"]
    if sum(info.file_size for info in archive.infolist()) > cap or len(archive.infolist()) > 1000:
        raise RosterFileError(_("The file unpacks to more than %(mb)s MB; a roster is much smaller. Save only "
                                "the roster sheet and upload it again.") % {"mb": cap // (1024 * 1024)})


# A row element in a sheet's XML, with or without a namespace prefix (`<row>`, `<row r="2">`, `<x:row/>`).
_XLSX_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _count_xlsx_rows(archive: zipfile.ZipFile, *, stop_after: int) -> None:
    """Count the row elements of every sheet in the raw XML (a regular expression over the unpacked stream,
    no parsing) and refuse the file past `stop_after`. openpyxl cannot be left to find out: its read-only
    reader scans a whole sheet for its size before the first row when the file declares none."""
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        count, carry = 0, b""
        with archive.open(info) as fh:
            while chunk := fh.read(1 << 16):
                data = carry + chunk
                cut = data.rfind(b"<")
                cut = len(data) if cut < 0 else cut
                count += len(_XLSX_ROW.findall(data, 0, cut))
                carry = data[cut:]
                if count > stop_after:
                    raise RosterFileError("rows")
        count += len(_XLSX_ROW.findall(carry))
        if count > stop_after:
            raise RosterFileError("rows")


def _xlsx_rows(raw: bytes, *, max_rows: int):
    import openpyxl

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        _check_unpacked_size(archive)
        try:
            _count_xlsx_rows(archive, stop_after=_rows_read_limit(max_rows))
        except RosterFileError:
            raise _too_many_rows(max_rows) from None
    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # do not trust the <dimension> the file declares
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    finally:
        book.close()


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _ods_rows(raw: bytes):
    """The rows of the first table of an ODS file, read with a pull parser (odfpy and tablib build the
    whole document in memory first). Repeated rows and cells (`number-rows-repeated`, a classic way to
    say "a million empty rows" in a few bytes) are expanded lazily and capped."""
    from xml.etree.ElementTree import iterparse

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        _check_unpacked_size(archive)
        with archive.open("content.xml") as content:
            row_tag, cell_tags = f"{{{_ODS_TABLE}}}table-row", (f"{{{_ODS_TABLE}}}table-cell",
                                                                 f"{{{_ODS_TABLE}}}covered-table-cell")
            table_tag = f"{{{_ODS_TABLE}}}table"
            for _event, element in iterparse(content, events=("end",)):
                if element.tag == table_tag:
                    return  # the first sheet only
                if element.tag != row_tag:
                    continue
                cells: list[str] = []
                for cell in element:
                    if cell.tag not in cell_tags:
                        continue
                    value = (cell.get(f"{{{_ODS_OFFICE}}}date-value") or cell.get(f"{{{_ODS_OFFICE}}}value")
                             if cell.get(f"{{{_ODS_OFFICE}}}value-type") in ("float", "date", "percentage",
                                                                            "currency") else None)
                    if value is None:
                        value = "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{_ODS_TEXT}}}p"))
                    if cell.get(f"{{{_ODS_OFFICE}}}value-type") == "date" and value:
                        value = value[:10]
                    elif value and cell.get(f"{{{_ODS_OFFICE}}}value-type") == "float":
                        value = _cell(_float_or_text(value))
                    repeat = min(int(cell.get(f"{{{_ODS_TABLE}}}number-columns-repeated", "1") or 1), MAX_COLUMNS)
                    cells.extend([value] * repeat)
                    if len(cells) >= MAX_COLUMNS:
                        break
                repeat = int(element.get(f"{{{_ODS_TABLE}}}number-rows-repeated", "1") or 1)
                element.clear()
                while cells and not cells[-1]:
                    cells.pop()
                for _i in range(repeat):
                    yield cells


def _float_or_text(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: str) -> datetime.date | None:
    value = value.strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        parts = value.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                year = int(parts[0])
                return datetime.date(year + 1911 if year < 1000 else year, int(parts[1]), int(parts[2]))
            except ValueError:
                return None
        return None


def roster_check_upload(file) -> None:
    """What can be said about an uploaded roster before reading it: not empty, not too large, a known kind."""
    size = getattr(file, "size", 0) or 0
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > settings.VOLUNTEER_ACCOUNTS["ROSTER_MAX_BYTES"]:
        raise ValidationError(_("The file is larger than %(mb)s MB.")
                              % {"mb": settings.VOLUNTEER_ACCOUNTS["ROSTER_MAX_BYTES"] // (1024 * 1024)})
    lower = file.name.lower()
    if not lower.endswith((".csv", ".xlsx", ".ods")):
        raise ValidationError(_("Upload a CSV, XLSX or ODS file."))
    # The content, not only the name: a spreadsheet is a zip archive holding a workbook (the rows are read,
    # as a stream, by the import task).
    if lower.endswith((".xlsx", ".ods")):
        member = "xl/workbook.xml" if lower.endswith(".xlsx") else "content.xml"
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                readable = member in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            readable = False
        file.seek(0)
        if not readable:
            raise ValidationError(_("The file could not be read. Is it really a %(kind)s file?")
                                  % {"kind": lower.rsplit(".", 1)[-1].upper()})


# --- Checking the rows (shared by the group sign-up for shifts and the staff import into a team) -------

# The volunteer field each cell is stored in: its max_length bounds the cell.
STORED_IN = {"name": "name", "id_number": "id_number", "phone": "phone", "email": "email",
             "emergency_contact_name": "emergency_contact_name",
             "emergency_contact_phone": "emergency_contact_phone"}
CELL_READ_LIMIT = 200  # longer cells are quoted cut in messages


def _cell_problems(record: dict) -> list[str]:
    """Cells longer than the field they are stored in, or holding control characters."""
    problems = []
    columns = {c.key: c for c in ROSTER_COLUMNS}
    for key, value in record.items():
        field = STORED_IN.get(key)
        limit = Volunteer._meta.get_field(field).max_length if field else 100
        if len(value) > limit:
            problems.append(_("%(col)s may have at most %(n)s characters (this cell has %(len)s).")
                            % {"col": columns[key].header, "n": limit, "len": len(value)})
        if has_control_characters(value):
            problems.append(_("%(col)s contains control characters; type the value again.")
                            % {"col": columns[key].header})
    return problems


def _quote(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


RowCheck = Callable[[dict], list[str]]
RegistryCheck = Callable[[list[dict], dict[tuple[str, str], Volunteer]], dict[int, list[str]]]
Progress = Callable[[object, int, int], None]


def _no_progress(job, processed: int, total: int) -> None:
    return None


def check_roster_rows(
    job,
    rows: list[list[str]],
    *,
    min_rows: int | None,
    max_rows: int,
    general: Callable[[], list[str]] | None = None,
    row_check: RowCheck | None = None,
    registry_check: RegistryCheck | None = None,
    progress: Progress | None = None,
) -> tuple[list[dict], list[dict]]:
    """Check every row of a parsed roster (header row first) and match it against the registry.

    Returns (errors, records). `errors` is [{"row": n, "messages": [...]}] sorted by row (row 0: the file as
    a whole, row 1: the header); `records` has one dict per row with the cleaned values and `volunteer`
    (the registered volunteer with the same document, or None). The checks every roster gets: the header,
    the number of rows (`min_rows` None: no minimum), required cells, document type and checksum, sex,
    date of birth, mobile, e-mail, the same document twice in the file, and a registered document with
    another name or date of birth. The callers add theirs: `general` (file-level messages, checked before
    the rows), `row_check` (per row, after the common checks) and `registry_check` (after the registry
    match: row number → messages). `progress(job, processed, total)` is told how far the check is (the
    import jobs store it for the status page)."""
    progress = progress or _no_progress
    header, body = rows[0], rows[1:]
    total = len(body)
    progress(job, 0, total)
    mapping = header_map(header, ROSTER_COLUMNS)
    missing = [c.header for c in ROSTER_COLUMNS if c.required and c.key not in mapping]
    if missing:
        return [{"row": 1, "messages": [_("Missing columns: %(cols)s. Please use the template.")
                                        % {"cols": join_list(missing)}]}], []
    messages: list[str] = []
    if min_rows is not None and total < min_rows:
        messages.append(_("A group roster needs at least %(n)s people; sign up individually otherwise.")
                        % {"n": min_rows})
    if total > max_rows:
        messages.append(_("A roster may have at most %(n)s people.") % {"n": max_rows})
    if general is not None:
        messages.extend(general())
    if messages:
        return [{"row": 0, "messages": messages}], []

    def get(row, key):
        index = mapping.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    records, errors = [], []
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(body, start=2):
        problems = []
        record = {key: get(row, key) for key in (c.key for c in ROSTER_COLUMNS)}
        for column in ROSTER_COLUMNS:
            if column.required and not record[column.key]:
                problems.append(_("%(col)s is required.") % {"col": column.header})
        problems.extend(_cell_problems(record))
        if any(has_control_characters(value) for value in record.values()):
            record = {key: clean_text(value, max_length=CELL_READ_LIMIT) for key, value in record.items()}
        raw_type = record["id_type"].strip().lower()
        number = normalize_id_number(record["id_number"])
        id_type = ID_TYPE_VALUES.get(raw_type, "?") if raw_type else None
        if id_type == "?":
            problems.append(_("Unknown document type “%(value)s”.") % {"value": _quote(record["id_type"])})
            id_type = None
        id_type = id_type or guess_id_type(number) or (IdType.PASSPORT if number and raw_type in ("護照", "passport") else None)
        if number and id_type is None:
            id_type = IdType.NATIONAL_ID  # let the validator say what is wrong with it
        if number and id_type:
            try:
                number = validate_id_number(id_type, number)
            except ValidationError as exc:
                problems.extend(exc.messages)
        sex = SEX_VALUES.get(record["sex"].lower()) if record["sex"] else None
        if record["sex"] and sex is None:
            problems.append(_("Sex must be 男, 女 or 其他 (M, F or X)."))
        birth = _parse_date(record["birth_date"]) if record["birth_date"] else None
        if record["birth_date"] and birth is None:
            problems.append(_("The date of birth “%(value)s” is not a date like 1990-03-14.")
                            % {"value": _quote(record["birth_date"])})
        if birth and birth > timezone.localdate():
            problems.append(_("The date of birth is in the future."))
        phone = record["phone"].replace("-", "").replace(" ", "")
        if phone and not (phone.isdigit() and len(phone) == 10 and phone.startswith("09")):
            problems.append(_("A mobile number has ten digits and starts with 09."))
        if record["email"] and ("@" not in record["email"] or " " in record["email"]):
            problems.append(_("The e-mail address is not valid."))
        if id_type and number:
            key = (id_type, number)
            if key in seen:
                problems.append(_("The same document number is already in row %(row)s.") % {"row": seen[key]})
            else:
                seen[key] = n
        record.update(row=n, id_type=id_type, id_number=number, sex=sex, birth_date=birth, phone=phone,
                      email=record["email"].lower())
        if row_check is not None:
            problems.extend(row_check(record))
        if problems:
            errors.append({"row": n, "messages": problems})
        records.append(record)
        if n % PROGRESS_EVERY == 0:
            progress(job, n - 1, total)
    # Against the registry: same document → same person (name and birth date must match).
    existing: dict[tuple[str, str], Volunteer] = {}
    numbers = [r["id_number"] for r in records if r["id_number"]]
    for start in range(0, len(numbers), 1000):
        for v in Volunteer.objects.filter(id_number__in=numbers[start:start + 1000]):
            existing[(v.id_type, v.id_number)] = v
    by_row = {e["row"]: e for e in errors}
    for record in records:
        volunteer = existing.get((record["id_type"], record["id_number"]))
        record["volunteer"] = volunteer
        if volunteer is not None and (
                volunteer.name != record["name"]
                or (record["birth_date"] and volunteer.birth_date != record["birth_date"])):
            by_row.setdefault(record["row"], {"row": record["row"], "messages": []})["messages"].append(
                _("This document number is registered to another name or date of birth."))
    if registry_check is not None:
        for row, problems in registry_check(records, existing).items():
            if problems:
                by_row.setdefault(row, {"row": row, "messages": []})["messages"].extend(problems)
    errors = sorted(by_row.values(), key=lambda e: e["row"])
    progress(job, total, total)
    return errors, records


# --- Imports with columns of their own (hour slips, certificates) --------------------------------------
# `columns` are (key, Chinese header, English header, required) tuples.

def import_table_header(rows: list[list[str]], columns) -> tuple[dict[str, int], list[dict]]:
    """Which column holds which field, or the header row's problem (row 1) when required columns are missing."""
    mapping = header_map(rows[0], columns)
    missing = [f"{zh} {en}" for key, zh, en, required in columns if required and key not in mapping]
    if missing:
        return mapping, [{"row": 1, "messages": [_("These columns are missing: %(columns)s. Download the template.")
                                                 % {"columns": join_list(missing)}]}]
    return mapping, []


def import_table_cells(job, rows: list[list[str]], columns, mapping: dict[str, int], *, max_length: int,
                       progress: Progress | None = None):
    """Yield (row number, cells, problems) for every row under the header that is not empty: the cells by
    key, stripped, and the problems every such import checks (required cells, length, control characters).
    `progress(job, processed, total)` is told how far the rows are read."""
    progress = progress or _no_progress
    body = rows[1:]
    total = len(body)
    progress(job, 0, total)
    for number, row in enumerate(body, start=2):
        if number % PROGRESS_EVERY == 0:
            progress(job, number - 1, total)
        cells = {key: (str(row[i]).strip() if i < len(row) and row[i] is not None else "")
                 for key, i in mapping.items()}
        if not any(cells.values()):
            continue
        problems = []
        for key, zh, _en, required in columns:
            value = cells.get(key, "")
            if required and not value:
                problems.append(_("“%(column)s” is empty.") % {"column": zh})
            if len(value) > max_length or any(ord(ch) < 32 for ch in value):
                problems.append(_("“%(column)s” is too long or holds control characters.") % {"column": zh})
        yield number, cells, problems
    progress(job, total, total)
