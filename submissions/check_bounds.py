"""Bounds on file checks, so that uploads cannot take the web tier from everyone else.

Decision: docs/decisions/0017-file-check-bounds.md; the numbers: docs/file-checks.md,
"Bounds on checking". A hand-in takes a turn (``hand_in_turn``) before its file is read;
three bounds, each a refusal that says when to come back:

- **per user**, across processes (the shared cache): ``LECTERN_HAND_IN_RATE`` hand-ins a
  window (``too_many_hand_ins``, 429) and ``LECTERN_FILE_CHECKS_PER_USER`` checks at once
  (``check_in_progress``, 429);
- **per process**: ``LECTERN_FILE_CHECKS_PER_PROCESS`` checks at once; the next ones wait
  up to ``LECTERN_FILE_CHECK_WAIT_SECONDS`` for a turn, but only while the bytes of the
  files checked or waiting in this process stay within ``LECTERN_FILE_CHECK_BYTES_PER_PROCESS``
  (a file larger than that is admitted alone). The rest get ``checks_busy`` (503) at once.

The byte budget is what keeps web threads free: a class handing in small PDFs at a deadline
queues for a few milliseconds, while a second 19 MB notebook arriving at a process already
checking one is told to retry instead of holding a thread (and 19 MB of memory) for seconds.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

from config.throttling import increment

from .errors import CheckInProgress, ChecksBusy, HandInsThrottled

logger = logging.getLogger(__name__)

# What a multipart form adds to the file it carries (boundaries, headers, a paper id), for
# judging an upload by its Content-Length before reading it.
FORM_OVERHEAD_BYTES = 64 * 1024
# A user's in-flight mark outlives a process killed mid-check by at most this long.
_USER_MARK_SECONDS = 120
_DISCARD_CHUNK = 256 * 1024
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class _ProcessGate:
    """Checks running in this process, and the bytes of the files checked or waiting."""

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._pid = os.getpid()
        self.running = 0
        self.bytes = 0

    def admit(self, size: int, *, slots: int, budget: int, wait: float) -> bool:
        with self._turn:
            if self._pid != os.getpid():  # forked (gunicorn --preload): nothing is ours
                self._pid, self.running, self.bytes = os.getpid(), 0, 0
            if self.bytes and self.bytes + size > budget:
                return False
            self.bytes += size
            deadline = time.monotonic() + wait
            while self.running >= slots:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.bytes -= size
                    return False
                self._turn.wait(left)
            self.running += 1
            return True

    def release(self, size: int) -> None:
        with self._turn:
            self.running -= 1
            self.bytes -= size
            self._turn.notify()


_gate = _ProcessGate()


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/minute"`` → (10, 60): DRF's notation (s, m, h, d by their first letter)."""
    number, _, period = rate.partition("/")
    return int(number), _PERIODS[period.strip()[:1].lower()]


def hand_in_count(*, user_id: int) -> None:
    """Count one hand-in of ``user_id``; ``HandInsThrottled`` past the rate. Fails open when
    the shared cache is down (the other bounds still hold)."""
    allowed, seconds = parse_rate(settings.LECTERN_HAND_IN_RATE)
    window = int(time.time() // seconds)
    try:
        count = increment(cache, f"hand-ins:{user_id}:{window}", seconds + 1)
    except RedisError:
        logger.warning("Hand-in throttle skipped: cache unavailable")
        return
    if count > allowed:
        retry_after = math.ceil((window + 1) * seconds - time.time())
        raise HandInsThrottled(
            f"You have handed in {allowed} times in the last "
            f"{_describe(seconds)}; try again in {retry_after} s.",
            retry_after=retry_after,
        )


def _describe(seconds: int) -> str:
    return {1: "second", 60: "minute", 3600: "hour", 86400: "day"}[seconds]


_held = threading.local()


@contextmanager
def hand_in_turn(*, user_id: int, size: int) -> Iterator[None]:
    """Count a hand-in of ``user_id`` and hold a turn to check a file of ``size`` bytes, or
    refuse with ``HandInsThrottled``, ``CheckInProgress`` or ``ChecksBusy``.

    Re-entrant per thread: the API takes the turn before it reads the upload (from its
    ``Content-Length``), so a refusal costs no parsing, and ``submission_create``, which
    takes it for every other path, then finds it held."""
    if getattr(_held, "turn", False):
        yield
        return
    hand_in_count(user_id=user_id)
    _claim_user(user_id)
    try:
        admitted = _gate.admit(
            size,
            slots=settings.LECTERN_FILE_CHECKS_PER_PROCESS,
            budget=settings.LECTERN_FILE_CHECK_BYTES_PER_PROCESS,
            wait=settings.LECTERN_FILE_CHECK_WAIT_SECONDS,
        )
        if not admitted:
            raise ChecksBusy(
                "The server is busy checking other files; your file was not handed in. "
                f"Try again in {settings.LECTERN_FILE_CHECK_RETRY_AFTER} s.",
                retry_after=settings.LECTERN_FILE_CHECK_RETRY_AFTER,
            )
        _held.turn = True
        try:
            yield
        finally:
            _held.turn = False
            _gate.release(size)
    finally:
        _release_user(user_id)


def _user_key(user_id: int) -> str:
    return f"file-checks:{user_id}"


def _claim_user(user_id: int) -> None:
    try:
        running = increment(cache, _user_key(user_id), _USER_MARK_SECONDS)
    except RedisError:
        logger.warning("Per-user file-check bound skipped: cache unavailable")
        return
    if running is not None and running > settings.LECTERN_FILE_CHECKS_PER_USER:
        _release_user(user_id)
        raise CheckInProgress(
            "Another of your files is being checked; wait for its answer before handing in again.",
            retry_after=5,
        )


def _release_user(user_id: int) -> None:
    try:
        cache.decr(_user_key(user_id))
    except (ValueError, RedisError):  # the mark expired, or the cache is down
        pass


def discard_body(request: HttpRequest) -> None:
    """Read what is left of the request's body, keeping none of it."""
    try:
        while request.read(_DISCARD_CHUNK):
            pass
    except OSError:  # the client went away
        pass
