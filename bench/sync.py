"""Sync benchmark (DESIGN section 9), beside its budgets:

    python bench/sync.py [--pull 10000] [--push 1000] [--pdf-kb 300]

- pull: a server seeded with `--pull` applications (tests/live_server.py: the real server
  subprocess on loopback), pulled as verifier1 (the dinas verifier: the whole city) into an
  empty store with the desktop's `SyncService` (page size 500), local writes included.
  Budget: 10,000 changes <= 5 s.
- push: `--push` applications taken in offline through `IntakeService` with one PDF of
  `--pdf-kb` KB each (the copy and hash into the store's folder: reported, no budget), then
  sent by the real `OutboxSender` with the intake senders (create, streamed document PUT with
  its SHA-256, submission) against the server on loopback. Budget: 1,000 x 300 KB <= 60 s.
- duplicates on the server after the push: applications carrying one of our provisional
  numbers beyond the first, and histories with more than one create or submit. Must be 0.

Numbers are reported, never asserted (a benchmark is not a test). The load average is printed:
other processes on a 2-core machine move these numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/sync.py` puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's `queue`; use the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

BUDGET_PULL_S = 5.0  # 10,000 changes
BUDGET_PUSH_S = 60.0  # 1,000 applications x 300 KB
BUDGET_DUPLICATES = 0


def verdict(value: float, budget: float) -> str:
    return "OK" if value <= budget else "OVER BUDGET"


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def bench_pull(count: int, work: Path) -> None:
    from desktop.models.store import Store
    from desktop.services.sync import SyncService
    from tests.live_server import start_server
    from tests.sync_faults.desk import open_desk

    print(f"== pull: seeding a server with {count:,} applications ==", flush=True)
    started = time.perf_counter()
    with start_server(applications=count) as server:
        print(f"seeded and started in {time.perf_counter() - started:.1f} s")
        store = Store(work / "pull" / "kantor.sqlite3", retention_days=None)
        desk = open_desk(server.url, store, "verifier1", timeout=60)
        sync = SyncService(desk.api, store)
        print(load())
        started = time.perf_counter()
        result = sync.pull()
        elapsed = time.perf_counter() - started
        rows = store.count()
        scale = 10_000 / max(1, rows)
        print(f"pulled {rows:,} applications into the store in {elapsed:.2f} s ({result.summary})")
        print(
            f"pull, scaled to 10,000 changes: {elapsed * scale:.2f} s "
            f"(budget <= {BUDGET_PULL_S:.0f} s) {verdict(elapsed * scale, BUDGET_PULL_S)}"
        )
        desk.close()
        store.close()


def bench_push(count: int, pdf_kb: int, work: Path) -> None:
    from desktop.models.outbox import EntryState
    from desktop.models.store import Store
    from desktop.services.intake import NewDocument
    from tests.desktop.support import Remote
    from tests.live_server import start_server
    from tests.sync_faults.desk import PASSWORD, Clock, applicant, open_desk

    print(f"== push: {count:,} offline applications, one {pdf_kb} KB PDF each ==", flush=True)
    with start_server(applications=0) as server:
        store = Store(work / "push" / "kantor.sqlite3")
        desk = open_desk(server.url, store, timeout=60, clock=Clock(time.time()))
        scans = work / "scans"
        scans.mkdir()
        started = time.perf_counter()
        made = []
        for i in range(count):
            scan = scans / f"scan-{i}.pdf"
            scan.write_bytes(b"%PDF-1.4\n" + os.urandom(pdf_kb * 1024 - 16) + b"\n%%EOF\n")
            made.append(
                desk.intake.create(
                    service_code="SK-DOMISILI",
                    applicant=applicant(f"Bangku Uji {i}"),
                    documents=[NewDocument(scan, "SURAT-PENGANTAR-RT-RW")],
                )
            )
            scan.unlink()
        taken = time.perf_counter() - started
        print(f"taken in offline (copied, hashed, one store write each): {taken:.1f} s (no budget)")
        entries = len(store.outbox_entries())
        print(load())
        started = time.perf_counter()
        rounds = 0
        while True:
            rounds += 1
            desk.outbox.send_due()
            left = [
                e
                for e in store.outbox_entries()
                if e.state in (EntryState.WAITING, EntryState.RETRY, EntryState.SENDING)
            ]
            if not left or rounds >= 20:
                break
            desk.clock.now = time.time() + 700
        elapsed = time.perf_counter() - started
        states = Counter(e.state.value for e in store.outbox_entries())
        print(
            f"pushed {entries:,} outbox entries ({count:,} applications) in {elapsed:.1f} s, "
            f"{rounds} round(s); states {dict(states)}"
        )
        scaled = elapsed * 1000 / max(1, count)
        print(
            f"push, scaled to 1,000 applications of {pdf_kb} KB: {scaled:.1f} s "
            f"(budget <= {BUDGET_PUSH_S:.0f} s) {verdict(scaled, BUDGET_PUSH_S)}"
        )
        # Duplicates: the changes feed (every application the operator sees) and each history.
        remote = Remote(server.api, "operator1", PASSWORD)
        numbers: Counter[str] = Counter()
        since = 0
        while True:
            page = remote.http.get(
                server.api + "/applications/changes",
                params={"since": str(since), "limit": "500"},
                timeout=60,
            ).json()
            for item in page["items"]:
                if item.get("provisional_number"):
                    numbers[item["provisional_number"]] += 1
            since = page["last_seq"]
            if not page["has_more"]:
                break
        ours = {a.provisional_number for a in made}

        def doubled_history(app_id: str) -> int:
            seen = remote.get(app_id)
            actions = Counter(h["action"] for h in seen["history"])
            return int(actions["create"] > 1) + int(actions["submit"] > 1)

        with ThreadPoolExecutor(4) as pool:
            doubled = sum(pool.map(doubled_history, [a.id for a in made]))
        missing = len(ours - set(numbers))
        duplicates = sum(n - 1 for p, n in numbers.items() if p in ours) + doubled
        print(f"on the server: {len(ours & set(numbers)):,} of {count:,} (missing {missing})")
        print(
            f"duplicates on the server: {duplicates} (budget {BUDGET_DUPLICATES}) "
            f"{verdict(duplicates, BUDGET_DUPLICATES)}"
        )
        desk.close()
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pull", type=int, default=10_000, help="applications to pull (0: skip)")
    parser.add_argument("--push", type=int, default=1_000, help="applications to push (0: skip)")
    parser.add_argument("--pdf-kb", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="loket-bench-sync-"))
    try:
        if args.pull:
            bench_pull(args.pull, work)
        if args.push:
            bench_push(args.push, args.pdf_kb, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
