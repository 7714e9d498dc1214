"""Operations endpoints for load balancers and Prometheus, answered before the rest of the middleware
(no host check, no HTTPS redirect, no session: a load balancer probes the node by its address over
plain HTTP):

- `GET /-/health/live`  liveness: the process answers (no dependency is touched);
- `GET /-/health/ready` readiness: database, cache, broker and the disk of the file roots, as JSON with
  one entry per check; 200 when all pass, 503 otherwise;
- `GET /-/metrics`      Prometheus text format; only for `Authorization: Bearer <METRICS_TOKEN>` or a
  client address inside `METRICS_ALLOWED_IPS`; anybody else gets 404.

Why not django-health-check: its readiness needs a Celery worker round trip through the result backend
(seconds, and a worker, not the broker, is then what is measured) and renders HTML by default; these four
checks with sub-second timeouts and a JSON answer are a few lines."""
from __future__ import annotations

import hmac
import ipaddress
import os
import shutil
import time
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse

LIVE, READY, METRICS = "/-/health/live", "/-/health/ready", "/-/metrics"


# --- Readiness checks: each returns a short detail or raises ------------------------------------------

def check_database() -> str:
    from django.db import connections

    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    from django.core.cache import cache

    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("value written was not read back")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "no broker: tasks run inline"
    from kombu import Connection

    with Connection(url, connect_timeout=settings.HEALTH_CHECK_TIMEOUT,
                    transport_options={"socket_timeout": settings.HEALTH_CHECK_TIMEOUT}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=settings.HEALTH_CHECK_TIMEOUT)
    return "ok"


def check_disk() -> str:
    from operations.backup import file_roots

    minimum = settings.HEALTH_DISK_MIN_FREE_MB * 1024 * 1024
    details = []
    for name, root in file_roots().items():
        if not root.is_dir():
            raise RuntimeError(f"{name}: directory missing")
        if not os.access(root, os.W_OK | os.X_OK):
            raise RuntimeError(f"{name}: not writable")
        free = shutil.disk_usage(root).free
        if free < minimum:
            raise RuntimeError(f"{name}: {free // (1024 * 1024)} MB free, below {settings.HEALTH_DISK_MIN_FREE_MB} MB")
        details.append(f"{name} {free // (1024 * 1024)} MB free")
    return ", ".join(details) or "no file roots on local disk"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker, "disk": check_disk}


def readiness() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail, ok = check(), True
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is "not ready"
            detail, ok = f"{type(exc).__name__}: {exc}"[:300], False
        results[name] = {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}
    return all(r["ok"] for r in results.values()), results


# --- Metrics -----------------------------------------------------------------------------------------

def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


def metrics_response() -> HttpResponse:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    from .metrics import ensure_registered

    ensure_registered()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        from .metrics import DomainCollector

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DomainCollector())
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class OperationsEndpointsMiddleware:
    """Put this first in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == LIVE:
            return JsonResponse({"status": "ok"})
        if path == READY:
            ok, checks = readiness()
            response = JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
            response["Cache-Control"] = "no-store"
            return response
        if path == METRICS:
            if not metrics_allowed(request):
                return HttpResponse(status=404)
            return metrics_response()
        return self.get_response(request)
