"""Pull from the real server into a real SQLite store: pages, resume, faults, newer servers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop.models.store import RETENTION_DAYS, QueueQuery, Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import BadResponse, ConnectionFailure
from desktop.services.auth import AuthService
from desktop.services.secrets import SecretStore
from desktop.services.sync import SyncService
from desktop.services.tasks import Cancelled, Progress, TaskContext, TaskHandle
from tests.desktop.support import (
    MemoryKeyring,
    Remote,
    ScriptedHttpServer,
    TcpProxy,
    feed_items,
    past_retention,
    send,
    summary_json,
)
from tests.live_server import LiveServer

PASSWORD = "loket-demo"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A cache that keeps everything, so pulls can be compared with the server's feed."""
    s = Store(tmp_path / "cache.sqlite3", retention_days=None)
    yield s
    s.close()


def signed_in(url: str) -> ApiClient:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    AuthService(api, SecretStore(MemoryKeyring())).sign_in("verifier1", PASSWORD)
    return api


def server_total(server: LiveServer) -> int:
    return len(feed_items(server.api, "verifier1", PASSWORD))


def context(on_progress: Any = None, handle: TaskHandle | None = None) -> TaskContext:
    return TaskContext(handle or TaskHandle(1, "pull"), on_progress or (lambda p: None))


def test_full_pull_then_incremental(live_server: LiveServer, store: Store) -> None:
    sync = SyncService(signed_in(live_server.url), store, page_size=50)
    progress: list[Progress] = []
    result = sync.pull(context(progress.append))
    assert result.pulled == server_total(live_server) == store.count()
    assert result.pages >= 4 and len(progress) == result.pages
    assert "Memperbarui antrean" in progress[-1].text
    state = store.sync_state()
    assert state.last_seq == result.last_seq and state.last_pull_at and not state.last_error
    again = sync.pull()
    assert again.pulled == 0 and store.count() == result.pulled  # idempotent, nothing new
    # A colleague decides: the next pull brings exactly that change.
    operator = Remote(live_server.api, "operator1", PASSWORD)
    created = operator.create("Penarikan Inkremental")
    third = sync.pull()
    assert third.pulled == 1
    row = store.summary(created["id"])
    assert row is not None and row.status_raw == "submitted"


def test_server_down_mid_pull_keeps_pages_and_resumes(
    live_server: LiveServer, store: Store
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    sync = SyncService(signed_in(proxy.url), store, page_size=40)
    pages: list[Progress] = []

    def progress(p: Progress) -> None:
        pages.append(p)
        if len(pages) == 2:
            proxy.down()  # the server vanishes after the second page

    with pytest.raises(ConnectionFailure):
        sync.pull(context(progress))
    assert store.count() == 80  # both complete pages are kept
    state = store.sync_state()
    assert state.last_seq > 0 and "menolak" in state.last_error
    proxy.up()
    result = sync.pull()
    assert store.count() == server_total(live_server)
    assert result.pulled == store.count() - 80
    assert store.sync_state().last_error == ""
    proxy.close()


def test_cancel_between_pages(live_server: LiveServer, store: Store) -> None:
    sync = SyncService(signed_in(live_server.url), store, page_size=30)
    handle = TaskHandle(1, "pull")
    with pytest.raises(Cancelled):
        sync.pull(context(lambda p: handle.cancel(), handle))
    assert store.count() == 30


def page(items: list[Any], last_seq: int, has_more: bool = False) -> bytes:
    return json.dumps({"items": items, "last_seq": last_seq, "has_more": has_more}).encode()


def scripted(changes: Any) -> ScriptedHttpServer:
    srv = ScriptedHttpServer()
    srv.route("GET", "/api/v1/applications/changes", changes)
    return srv


def test_newer_server_enums_and_fields_are_tolerated(store: Store) -> None:
    items = [
        summary_json(
            1, status="archived", channel="kiosk", new_field={"x": 1}, claim=None, priority="high"
        ),
        summary_json(2, applicant={"nik": "1471015208900002", "name": "B", "passport": "X1"}),
    ]
    with scripted(lambda h: send(h, 200, page(items, 2))) as srv:
        result = SyncService(ApiClient(srv.url, device_id="t"), store).pull()
    assert result.pulled == 2 and result.skipped == 0
    assert store.count_by_status(QueueQuery()) == {"archived": 1, "submitted": 1}
    summary = store.summary(str(uuid.UUID(int=1)))
    assert summary is not None and summary.status is None and summary.status_raw == "archived"


def test_unreadable_items_are_skipped_not_fatal(store: Store) -> None:
    items = [
        summary_json(1),
        {"id": "broken", "status": "submitted"},
        summary_json(3, version="x"),
        summary_json(4, applicant={"nik": "1471015208900004", "name": "D"}),
    ]
    with scripted(lambda h: send(h, 200, page(items, 4))) as srv:
        result = SyncService(ApiClient(srv.url, device_id="t"), store).pull()
    assert result.pulled == 2 and result.skipped == 2
    assert "dilewati" in result.summary
    assert store.sync_state().last_seq == 4
    assert all("1471015208900001" not in p for p in result.problems)


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": [',
        b"not json at all",
        b"[]",
        b'{"items": 5, "last_seq": 1}',
        b'{"items": [], "last_seq": "7"}',
        b'{"items": [], "last_seq": 3, "has_more": 1}',
    ],
)
def test_malformed_pages_change_nothing(store: Store, body: bytes) -> None:
    with scripted(lambda h: send(h, 200, page([summary_json(1)], 1))) as srv:
        SyncService(ApiClient(srv.url, device_id="t"), store).pull()
        srv.route("GET", "/api/v1/applications/changes", lambda h: send(h, 200, body))
        with pytest.raises(BadResponse):
            SyncService(ApiClient(srv.url, device_id="t"), store).pull()
    assert store.count() == 1 and store.sync_state().last_seq == 1
    assert store.sync_state().last_error


def test_truncated_page_changes_nothing(store: Store) -> None:
    full = page([summary_json(1), summary_json(2)], 2)
    half = full[: len(full) // 2]
    with (
        scripted(lambda h: send(h, 200, half, declared_length=len(full))) as srv,
        pytest.raises((BadResponse, ConnectionFailure)),
    ):
        SyncService(ApiClient(srv.url, device_id="t", timeout=3), store).pull()
    assert store.count() == 0 and store.sync_state().last_seq == 0


def test_server_that_never_advances_is_stopped(store: Store) -> None:
    with scripted(lambda h: send(h, 200, page([summary_json(1)], 1, has_more=True))) as srv:
        result = SyncService(ApiClient(srv.url, device_id="t"), store).pull()
        assert result.pages <= 2  # not an endless loop
        srv.route(
            "GET",
            "/api/v1/applications/changes",
            lambda h: send(h, 200, page([], 0, has_more=False)),
        )
        with pytest.raises(BadResponse):  # sequence went backwards
            SyncService(ApiClient(srv.url, device_id="t"), store).pull()


def test_only_one_pull_at_a_time(store: Store) -> None:
    import threading

    gate = threading.Event()

    def slow(h: Any) -> None:
        gate.wait(5)
        send(h, 200, page([], 0))

    with scripted(slow) as srv:
        sync = SyncService(ApiClient(srv.url, device_id="t"), store)
        first = threading.Thread(target=sync.pull)
        first.start()
        while not srv.requests:
            pass
        assert sync.pull().already_running
        gate.set()
        first.join()


def test_requests_are_authorised(live_server: LiveServer) -> None:
    r = requests.get(live_server.api + "/applications/changes")
    assert r.status_code == 401


def test_items_skipped_as_unreadable_are_fetched_again_after_an_upgrade(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version N cannot read item 2 (a field from a newer server) and skips it; `last_seq`
    moves past it. Version N+1 (a new run, able to read it) fetches it by id and keeps it."""
    from desktop.domain.records import ApplicationSummary, RecordError

    newer = summary_json(2, channel="kiosk", verification_level="tinggi")
    items = [summary_json(1), newer, summary_json(3)]
    detail = {**newer, "documents": [], "history": []}
    real_from_json = ApplicationSummary.from_json.__func__  # type: ignore[attr-defined]

    def old_version(cls: type, raw: Any, *a: Any, **kw: Any) -> Any:
        if isinstance(raw, dict) and "verification_level" in raw:
            raise RecordError("data dari server tidak valid: 'verification_level'")
        return real_from_json(cls, raw, *a, **kw)

    with scripted(lambda h: send(h, 200, page(items, 3))) as srv:
        srv.route(
            "GET",
            f"/api/v1/applications/{newer['id']}",
            lambda h: send(h, 200, json.dumps(detail).encode()),
        )
        with monkeypatch.context() as m:  # the old version
            m.setattr(ApplicationSummary, "from_json", classmethod(old_version))
            result = SyncService(ApiClient(srv.url, device_id="t"), store).pull()
            assert result.skipped == 1 and store.count() == 2
            again = SyncService(ApiClient(srv.url, device_id="t"), store).pull()
            assert again.pulled == 2 and store.count() == 2  # still unreadable: kept
        assert store.sync_state().last_seq == 3
        srv.route("GET", "/api/v1/applications/changes", lambda h: send(h, 200, page([], 3)))
        upgraded = SyncService(ApiClient(srv.url, device_id="t"), store)
        result = upgraded.pull()
        assert store.count() == 3  # the skipped item is there after all
        assert result.recovered == 1
        cached = store.summary(newer["id"])
        assert cached is not None and cached.seq == 2
        assert json.loads(store.sync_state().extra["unreadable_ids"]) == []
        fetched = [
            p for _m, p in srv.requests if p.startswith(f"/api/v1/applications/{newer['id']}")
        ]
        upgraded.pull()  # nothing left to fetch again
        assert len(
            [p for _m, p in srv.requests if p.startswith(f"/api/v1/applications/{newer['id']}")]
        ) == len(fetched)


def test_unreadable_item_gone_from_scope_is_forgotten(store: Store) -> None:
    items = [summary_json(1), {"id": "rusak-1", "status": "submitted"}]
    with scripted(lambda h: send(h, 200, page(items, 2))) as srv:
        SyncService(ApiClient(srv.url, device_id="t"), store).pull()  # 404 for rusak-1
    assert json.loads(store.sync_state().extra["unreadable_ids"]) == []


def test_pull_leaves_out_finished_applications_past_retention(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """The server keeps old finished applications; the counter PC's cache does not (DESIGN 7)."""
    items = feed_items(live_server.api, "verifier1", PASSWORD)
    expired = past_retention(items, RETENTION_DAYS)
    assert expired, "the demo data should have finished applications older than the retention"
    cache = Store(tmp_path / "retained.sqlite3")
    try:
        result = SyncService(signed_in(live_server.url), cache, page_size=200).pull()
        assert result.pulled == len(items)
        assert cache.count() == len(items) - len(expired)
        assert all(cache.summary(app_id) is None for app_id in expired)
    finally:
        cache.close()


# -- reconnect: backoff and probe (issue 8 item 9) ---------------------------------------------


def test_probe_tells_down_from_up_without_signing_in(live_server: LiveServer, store: Store) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    try:
        api = ApiClient(proxy.url, device_id=str(uuid.uuid4()), timeout=5)  # not signed in
        sync = SyncService(api, store)
        assert sync.probe() is True and api.connection.online is True
        proxy.down()
        assert sync.probe() is False and api.connection.online is False
        proxy.up()
        assert sync.probe() is True and api.connection.online is True
    finally:
        proxy.close()


def test_probe_counts_any_http_answer_as_reachable(store: Store) -> None:
    with ScriptedHttpServer() as srv:  # no /health route: 404, but the server is there
        sync = SyncService(ApiClient(srv.url, device_id="d", timeout=5), store)
        assert sync.probe() is True
