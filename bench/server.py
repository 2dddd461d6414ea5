"""Reference server benchmark: change-feed throughput and list latency, with their targets.

    python bench/server.py [--applications 100000] [--list-requests 300]

Seeds a fresh server (tests/live_server.py: real uvicorn subprocess on loopback, SQLite file,
or PostgreSQL when LOKET_TEST_POSTGRES_URL is set), then as the dinas verifier (scope: the whole
city) pages through the whole change feed with the desktop's page size (500) and times a mix of
queue list queries. Targets come from DESIGN section 9: a pull of 10,000 changed applications
including local writes in <= 5 s, so the feed alone should give >= 5,000 items/s; list p95
<= 100 ms. Numbers are reported, never asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/server.py` puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's `queue` (urllib3 needs it); use the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402

from tests.live_server import start_server  # noqa: E402

FEED_TARGET = 5000.0
LIST_P95_TARGET_MS = 100.0
PAGE = 500


def _login(api: str, username: str) -> requests.Session:
    session = requests.Session()
    r = session.post(
        api + "/auth/login",
        json={"username": username, "password": "loket-demo", "device_id": "bench"},
        timeout=60,
    )
    r.raise_for_status()
    session.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return session


def bench_feed(api: str, session: requests.Session) -> tuple[int, float]:
    since, items = 0, 0
    start = time.perf_counter()
    while True:
        r = session.get(
            api + "/applications/changes", params={"since": since, "limit": PAGE}, timeout=60
        )
        r.raise_for_status()
        page = r.json()
        items += len(page["items"])
        since = page["last_seq"]
        if not page["has_more"]:
            break
    return items, time.perf_counter() - start


def bench_list(api: str, sessions: dict[str, requests.Session], count: int) -> list[float]:
    rng = random.Random(1)
    verifier = sessions["verifier1"]
    sample = verifier.get(api + "/applications", params={"limit": 200}, timeout=60).json()
    names = [i["applicant"]["name"].split()[0] for i in sample["items"]]
    numbers = [i["registration_number"] for i in sample["items"] if i["registration_number"]]
    services = sorted({i["service_code"] for i in sample["items"]})
    cursor = sample["next_cursor"]
    queries = [
        ("verifier1", {}),
        ("verifier1", {"status": "submitted"}),
        ("verifier1", {"status": ["verified", "validated"]}),
        ("verifier1", {"overdue": "true"}),
        ("verifier1", {"office_code": "14.71.05"}),
        ("verifier1", {"cursor": cursor}),
        ("operator1", {}),
        ("operator3", {"status": "submitted"}),
    ]
    times: list[float] = []
    for i in range(count):
        who, params = queries[i % len(queries)]
        params = dict(params)
        kind = i % 11
        if kind == 0:
            params = {"q": rng.choice(names)}
        elif kind == 1 and numbers:
            params = {"q": rng.choice(numbers)}
        elif kind == 2:
            params = {"service_code": rng.choice(services)}
        start = time.perf_counter()
        r = sessions[who].get(api + "/applications", params={"limit": 50, **params}, timeout=60)
        times.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=300)
    args = parser.parse_args()
    print(f"seeding {args.applications} applications and starting the server...", flush=True)
    started = time.perf_counter()
    with start_server(applications=args.applications) as server:
        setup = time.perf_counter() - started
        where = "PostgreSQL" if server.is_postgres else "SQLite"
        print(f"  seed + start: {setup:.1f} s ({where})")
        sessions = {u: _login(server.api, u) for u in ("verifier1", "operator1", "operator3")}
        items, seconds = bench_feed(server.api, sessions["verifier1"])
        rate = items / seconds
        times = bench_list(server.api, sessions, args.list_requests)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=100)[94]
        ok = "OK " if rate >= FEED_TARGET else "MISS"
        print(
            f"[{ok}] changes feed: {items} items in {seconds:.2f} s = {rate:,.0f} items/s "
            f"(page {PAGE}; target >= {FEED_TARGET:,.0f} items/s)"
        )
        ok = "OK " if p95 <= LIST_P95_TARGET_MS else "MISS"
        print(
            f"[{ok}] list latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(times)} "
            f"requests (limit 50; target p95 <= {LIST_P95_TARGET_MS:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
