"""When to try again, for everything that talks to the server: one backoff, one verdict.

- `Backoff`: capped exponential backoff with FULL jitter (AWS's "full jitter"): attempt n
  (0-based) waits ``rng() * min(cap, base * factor**n)`` seconds, so the counters of a city
  coming back after an outage do not all knock at once, and the first wait is short. Used by
  the connection probe (1 s .. 10 s) and the outbox (5 s .. 10 min). The random source is
  injected so tests can pin it. (`tenacity`/`backoff` would do this too; they are not
  dependencies, and the rule is these few lines.)
- `is_transient(exc)`: no usable answer (the network, a broken answer, 5xx) or the server
  saying "later" (408, 425, 429): keep the work and try again; anything else is an answer.
- `retry_after_seconds(exc)`: the server's ``Retry-After`` (the API client keeps it in the
  error's extras), never waited less than.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure

RETRYABLE_STATUS = frozenset({408, 425, 429})
"""4xx answers that say "later", not "no"."""


class Backoff:
    """Capped exponential backoff with full jitter. `delay(n)` is stateless (the outbox keeps
    each entry's attempts on disk); `next_delay()`/`reset()` count for a caller that keeps
    the attempts here (the connection probe)."""

    def __init__(
        self,
        base: float = 1.0,
        cap: float = 10.0,
        *,
        factor: float = 2.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not (0 < base <= cap and factor >= 1):
            raise ValueError("invalid backoff")
        self.base = base
        self.cap = cap
        self.factor = factor
        self.rng = rng
        self.attempts = 0

    def step(self, attempt: int) -> float:
        """The ceiling of attempt `attempt`'s wait (0-based)."""
        return min(self.cap, self.base * self.factor ** min(max(0, attempt), 64))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt `attempt` + 1 (0-based), never less than the
        server's `retry_after`."""
        wait = self.rng() * self.step(attempt)
        return max(wait, retry_after) if retry_after is not None else wait

    def next_delay(self) -> float:
        wait = self.delay(self.attempts)
        self.attempts += 1
        return wait

    def reset(self) -> None:
        self.attempts = 0


def is_transient(exc: BaseException) -> bool:
    """No usable answer, or the server saying "later": keep it and try again."""
    if isinstance(exc, ConnectionFailure | BadResponse):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status in RETRYABLE_STATUS)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's ``Retry-After`` for this error, when it said one (seconds)."""
    if not isinstance(exc, ApiError):
        return None
    for key in ("retry_after", "Retry-After"):
        value = exc.extras.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        if isinstance(value, str) and value.strip().isdigit():
            return float(value.strip())
    return None


__all__ = ["RETRYABLE_STATUS", "Backoff", "is_transient", "retry_after_seconds"]
