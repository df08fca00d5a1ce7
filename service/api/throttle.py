"""Failed authentications per client address: past a number a minute, the address waits (429).

A wrong bearer token on the JSON API and a wrong token at the desk's sign-in are
failures of the address they came from.  Once an address has failed
``TALLY_AUTH_FAILURES_PER_MINUTE`` times within the last minute, every token it
presents, even the right one, is a 429 with ``Retry-After`` until its oldest failure
is a minute old: an address that may keep trying during its wait is not slowed down.
Another address is not affected, so one guesser does not lock the desk out.

Home-made, because Litestar's ``RateLimitMiddleware`` counts every request of a
client, not its failures (a desk posting many claims would be throttled, a guesser
with few requests would not), and answers before the token is read.  Its memory is
bounded: at most :data:`MAX_ADDRESSES` addresses, each with at most the limit's
number of timestamps; past that, the address that failed longest ago is forgotten.

The address is the connection's peer (``scope["client"]``).  Behind a reverse proxy
every client shares the proxy's address: the proxies named in ``TALLY_TRUSTED_PROXIES``
are believed about ``X-Forwarded-For`` (uvicorn's ``ProxyHeadersMiddleware``, run
inside the app, takes the right-most address in it that is not a trusted proxy);
no other peer is.  An IPv6 client counts by its /64, which one host usually holds whole.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 10_000  # ~10,000 x (an address and up to the limit's timestamps): a few MB at most


class FailedAuthentications:
    """The failures of each client address within the last minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, capacity: int = MAX_ADDRESSES) -> None:
        self.per_minute, self._clock, self._capacity = per_minute, clock, capacity
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()  # the address that failed longest ago first
        self._lock = threading.Lock()  # a sync handler may run in a worker thread

    def wait_for(self, address: str) -> int:
        """Whole seconds this address must wait before a token of its is compared again; 0: it may try now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.per_minute:
                return 0
            return max(1, math.ceil(recent[0] + WINDOW_SECONDS - self._clock()))

    def failed(self, address: str) -> None:
        """One more failure of this address."""
        with self._lock:
            recent = self._recent(address)
            recent.append(self._clock())
            self._failures[address] = recent
            self._failures.move_to_end(address)
            while len(self._failures) > self._capacity:
                self._failures.popitem(last=False)

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.get(address) or deque(maxlen=self.per_minute)
        horizon = self._clock() - WINDOW_SECONDS
        while recent and recent[0] <= horizon:
            recent.popleft()
        if not recent:
            self._failures.pop(address, None)
        return recent


def client_address(scope: Any) -> str:
    """Who failed: the peer's address (already the forwarded client's, when the peer is a trusted proxy); an IPv6 one by its /64."""
    peer = (scope.get("client") or ("unknown",))[0]
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return str(peer)[:64]  # not an IP (a unix socket, a proxy's odd entry): itself, bounded
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def trusted_proxies(setting: str) -> list[str]:
    """``TALLY_TRUSTED_PROXIES`` read: addresses and networks, comma-separated; anything else stops the service."""
    named = [entry.strip() for entry in setting.split(",") if entry.strip()]
    for entry in named:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"TALLY_TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24); "
                "name the reverse proxies whose X-Forwarded-For Tally may believe"
            ) from None
    return named


def forwarded_by(proxies: list[str]) -> Callable[[Any], Any]:
    """Litestar middleware: ``scope["client"]`` becomes the forwarded client when the peer is one of ``proxies``.

    uvicorn's own ``--proxy-headers`` is off in ``tally serve``: it would trust 127.0.0.1 by default.
    """
    return lambda app: ProxyHeadersMiddleware(app, trusted_hosts=proxies)
