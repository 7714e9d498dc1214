"""Request ids: every request gets one (the client's or proxy's `X-Request-ID` when it is a sane token,
a new one otherwise), every log line written while serving it carries it, the response returns it, and
the Celery tasks the request triggers carry it in their headers, so one id follows a sign-up from the
web log to the worker's log."""
from __future__ import annotations

import contextvars
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "HTTP_X_REQUEST_ID"


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Put this first: everything after it (and its log lines) sees the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else new_request_id()
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = get_request_id()
        return True


def connect_celery_signals() -> None:
    """Carry the id in the headers of every task published while it is set, and restore it in the
    worker while the task runs (the outbox stores it with the message, so a late publication keeps the
    id of the request that caused it)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    def on_publish(headers=None, **kwargs):
        if headers is not None and not headers.get("request_id"):
            request_id = get_request_id()
            if request_id:
                headers["request_id"] = request_id

    tokens: dict[str, contextvars.Token] = {}

    def on_prerun(task_id=None, task=None, **kwargs):
        request = getattr(task, "request", None)
        value = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
        if value and task_id:
            tokens[task_id] = set_request_id(str(value))

    def on_postrun(task_id=None, **kwargs):
        token = tokens.pop(task_id, None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:  # set in another context (eager task inside a request)
                pass

    before_task_publish.connect(on_publish, weak=False, dispatch_uid="request_id_publish")
    task_prerun.connect(on_prerun, weak=False, dispatch_uid="request_id_prerun")
    task_postrun.connect(on_postrun, weak=False, dispatch_uid="request_id_postrun")
