"""Liveness and readiness probes for load balancers and orchestrators."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .storage import bucket_reachable, free_bytes, is_bucket


@require_GET
@never_cache
def healthz(request):
    """The process answers. Touches neither the database nor the broker."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "in-process"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.REDIS_TIMEOUT)
    return "ok"


class NotEnoughSpace(Exception):
    pass


def _check_storage() -> str:
    """Enough free space for uploads (``LECTERN_MEDIA_MIN_FREE_MB``) on a file-system store;
    a bucket answers (a node that cannot reach it cannot take or serve a hand-in)."""
    if is_bucket(default_storage):
        return bucket_reachable(default_storage)
    free = free_bytes(default_storage)
    if free is None:
        return "not checked"
    minimum = settings.LECTERN_MEDIA_MIN_FREE_MB * 1024 * 1024
    if free < minimum:
        raise NotEnoughSpace(f"{free // 1048576} MiB free, {minimum // 1048576} MiB needed")
    return f"ok ({free // 1048576} MiB free)"


@require_GET
@never_cache
def readyz(request):
    """Ready to serve: the database answers, the broker (when configured) accepts
    connections, and the upload volume has the free space configured (or the bucket
    answers)."""
    checks: dict[str, str] = {}
    healthy = True
    probes = (("database", _check_database), ("broker", _check_broker), ("storage", _check_storage))
    for name, check in probes:
        try:
            checks[name] = check()
        except NotEnoughSpace as exc:
            checks[name] = f"error: {exc}"
            healthy = False
        except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
            checks[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
