"""The Laporan page's calls run side by side (`data.fetch`): the monthly evaluation's five
reads took their sum, one after the other. Against the real reference server; the source is
the real client wrapped to observe how many calls are in flight, and to fail one."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

import pytest

from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError
from desktop.services.reports.data import PARALLEL_CALLS, fetch
from desktop.services.reports.model import ReportKind, Request
from tests.desktop.reports.seeded import seeded_server, supervisor_client

NOW = datetime(2025, 6, 2, 16, 0)
JUNE = Request(ReportKind.MONTHLY, date(2025, 5, 1), date(2025, 5, 31))


@pytest.fixture(scope="module")
def client() -> Iterator[ApiClient]:
    with seeded_server() as live:
        yield supervisor_client(live)


class Watched:
    """The real client; counts the calls in flight, and the first `together` calls wait for
    each other (a barrier: one at a time, it would break after its timeout)."""

    def __init__(self, client: ApiClient, together: int, fail: str = "") -> None:
        self.client, self.fail = client, fail
        self.barrier = threading.Barrier(together, timeout=20)
        self.lock = threading.Lock()
        self.in_flight = self.most = self.started = 0

    def report(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        with self.lock:
            self.started += 1
            first = self.started <= self.barrier.parties
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            if first:
                self.barrier.wait()
            if name == self.fail:
                raise ApiError(503, "unavailable", "Server sedang sibuk.")
            return self.client.report(name, params)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_the_calls_run_side_by_side_and_give_the_report_one_at_a_time_gives(
    client: ApiClient,
) -> None:
    watched = Watched(client, PARALLEL_CALLS)
    steps: list[tuple[int, int, str]] = []
    side_by_side = fetch(
        watched,
        JUNE,
        scope_label="Kelurahan Jadirejo",
        service_names={},
        now=NOW,
        progress=lambda d, t, text: steps.append((d, t, text)),
    )
    assert watched.started == 5 and watched.most == PARALLEL_CALLS
    one_at_a_time = fetch(client, JUNE, scope_label="Kelurahan Jadirejo", service_names={}, now=NOW)
    assert side_by_side == one_at_a_time
    assert [d for d, _t, _x in steps] == [0, 1, 2, 3, 4, 5]
    assert steps[0][2] == "Membaca data laporan dari server: 0 dari 5"
    assert steps[-1] == (5, 5, "Menyusun laporan")


def test_a_failed_call_is_the_failure_of_the_report(client: ApiClient) -> None:
    watched = Watched(client, 1, fail="sla")
    with pytest.raises(ApiError) as caught:
        fetch(watched, JUNE, scope_label="Kelurahan Jadirejo", service_names={}, now=NOW)
    assert caught.value.status == 503
    assert watched.in_flight == 0  # nothing left running behind the error
