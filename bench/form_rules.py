"""Form rules benchmark (issue 11): `python bench/form_rules.py [--forms 300]`.

What the intake form runs while the operator types, with the real region files and catalogue:

- a NIK check per keystroke: ``check_applicant`` on the NIK field alone (what the form does on
  every key: the check and the cross-check with sex and birth date), for every prefix of many
  NIKs typed digit by digit, pasted with spaces, and mistyped; p95 against the 5 ms budget;
- the whole applicant form (``check_applicant`` over all 12 fields, ``clean_applicant``) and a
  birth registration's own fields (``check_service_data``, 17 fields with four NIKs): what
  runs on submit and on the server per create; reported beside the same keystroke budget,
  since the form re-checks the whole form when a field is left;
- the expected completion date (``sla.expected_completion``), cold (holiday table built for
  the year) and warm.

The region index is warmed first (its one-off load is bench/domain.py's subject). Numbers are
printed beside their budgets; a benchmark is a report, never a test. The load average is
printed too: other processes on a 2-core machine move these numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow `python bench/form_rules.py` without PYTHONPATH
    sys.path.insert(0, str(ROOT))

from desktop.domain import sla  # noqa: E402
from desktop.domain.applicant_rules import (  # noqa: E402
    check_applicant,
    check_service_data,
    clean_applicant,
)
from desktop.domain.catalogue import load_catalogue  # noqa: E402
from desktop.domain.identity import Sex, encode_kk, encode_nik  # noqa: E402
from desktop.domain.wilayah import Wilayah, get_wilayah  # noqa: E402

BUDGET_KEYSTROKE_P95_MS = 5.0
BUDGET_FULL_FORM_MS = 5.0
TODAY = date(2026, 3, 2)
DISTRICTS = ("147101", "147102", "317101", "327301", "510301", "640101")


def verdict(value: float, budget: float) -> str:
    return "OK" if value <= budget else "OVER BUDGET"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def people(count: int, rng: random.Random) -> list[dict[str, str]]:
    found = []
    for n in range(count):
        sex: Sex = "L" if rng.random() < 0.5 else "P"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        district = rng.choice(DISTRICTS)
        found.append(
            {
                "nik": encode_nik(district, born, sex, n % 9999 + 1),
                "name": rng.choice(["Siti Aminah", "Muh. Ali", "Ni Luh Putu Ayu", "Ma'ruf"]),
                "birth_place": "Pekanbaru",
                "birth_date": born.isoformat(),
                "sex": sex,
                "kk_number": encode_kk(district, date(2015, 6, 1), n % 9999 + 1),
                "phone": "0812-3456-7890",
                "email": "pemohon@contoh.co.id",
                "address": "Jl. Jend. Sudirman No. 12, Gg. Mawar " * rng.randint(1, 5),
                "rt": "1",
                "rw": "12",
                "village_code": "14.71.01.1002",
            }
        )
    return found


def typed_forms(nik: str) -> list[str]:
    """What the NIK field holds after each key: digit by digit, pasted with spaces, one typo."""
    keys = [nik[:n] for n in range(1, 17)]
    grouped = f"{nik[:6]} {nik[6:12]} {nik[12:]}"
    typo = nik[:7] + "O" + nik[8:]
    return [*keys, grouped, typo]


def bench_keystrokes(persons: list[dict[str, str]], wilayah: Wilayah) -> None:
    samples: list[float] = []
    for person in persons:
        for text in typed_forms(person["nik"]):
            values = {"nik": text, "sex": person["sex"], "birth_date": person["birth_date"]}
            samples.append(timed_ms(partial(check_applicant, values, today=TODAY, wilayah=wilayah)))
    worst = p95(samples)
    print(
        f"NIK check per keystroke ({len(samples):,} keys): median "
        f"{statistics.median(samples):.3f} ms, p95 {worst:.3f} ms, max {max(samples):.3f} ms "
        f"(budget p95 {BUDGET_KEYSTROKE_P95_MS:.0f} ms) {verdict(worst, BUDGET_KEYSTROKE_P95_MS)}"
    )


def bench_full_form(persons: list[dict[str, str]], wilayah: Wilayah) -> None:
    applicant = [
        timed_ms(partial(check_applicant, p, today=TODAY, wilayah=wilayah)) for p in persons
    ]
    cleaning = [timed_ms(partial(clean_applicant, p)) for p in persons]
    worst = p95(applicant)
    print(
        f"check_applicant, full form of 12 fields ({len(persons)} forms): median "
        f"{statistics.median(applicant):.3f} ms, p95 {worst:.3f} ms "
        f"(budget {BUDGET_FULL_FORM_MS:.0f} ms) {verdict(worst, BUDGET_FULL_FORM_MS)}"
    )
    print(
        f"clean_applicant: median {statistics.median(cleaning):.3f} ms, "
        f"p95 {p95(cleaning):.3f} ms (informative)"
    )
    service = load_catalogue("1471").service("AKTA-LAHIR")
    samples = []
    for n, person in enumerate(persons):
        data = {
            "anak.nama": "Muhammad Al-Fatih",
            "anak.jenis_kelamin": "L",
            "anak.tempat_lahir": "Pekanbaru",
            "anak.tanggal_lahir": "2026-02-20",
            "anak.jam": "14:30",
            "anak.tempat_dilahirkan": "puskesmas",
            "anak.kelahiran_ke": "2",
            "anak.penolong": "bidan/perawat",
            "ibu.nik": person["nik"],
            "ibu.nama": "Siti",
            "ayah.nik": persons[(n + 1) % len(persons)]["nik"],
            "ayah.nama": "Muh. Ali",
            "saksi1.nik": persons[(n + 2) % len(persons)]["nik"],
            "saksi1.nama": "Ma'ruf",
            "saksi2.nik": persons[(n + 3) % len(persons)]["nik"],
            "saksi2.nama": "Ni Luh Putu",
            "pelapor.hubungan": "ibu",
        }
        samples.append(
            timed_ms(partial(check_service_data, service, data, today=TODAY, wilayah=wilayah))
        )
    worst = p95(samples)
    print(
        f"check_service_data, birth registration (17 fields, 4 NIKs): median "
        f"{statistics.median(samples):.3f} ms, p95 {worst:.3f} ms "
        f"(budget {BUDGET_FULL_FORM_MS:.0f} ms) {verdict(worst, BUDGET_FULL_FORM_MS)}"
    )


def bench_sla() -> None:
    """Cold: the first call in a process imports ``holidays`` and its Indonesian calendar
    (a one-off the app pays on a worker via ``sla.warm_up``), then one table per year."""
    start = datetime(2031, 12, 30, 10, 0)
    first = timed_ms(partial(sla.expected_completion, start, 120))
    new_year = timed_ms(partial(sla.expected_completion, datetime(2035, 12, 28, 10), 24))
    warm = [timed_ms(partial(sla.expected_completion, start, h)) for h in (3, 8, 24, 72, 120) * 40]
    print(
        f"expected_completion: first in the process {first:.1f} ms, first in a new year "
        f"{new_year:.2f} ms, then median {statistics.median(warm):.4f} ms (informative)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=300)
    args = parser.parse_args()
    one, five, _ = os.getloadavg()
    print(
        f"Loket form rules benchmark, Python {sys.version.split()[0]}, "
        f"load average {one:.2f} / {five:.2f} (2 cores shared)"
    )
    wilayah = get_wilayah()
    rng = random.Random(11)
    persons = people(args.forms, rng)
    warm = timed_ms(
        lambda: check_applicant(persons[0], today=TODAY, wilayah=wilayah)  # loads the regions
    )
    print(f"first check (region index and desa list loaded): {warm:.1f} ms (one-off, informative)")
    bench_keystrokes(persons, wilayah)
    bench_full_form(persons, wilayah)
    bench_sla()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
