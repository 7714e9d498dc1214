"""Private files: personal and administrative uploads (guardian consents, group and team rosters, service-plan
and unit-application certificates, volunteer photos) live in the storage alias "private", never in the
public media storage that a web server or a bucket serves at `MEDIA_URL`.

- Local disk (default): `PRIVATE_MEDIA_ROOT`, a folder outside `MEDIA_ROOT`; the storage has no URL.
- S3 (`AWS_PRIVATE_STORAGE_BUCKET_NAME`): a private bucket (no ACL), read through short-lived pre-signed URLs.

File names are random (`secrets.token_hex`), so a name reveals nothing and cannot be guessed from an id.
Files are handed out only by the serving views (`operations/views/files.py`), which check the one scope
first and choose the cheapest delivery the deployment allows."""
from __future__ import annotations

import os
import posixpath
import secrets
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

PRIVATE_STORAGE_ALIAS = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files: like FileSystemStorage, but without any URL (nothing may link to the disk)."""

    def __init__(self, location=None, **kwargs):
        kwargs.pop("base_url", None)
        super().__init__(location=location or settings.PRIVATE_MEDIA_ROOT, base_url=None, **kwargs)

    def url(self, name):
        raise ValueError("Private files have no public URL; link to their serving view instead.")


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


_private_storage = _PrivateStorage()


def private_storage():
    """The storage of every private FileField (`FileField(storage=private_storage)`). A callable, so that
    migrations record the function rather than the deployment's backend, and a lazy object, so that a test
    that changes `STORAGES` gets the new backend."""
    return _private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT"):
        storages._storages = {}
        _private_storage._wrapped = empty


def random_name(folder: str, filename: str) -> str:
    """`folder/<32 random hex digits><.ext>`: the extension (lower case) is kept for the content type."""
    ext = os.path.splitext(filename or "")[1].lower()
    if not ext.isascii() or len(ext) > 10:
        ext = ""
    return posixpath.join(folder, f"{secrets.token_hex(16)}{ext}")


# upload_to callables (module-level functions, so that migrations can reference them)
def consent_upload_to(instance, filename):
    return random_name("consents", filename)


def roster_upload_to(instance, filename):
    return random_name("rosters", filename)


def import_upload_to(instance, filename):
    """Hour slips and certificate lists uploaded for an import job."""
    return random_name("imports", filename)


def plan_certificate_upload_to(instance, filename):
    return random_name("plan-certificates", filename)


def application_certificate_upload_to(instance, filename):
    return random_name("application-certificates", filename)


def volunteer_photo_upload_to(instance, filename):
    return random_name("volunteer-photos", filename)


@register(Tags.security)
def check_private_storage(app_configs=None, **kwargs):
    """Refuse a set-up in which private files would be public: inside MEDIA_ROOT (served at MEDIA_URL) or in
    the public bucket; and an unknown delivery mode."""
    errors = []
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if private_root == media_root or media_root in private_root.parents:
        errors.append(Error("PRIVATE_MEDIA_ROOT lies inside MEDIA_ROOT, which is served publicly.",
                            hint="Point PRIVATE_MEDIA_ROOT at a folder outside MEDIA_ROOT.", id="operations.E101"))
    bucket = getattr(settings, "AWS_PRIVATE_STORAGE_BUCKET_NAME", "")
    if bucket and bucket == getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        errors.append(Error("The private bucket is the public media bucket.",
                            hint="Set AWS_PRIVATE_STORAGE_BUCKET_NAME to a separate bucket without public access.",
                            id="operations.E102"))
    if settings.PRIVATE_FILES_SENDFILE not in ("none", "x-accel", "x-sendfile"):
        errors.append(Error("PRIVATE_FILES_SENDFILE must be none, x-accel or x-sendfile.", id="operations.E103"))
    return errors
