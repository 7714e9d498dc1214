"""What an uploaded file really is, read from its content: a PDF must parse (pypdf) and have a page, an
image must decode (Pillow: `verify()`, then a full `load()` of a reopened copy), within a pixel budget.
The first bytes alone prove nothing — an HTML page that starts with `%PDF` is still an HTML page.

`detect(upload, allowed)` answers the kind ("pdf", "png", "jpeg") or raises ValidationError with a
message for the uploader; the file position is left at the start."""
from __future__ import annotations

import io
import logging
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_PIXELS = 60_000_000  # a 600-dpi A4 scan is ~35 million pixels
SIGNATURES = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpeg": (b"\xff\xd8\xff",)}
PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG"}
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg"}


def kind_from_name(name: str) -> str | None:
    extension = (name or "").rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    return EXTENSIONS.get(extension)


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def is_valid_pdf(data: bytes) -> bool:
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            return len(reader.pages) > 0
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on a broken or fake PDF
        return False


def is_valid_image(data: bytes, kind: str) -> bool:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != PILLOW_FORMATS[kind] or image.width * image.height > MAX_PIXELS:
                    return False
                image.verify()
            with Image.open(io.BytesIO(data)) as image:  # verify() leaves the image unusable
                image.load()
        return True
    except Exception:  # noqa: BLE001 - Pillow raises many kinds on a broken image
        return False


def detect(upload, allowed: set[str]) -> str:
    """The kind of `upload` (by its name, confirmed by its content) if it is one of `allowed`."""
    kind = kind_from_name(getattr(upload, "name", ""))
    if kind not in allowed:
        raise ValidationError(_("This type of file is not accepted."), code="file_type")
    data = _read_all(upload)
    ok = any(data.startswith(sig) for sig in SIGNATURES[kind]) and (
        is_valid_pdf(data) if kind == "pdf" else is_valid_image(data, kind))
    if not ok:
        raise ValidationError(_("The file's content does not match its type, or the file is damaged. Save it "
                                "again as %(kind)s and upload it again.") % {"kind": kind.upper()},
                              code="file_content")
    return kind
