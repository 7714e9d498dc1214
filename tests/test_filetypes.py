"""Uploads are checked by content: a PDF must parse, an image must decode; the first bytes prove nothing."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from volunteer_site.filetypes import detect

from tests.factories import minimal_pdf

ALL = {"pdf", "png", "jpeg"}


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("name, content, kind", [
    ("scan.pdf", minimal_pdf(), "pdf"),
    ("scan.png", image_bytes("PNG"), "png"),
    ("scan.JPG", image_bytes("JPEG"), "jpeg"),
])
def test_real_files_are_accepted(name, content, kind):
    upload = SimpleUploadedFile(name, content)
    assert detect(upload, ALL) == kind
    assert upload.tell() == 0


@pytest.mark.parametrize("name, content", [
    ("fake.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>"),
    ("fake.pdf", b"%PDF-1.4\n%%EOF\n"),
    ("cut.pdf", minimal_pdf()[:60]),
    ("fake.png", b"\x89PNG\r\n\x1a\n<html></html>"),
    ("cut.jpg", image_bytes("JPEG")[:40]),
    ("swapped.png", image_bytes("JPEG")),
    ("page.pdf", b"<!doctype html><title>x</title>"),
    ("tool.exe", b"MZ\x90\x00"),
])
def test_files_whose_content_does_not_hold_up_are_refused(name, content):
    with pytest.raises(ValidationError):
        detect(SimpleUploadedFile(name, content), ALL)


def test_an_image_past_the_pixel_budget_is_refused(monkeypatch):
    monkeypatch.setattr("volunteer_site.filetypes.MAX_PIXELS", 100)
    with pytest.raises(ValidationError):
        detect(SimpleUploadedFile("big.png", image_bytes("PNG", (20, 20))), ALL)
