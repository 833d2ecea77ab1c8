"""``/metrics`` for Prometheus, closed to the public, and the timing of every request.

One middleware, first in ``MIDDLEWARE``, so that it times everything the other middleware
do and answers ``/metrics`` before them: before the HTTPS redirect and the host check, so a
Prometheus inside the cluster can scrape a pod by its address over plain HTTP.

Who may read it (docs/deployment.md, "Metrics"): a request with ``Authorization: Bearer
<METRICS_TOKEN>``, or from an address in ``METRICS_ALLOWED_IPS`` (addresses or networks; the
client address is ``config.clientip``'s, which honours ``TRUSTED_PROXY_COUNT``). Anyone else
is answered as if there were no such page (404), and so is everyone when neither is set.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from . import metrics
from .celery_metrics import CeleryCollector
from .clientip import client_ip

PATH = "/metrics"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_celery_registry = CollectorRegistry(auto_describe=False)
_celery_registry.register(CeleryCollector())


@functools.cache
def _networks(entries: tuple[str, ...]) -> list[Network]:
    try:
        return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry]
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from exc


def may_read(request: HttpRequest) -> bool:
    """The bearer token (``METRICS_TOKEN``) matches, or the client's address is in
    ``METRICS_ALLOWED_IPS``."""
    token = settings.METRICS_TOKEN
    networks = _networks(tuple(settings.METRICS_ALLOWED_IPS))
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return True
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's (or, in multiprocess mode,
    every live and past process's of this node), then Celery's, read from the broker."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_celery_registry)


def _view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"  # served by WhiteNoise before any URL is resolved
    return "unrouted"  # no such URL (404), or answered by a middleware


def metrics_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    _networks(tuple(settings.METRICS_ALLOWED_IPS))  # a wrong entry stops the start-up

    def middleware(request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        if request.path_info == PATH and request.method in ("GET", "HEAD") and may_read(request):
            response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
            response["Cache-Control"] = "no-store"
            view = "metrics"
        else:
            # Not allowed: no URL is routed to /metrics, so this is the site's own 404.
            response = get_response(request)
            view = _view_label(request)
        metrics.request_observed(
            view=view,
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - start,
        )
        return response

    return middleware
