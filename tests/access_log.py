"""The requests a real test server answered, read from its access log (uvicorn's, in the
server log `tests/live_server.py` keeps): to show that something was NOT asked, e.g. that a
read-only opening sent no claim and got no 403.

The server masks NIK-like digit runs in its log (`server.security.redact`), and about one UUID in
a hundred has one across its hyphens (``f299-4251-9120-42345``): ids are looked for in their
logged (redacted) form, and the marker request is letters only."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import requests

from server.security import redact
from tests.live_server import LiveServer


class ServerRequests:
    """The requests `server` answered from the moment this object is made."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.start = len(server.log_text())

    def answered(self, wait_until: Callable[[Callable[[], bool]], None]) -> list[str]:
        """Every access-log line since `__init__`. A request of our own is sent last and waited
        for (`wait_until(condition)`, e.g. `qtbot.waitUntil`): every request answered before it
        has been logged by then."""
        # In the path (the log drops query strings), letters only (digit runs may be masked).
        mark = "mark" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
        requests.get(f"{self.server.api}/{mark}", timeout=30)  # a 404, logged like any other
        wait_until(lambda: mark in self.server.log_text()[self.start :])
        lines = self.server.log_text()[self.start :].splitlines()
        return [line for line in lines if "uvicorn.access" in line and mark not in line]

    def about(
        self,
        app_id: str,
        wait_until: Callable[[Callable[[], bool]], None],
        *,
        expect: str | None = None,
    ) -> list[str]:
        """The answered requests whose path names `app_id`, as "METHOD path STATUS". With
        `expect` (e.g. "GET /api/v1/applications/<id> 200"), first wait until that request is
        in the log: a full CI run once read the log after the marker but before that line (the
        answer had reached the desktop; the access line had not reached the file yet)."""
        if expect is not None:
            wait_until(lambda: expect in self._about(app_id, self._lines()))
        return self._about(app_id, self.answered(wait_until))

    def _lines(self) -> list[str]:
        lines = self.server.log_text()[self.start :].splitlines()
        return [line for line in lines if "uvicorn.access" in line]

    @staticmethod
    def _about(app_id: str, lines: list[str]) -> list[str]:
        path = f"/applications/{app_id}"
        logged = redact(path)  # as the server writes it
        out = []
        for line in lines:
            if logged not in line:
                continue
            line = line.replace(logged, path)
            request = line.split('"')[1].rsplit(" ", 1)[0]  # "POST /api/v1/... HTTP/1.1"
            status = line.rsplit('"', 1)[1].strip().split(" ")[0]
            out.append(f"{request} {status}")
        return out
