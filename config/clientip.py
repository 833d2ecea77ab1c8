"""The client's address, as the last trusted proxy saw it (docs/decisions/0016-trusted-proxies.md).

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies that each append the address they received a
request from to ``X-Forwarded-For``, the client is the entry that many places from the
right: everything left of it was written by the client and proves nothing. With no proxy
(the default, 0) the header is ignored and the connecting address is the client.

Used by allauth's rate limits (``accounts.adapter.AccountAdapter.get_client_ip``) and by
the API throttles (``config.throttling``), so both count the same person.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address; the connecting address when no proxy is trusted or the header
    does not hold a valid address where the proxies put it."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: the request did not come through all of them; the
    # leftmost entry is then the best the chain knows.
    candidate = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
