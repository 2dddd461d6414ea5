"""Benchmark for identity numbers and region data: `python bench/domain.py`.

Reports numbers against their budgets (DESIGN section 9: budgets are reported, never asserted
in tests). Loading region data must not slow application start; NIK checks run on every
keystroke of an intake form and in bulk imports.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow `python bench/domain.py` without PYTHONPATH
    sys.path.insert(0, str(ROOT))

from desktop.domain.identity import check_kk, check_nik, encode_kk, encode_nik  # noqa: E402
from desktop.domain.wilayah import Wilayah, default_directory, get_wilayah  # noqa: E402

HISTORICAL_BUDGET_MS = 50.0
FULL_LIST_BUDGET_MS = 300.0
NIK_RATE_BUDGET = 50_000.0
TODAY = date(2026, 11, 24)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER BUDGET"


def _median_ms(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def bench_import() -> None:
    """Fresh interpreter: importing the domain modules must read no data file."""
    code = (
        "import time; t = time.perf_counter();"
        "import desktop.domain.identity, desktop.domain.wilayah as w;"
        "ms = (time.perf_counter() - t) * 1000;"
        "idx = w.get_wilayah();"
        "print(f'{ms:.3f} {idx.historical_loaded or idx.full_list_loaded}')"
    )
    runs = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append(float(out[0]))
        loaded = out[1] == "True"
    ms = statistics.median(runs)
    note = (
        ", compiled from source: PYTHONDONTWRITEBYTECODE"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else ""
    )
    print(
        f"import identity+wilayah: {ms:.1f} ms (informative, includes stdlib imports{note}); "
        f"data files read at import: {'yes' if loaded else 'no'} (budget: no) "
        f"{_verdict(not loaded)}"
    )


def bench_loading(directory: Path) -> None:
    median, best = _median_ms(lambda: Wilayah(directory).lookup_digits("31"), repeat=9)
    print(
        f"historical index load (kode_historis.csv, 8,457 codes): {median:.1f} ms median, "
        f"{best:.1f} ms best (budget <= {HISTORICAL_BUDGET_MS:.0f} ms) "
        f"{_verdict(median <= HISTORICAL_BUDGET_MS)}"
    )
    median, best = _median_ms(lambda: Wilayah(directory).lookup("31.71.01.1001"), repeat=5)
    print(
        f"full list load (wilayah.csv, 91,599 codes): {median:.1f} ms median, "
        f"{best:.1f} ms best (budget <= {FULL_LIST_BUDGET_MS:.0f} ms) "
        f"{_verdict(median <= FULL_LIST_BUDGET_MS)}"
    )


def _rate(check: Callable[..., object], numbers: list[str]) -> float:
    """Calls as the app does: shared index from get_wilayah(), loaded during warm-up."""
    for number in numbers[:1000]:
        check(number, today=TODAY)
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0:
        for number in numbers:
            check(number, today=TODAY)
        rounds += 1
    return rounds * len(numbers) / (time.perf_counter() - start)


def bench_checks() -> None:
    rng = random.Random(20261124)
    wilayah = get_wilayah()
    districts = [r.code for r in wilayah.regions("kecamatan")]
    first = date(1930, 1, 1)
    span = (TODAY - first).days
    niks = [
        encode_nik(
            rng.choice(districts),
            first + timedelta(days=rng.randrange(span)),
            rng.choice(("L", "P")),
            rng.randint(1, 9999),
        )
        for _ in range(10_000)
    ]
    typed = [f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}" for n in niks]
    broken = [n[:5] + "O" + n[6:] if i % 2 else n[:15] for i, n in enumerate(niks)]
    kks = [
        encode_kk(
            rng.choice(districts),
            date(1990, 1, 1) + timedelta(days=rng.randrange(12_000)),
            rng.randint(1, 9999),
        )
        for _ in range(10_000)
    ]
    rate = _rate(check_nik, niks)
    print(
        f"NIK validations (16 plain digits, valid): {rate:,.0f}/s "
        f"(budget >= {NIK_RATE_BUDGET:,.0f}/s) {_verdict(rate >= NIK_RATE_BUDGET)}"
    )
    rate = _rate(check_nik, typed)
    print(
        f"NIK validations (typed with spaces): {rate:,.0f}/s "
        f"(budget >= {NIK_RATE_BUDGET:,.0f}/s) {_verdict(rate >= NIK_RATE_BUDGET)}"
    )
    rate = _rate(check_nik, broken)
    print(f"NIK validations (invalid: letter or 15 digits): {rate:,.0f}/s (informative)")
    rate = _rate(check_kk, kks)
    print(f"KK validations (16 plain digits, valid): {rate:,.0f}/s (informative)")


def main() -> int:
    directory = default_directory()
    print(f"Loket domain benchmark, Python {sys.version.split()[0]}, data: {directory}")
    bench_import()
    bench_loading(directory)
    bench_checks()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
