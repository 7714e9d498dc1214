"""Serving views of private files (operations/storage.py). Each reads the row through a selector that
applies the one scope and the verb (operations/selectors/private_files.py): a file outside the scope answers
404 exactly like one that does not exist. Anonymous visitors are sent to log in first. Files that carry
identity numbers (rosters) leave an audit record on every download."""
from __future__ import annotations

import mimetypes
import os
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import View

from ..selectors.private_files import consent_for_download, roster_for_download, volunteer_photo_for_download
from ..services.audit import private_file_download_record
from .base import client_ip, scoped_or_404

NO_STORE = "private, no-store"


def _is_s3(storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _attachment_headers(response, *, content_type: str, filename: str):
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_file_response(field_file, download_name: str):
    """Hand out a private file the caller may read, as an attachment that no shared cache keeps:
    a short-lived pre-signed URL on S3; `X-Accel-Redirect` (nginx) or `X-Sendfile` (Apache, lighttpd) when
    `PRIVATE_FILES_SENDFILE` says the web server does it; streamed by Django otherwise. A missing file
    answers 404, like a file outside the scope."""
    if not field_file:
        raise Http404
    storage, name = field_file.storage, field_file.name
    ext = os.path.splitext(name)[1].lower()
    filename = f"{download_name}{ext}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if _is_s3(storage):
        if not storage.exists(name):
            raise Http404
        url = storage.url(name, parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": NO_STORE,
        }, expire=settings.PRIVATE_FILES_URL_EXPIRE)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = NO_STORE
        return response
    mode = settings.PRIVATE_FILES_SENDFILE
    if mode in ("x-accel", "x-sendfile"):
        path = storage.path(name)
        if not os.path.isfile(path):
            raise Http404
        response = HttpResponse()
        if mode == "x-accel":
            response["X-Accel-Redirect"] = f"{settings.PRIVATE_FILES_ACCEL_PREFIX.rstrip('/')}/{quote(name)}"
        else:
            response["X-Sendfile"] = path
        return _attachment_headers(response, content_type=content_type, filename=filename)
    try:
        handle = storage.open(name, "rb")
    except OSError as exc:  # FileNotFoundError included
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    return _attachment_headers(response, content_type=content_type, filename=filename)


class PrivateFileView(View):
    """GET only. Signed-in users (volunteers and staff); the selector decides."""

    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        # Special: private files are fetched by volunteers and staff alike, so an anonymous request goes to the
        # volunteer log-in page (the staff base would send it to the back-office one). The scope is the selector's.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("volunteer:login"))
        return super().dispatch(request, *args, **kwargs)


class ConsentFileView(PrivateFileView):
    def get(self, request, pk):
        consent = scoped_or_404(consent_for_download, request.user, pk)
        return private_file_response(consent.file, f"guardian-consent-{consent.pk}")


class RosterFileView(PrivateFileView):
    def get(self, request, pk):
        job = scoped_or_404(roster_for_download, request.user, pk)
        response = private_file_response(job.file, f"roster-{job.pk}")
        private_file_download_record(actor=request.user, obj=job, node=job.team, kind="roster",
                                     ip_address=client_ip(request))
        return response


class VolunteerPhotoView(PrivateFileView):
    def get(self, request, pk):
        volunteer = scoped_or_404(volunteer_photo_for_download, request.user, pk)
        return private_file_response(volunteer.photo, f"photo-{volunteer.pk}")
