"""What Lectern counts for Prometheus, and the few functions that count it
(docs/decisions/0021-observability.md; the metrics and their alerts: docs/deployment.md).

The apps record through these functions and never name a metric object, so the names, labels
and buckets live here. Labels take values from small fixed sets (a route name, a refusal
code, a task name, a queue), never a user, a path or an id: each value is a series kept
forever by Prometheus.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several processes; see
``gunicorn.conf.py``), prometheus-client keeps each process's values in a file of that
folder and ``/metrics`` adds them up (``config/metrics_endpoint.py``); without it, the
process's own values are served. Both must be decided before this module is imported: the
variable is read by prometheus-client at import.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

# Seconds. The schedule API answers in about a millisecond, a hand-in in tens to hundreds of
# milliseconds, a 19 MB PDF check in a few seconds.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_CHECK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 60.0)

REQUEST_DURATION = Histogram(
    "lectern_http_request_duration_seconds",
    "Time to answer a request, by route name (view), method and status class",
    ["view", "method", "status"],
    buckets=_REQUEST_BUCKETS,
)
HAND_INS_ACCEPTED = Counter("lectern_hand_ins_accepted_total", "Hand-ins accepted as a new version")
HAND_INS_REPLAYED = Counter(
    "lectern_hand_ins_replayed_total",
    "Retries answered with the version an earlier request made (same Idempotency-Key)",
)
HAND_INS_REFUSED = Counter(
    "lectern_hand_ins_refused_total",
    "Hand-ins refused, by reason (the error code the student or client is given)",
    ["reason"],
)
FILE_CHECK_DURATION = Histogram(
    "lectern_file_check_duration_seconds",
    "Time to check one uploaded file (parsing included), by outcome",
    ["outcome"],
    buckets=_CHECK_BUCKETS,
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observed(*, view: str, method: str, status: int, seconds: float) -> None:
    """One answered request. ``view`` is a route name (or a fixed word for the unrouted)."""
    REQUEST_DURATION.labels(
        view=view,
        method=method if method in _METHODS else "other",
        status=f"{status // 100}xx",
    ).observe(seconds)


def hand_in_accepted(*, replayed: bool) -> None:
    (HAND_INS_REPLAYED if replayed else HAND_INS_ACCEPTED).inc()


def hand_in_refused(*, reason: str) -> None:
    """``reason`` is an error code (``deadline_passed``, ``checks_busy``, a file check's
    ``pdf_encrypted``, ``storage_unavailable``, …): a fixed set, defined in code."""
    HAND_INS_REFUSED.labels(reason=reason).inc()


@contextmanager
def file_check_timed(*, rejected: type[BaseException]) -> Iterator[None]:
    """Time the file check inside: ``passed``, ``rejected`` (it raised ``rejected``, the
    file is refused) or ``error`` (anything else: a busy or failed checker)."""
    start = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "passed"
    except rejected:
        outcome = "rejected"
        raise
    finally:
        FILE_CHECK_DURATION.labels(outcome=outcome).observe(time.perf_counter() - start)
