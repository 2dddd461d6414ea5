"""Failed public status look-ups per client address: a token bucket, so guessing is slow.

Registration numbers are sequential and a check is 4 digits (or a birth date): a client may
fail `capacity` times in a burst, then once every `refill_seconds`; a client with nothing left
is answered 429 with `Retry-After` before anything is looked up. Successful look-ups cost
nothing (a citizen may reload their page). The addresses are those uvicorn sees (behind a
reverse proxy run `loket-server serve --proxy-headers` so they are the citizens' own).

Kept in memory, per server process, for at most `MAX_CLIENTS` addresses (least recently seen
forgotten first): a restart forgives, which costs an attacker a restart they cannot cause.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

MAX_CLIENTS = 50_000
IPV6_PREFIX = 64
"""An IPv6 client is counted by its /64: one subscriber line or phone gets a whole /64 and may
pick any address in it, so counting single addresses would give each guess a fresh bucket."""


def client_key(host: str) -> str:
    """The address a client's failures are counted against: IPv4 as is (also when written
    IPv4-mapped, `::ffff:a.b.c.d`), IPv6 by its /64; anything else (a test client's name) as
    given."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class FailureLimiter:
    def __init__(self, capacity: int, refill_seconds: int) -> None:
        self.capacity = max(1, capacity)
        self.refill_seconds = max(1, refill_seconds)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self, client: str, now: datetime) -> _Bucket:
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = _Bucket(float(self.capacity), now)
            self._buckets[client] = bucket
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            elapsed = max(0.0, (now - bucket.at).total_seconds())
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed / self.refill_seconds)
            bucket.at = now
        return bucket

    def retry_after(self, client: str, now: datetime) -> int | None:
        """Seconds until `client` may try again, or None when it may now."""
        with self._lock:
            bucket = self._current(client, now)
            if bucket.tokens >= 1.0:
                return None
            return max(1, math.ceil((1.0 - bucket.tokens) * self.refill_seconds))

    def failed(self, client: str, now: datetime) -> None:
        """Count one failed look-up."""
        with self._lock:
            bucket = self._current(client, now)
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
