"""Pull: bring the local queue up to date from ``/applications/changes``, page by page.

The server numbers every change with one monotonic sequence, so the client asks "what changed
after the last sequence I stored" and never compares clocks. Each page is written in one
transaction together with its ``last_seq``, so a pull interrupted anywhere (server down, app
closed, power cut) resumes at the last complete page, and re-applying a page is a no-op (the
store only replaces a row with a newer ``seq``).

An item this version cannot read (a newer server, a broken record) is skipped and counted, not
fatal: one bad record never blocks the whole queue. Unknown status values are *not* bad records:
`ApplicationSummary` keeps them as raw strings. The ids of skipped items are remembered (sync
state ``unreadable_ids``, in the same transaction as the page) because ``last_seq`` has moved past
them: the first pull of each run (so after an upgrade) fetches them again one by one with
``GET /applications/{id}`` and keeps those it can now read.

While the server cannot be reached, `controllers.connection.ConnectionWatch` probes ``/health``
(`SyncService.probe`) after delays from `services.retry.Backoff`: up to 1, 2, 4, 8, then 10 s,
each a random part of that (full jitter) so that the counters of a whole city do not knock at
the same moment after an outage. The first answer ends the wait and
`controllers.sync.SyncController` pulls, so the app is back within seconds of the server. When
to pull is decided there, not here.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from desktop.domain.identity import mask_niks_in_text
from desktop.domain.records import ApplicationSummary, RecordError
from desktop.models.store import Store, utc_now_iso
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure, LoketError

if TYPE_CHECKING:  # QtCore stays out of the headless `loket sync --once`
    from desktop.services.tasks import TaskContext

log = logging.getLogger(__name__)

MAX_PAGES_PER_PULL = 10_000
"""Guard against a server that keeps saying ``has_more`` without advancing."""
UNREADABLE_KEY = "unreadable_ids"
"""Sync-state key: JSON list of ids skipped as unreadable, to fetch again after an upgrade."""
MAX_UNREADABLE_REMEMBERED = 2_000
MAX_REFETCH_PER_PULL = 200


PROBE_TIMEOUT_SECONDS = 3.0


def _load_ids(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        raw = json.loads(text)
    except ValueError:
        return []
    return [i for i in raw if isinstance(i, str)] if isinstance(raw, list) else []


def _item_id(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 100 else None


@dataclass
class PullResult:
    pulled: int = 0
    skipped: int = 0
    pages: int = 0
    recovered: int = 0
    """Items skipped by an earlier pull (older version) and now read after all."""
    last_seq: int = 0
    already_running: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One Indonesian line for the status bar."""
        if self.already_running:
            return "Pembaruan antrean sedang berjalan."
        text = f"{self.pulled} perubahan diterima"
        if self.skipped:
            text += f", {self.skipped} data tidak dapat dibaca dan dilewati"
        return text + "."


def _page(body: Any) -> tuple[list[Any], int, bool]:
    if not isinstance(body, dict):
        raise BadResponse("Jawaban daftar perubahan dari server tidak berbentuk objek.")
    items = body.get("items")
    last_seq = body.get("last_seq")
    has_more = body.get("has_more", False)
    if not isinstance(items, list) or not isinstance(last_seq, int) or isinstance(last_seq, bool):
        raise BadResponse("Jawaban daftar perubahan dari server tidak lengkap (items/last_seq).")
    if not isinstance(has_more, bool):
        raise BadResponse("Jawaban daftar perubahan dari server tidak valid (has_more).")
    return items, last_seq, has_more


class SyncService:
    """Pulls changes into the store. One pull at a time; safe to call from any worker."""

    def __init__(self, api: ApiClient, store: Store, *, page_size: int = 500) -> None:
        self.api = api
        self.store = store
        self.page_size = page_size
        self._running = threading.Lock()
        self._refetched = False  # unreadable ids of earlier runs retried in this run

    def probe(self, ctx: TaskContext | None = None) -> bool:
        """Can the server be reached? One short ``GET /health`` (no sign-in needed). Any HTTP
        answer counts: the server is there (the pull that follows reports anything else)."""
        try:
            self.api.request("GET", "/health", auth=False, timeout=PROBE_TIMEOUT_SECONDS)
        except ConnectionFailure:
            return False
        except LoketError:
            return True
        return True

    def pull(self, ctx: TaskContext | None = None) -> PullResult:
        """Pull until the server has nothing more. Raises `LoketError` after saving progress."""
        if not self._running.acquire(blocking=False):
            return PullResult(already_running=True)
        try:
            return self._pull(ctx)
        finally:
            self._running.release()

    def _pull(self, ctx: TaskContext | None) -> PullResult:
        result = PullResult()
        state = self.store.sync_state()
        since = state.last_seq
        result.last_seq = since
        unreadable = _load_ids(state.extra.get(UNREADABLE_KEY))
        try:
            for _ in range(MAX_PAGES_PER_PULL):
                if ctx is not None:
                    ctx.check_cancelled()
                body = self.api.get_json(
                    "/applications/changes", {"since": since, "limit": self.page_size}
                )
                items, last_seq, has_more = _page(body)
                parsed: list[tuple[ApplicationSummary, Any]] = []
                for raw in items:
                    try:
                        parsed.append((ApplicationSummary.from_json(raw), raw))
                    except RecordError as exc:
                        result.skipped += 1
                        problem = mask_niks_in_text(str(exc))
                        result.problems.append(problem)
                        log.warning("skipped unreadable application in pull: %s", problem)
                        app_id = _item_id(raw)
                        if app_id is not None and app_id not in unreadable:
                            unreadable.append(app_id)
                if last_seq < since:
                    raise BadResponse(
                        "Server mengirim urutan perubahan yang mundur; "
                        "pembaruan dihentikan agar data lokal tetap benar."
                    )
                readable = {summary.id for summary, _raw in parsed}
                unreadable = [i for i in unreadable if i not in readable]
                self._save_page(parsed, last_seq, unreadable[-MAX_UNREADABLE_REMEMBERED:])
                result.pulled += len(parsed)
                result.pages += 1
                result.last_seq = last_seq
                if ctx is not None:
                    ctx.progress(
                        result.pulled, None, f"Memperbarui antrean: {result.pulled} data diterima"
                    )
                if not has_more or last_seq == since:
                    break
                since = last_seq
            if unreadable and not self._refetched:
                self._refetch(unreadable, result)
            # Finished applications past the retention period leave the cache (DESIGN 7).
            self.store.purge_expired()
        except LoketError as exc:
            self._record_error(exc.message)
            raise
        return result

    def _refetch(self, unreadable: list[str], result: PullResult) -> None:
        """Fetch items an earlier run could not read; keep what this version can read now.

        A network failure stops the round (tried again on the next pull); an item still
        unreadable or gone (404: deleted or no longer in scope) is settled for this run.
        """
        remaining = list(unreadable)
        found: list[tuple[ApplicationSummary, Any]] = []
        for app_id in unreadable[:MAX_REFETCH_PER_PULL]:
            try:
                raw = self.api.get_json(f"/applications/{quote(app_id, safe='')}")
            except ConnectionFailure:
                break
            except (ApiError, BadResponse) as exc:
                if isinstance(exc, ApiError) and exc.status == 404:
                    remaining.remove(app_id)
                continue
            if isinstance(raw, dict):
                raw = {k: v for k, v in raw.items() if k not in ("documents", "history")}
            try:
                summary = ApplicationSummary.from_json(raw)
            except RecordError:
                continue  # still unreadable in this version: next run tries again
            found.append((summary, raw))
            remaining.remove(app_id)
        else:
            self._refetched = True
        values = {UNREADABLE_KEY: json.dumps(remaining)}

        def write(conn: Any) -> None:
            Store.upsert_summaries(conn, found)
            Store.set_sync_values(conn, values)

        self.store.write(write)
        result.recovered += len(found)
        result.pulled += len(found)
        if found:
            log.info("%d application(s) skipped earlier are readable now", len(found))

    def _save_page(
        self, parsed: list[tuple[ApplicationSummary, Any]], last_seq: int, unreadable: list[str]
    ) -> None:
        values = {
            "last_seq": str(last_seq),
            "last_pull_at": utc_now_iso(),
            "last_error": "",
            UNREADABLE_KEY: json.dumps(unreadable),
        }

        def write(conn: Any) -> None:
            Store.upsert_summaries(conn, parsed)
            Store.set_sync_values(conn, values)

        self.store.write(write)

    def _record_error(self, message: str) -> None:
        try:
            self.store.write(lambda conn: Store.set_sync_values(conn, {"last_error": message}))
        except RuntimeError:  # the session ended (store closed) while this pull waited
            log.info("pull failed after the local store was closed; nothing recorded")
        except Exception:
            log.exception("could not record sync error")
