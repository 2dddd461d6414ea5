"""The server's clock: every "now" the server acts on comes from one `Clock`.

Claims expire, tokens expire, lock-outs end, SLAs fall due, registration numbers and letter
agendas start again each day and year; all of it is decided against `ServerState.now()`, which
asks the clock given to `create_app`. Production always runs on `SYSTEM_CLOCK`: no setting,
environment variable, command-line option or route selects another one. Only a program that
builds the app itself can pass a different clock; the test harness does
(`tests/server/harness.py`, not part of the installed package), so that tests move time instead
of sleeping. See docs/architecture/server.md, "Time".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware in UTC."""
        ...


class SystemClock:
    """The wall clock of the machine (keep it synchronised with NTP)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Final = SystemClock()
