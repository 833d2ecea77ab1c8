"""Conditional GET (ETag / Last-Modified → 304) for the agenda's API and calendar feeds.

The validators come from a ``selectors.Fingerprint`` (a few aggregate queries), never from
the rendered body, so a 304 costs no serialization.

The ETag is the fingerprint's digest: it changes when an item is added, changed or deleted.
``max(updated_at)`` alone cannot see a deletion, so Last-Modified is "when this server first
served the current fingerprint": the last one served for a scope is remembered in the cache,
and a new fingerprint gets ``max(now, latest updated_at, previous Last-Modified + 1 s)``.
It only ever errs late (an unneeded 200), e.g. after a cache flush.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from .selectors import Fingerprint

# Bump to invalidate every client's copy when the representation changes shape.
REPRESENTATION_VERSION = "1"
_RECORD_TIMEOUT = 60 * 60 * 24 * 30


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: dt.datetime


def validators_for(*, scope: str, fingerprint: Fingerprint, variant: str) -> Validators:
    """ETag and Last-Modified of the representation ``variant`` of ``fingerprint``.

    ``scope`` names what the fingerprint covers ("edition-12", "editions-anon"); ``variant``
    the representation ("schedule.json", "calendar.ics").
    """
    return validators_known(
        digest=fingerprint.digest,
        last_modified=_last_modified(scope, fingerprint),
        variant=variant,
    )


def validators_known(*, digest: str, last_modified: dt.datetime, variant: str) -> Validators:
    """Validators when the Last-Modified of ``digest`` is already known (cached state)."""
    tag = hashlib.sha256(f"{REPRESENTATION_VERSION}:{variant}:{digest}".encode()).hexdigest()[:32]
    return Validators(etag=f'W/"{tag}"', last_modified=last_modified)


def last_modified_for(*, scope: str, fingerprint: Fingerprint) -> dt.datetime:
    """The Last-Modified remembered for ``fingerprint`` in ``scope`` (see the module doc)."""
    return _last_modified(scope, fingerprint)


def _last_modified(scope: str, fingerprint: Fingerprint) -> dt.datetime:
    key = f"agenda:last-modified:{scope}"
    record = cache.get(key)
    if record is not None and record[0] == fingerprint.digest:
        return record[1]
    candidates = [timezone.now(), fingerprint.last_modified]
    if record is not None:
        candidates.append(record[1] + dt.timedelta(seconds=1))
    # HTTP dates have whole seconds.
    stamp = max(candidates).replace(microsecond=0)
    cache.set(key, (fingerprint.digest, stamp), _RECORD_TIMEOUT)
    return stamp


def not_modified_response(request: HttpRequest, validators: Validators, *, private: bool):
    """A 304 (or 412) response when the request's preconditions say so, else None."""
    response = get_conditional_response(
        request,
        etag=validators.etag,
        last_modified=int(validators.last_modified.timestamp()),
    )
    if response is None:
        return None
    return stamp(response, validators, private=private)


def stamp(response: HttpResponseBase, validators: Validators, *, private: bool):
    """Add the validators and caching headers to ``response``.

    Clients may store the response but must revalidate it (``no-cache``); what a signed-in
    user sees (drafts) is never stored by shared caches.
    """
    response.headers["ETag"] = validators.etag
    response.headers["Last-Modified"] = http_date(validators.last_modified.timestamp())
    if private:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response
