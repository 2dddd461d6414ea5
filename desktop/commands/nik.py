"""`loket nik`: check and decode NIK (or, with --kk, KK) numbers from the command line.

Staff type the numbers themselves, so the terminal shows them in full; nothing is logged.
Exit status: 0 all valid, 1 at least one invalid, 2 wrong usage, 3 region data unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any, NoReturn, TextIO

from desktop.domain.identity import (
    KkInfo,
    KkResult,
    NikInfo,
    NikResult,
    Problem,
    check_kk,
    check_nik,
)
from desktop.domain.wilayah import Region, WilayahDataError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_DATA = 0, 1, 2, 3

_ARGPARSE_WORDS = (
    ("the following arguments are required", "argumen wajib belum diisi"),
    ("unrecognized arguments", "argumen tidak dikenal"),
    ("expected one argument", "perlu satu nilai"),
    ("invalid", "tidak valid:"),
    ("argument", "argumen"),
)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "pemakaian: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse speaks English; the counter staff read Indonesian."""

    def error(self, message: str) -> NoReturn:
        for english, indonesian in _ARGPARSE_WORDS:
            message = message.replace(english, indonesian)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: galat: {message}\n")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"tanggal harus berformat TTTT-BB-HH, bukan {text!r}"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="loket nik",
        add_help=False,
        formatter_class=_HelpFormatter,
        description=(
            "Memeriksa dan menguraikan NIK: jenis kelamin, tanggal lahir, wilayah tempat NIK\n"
            "pertama kali diterbitkan (termasuk kode kecamatan lama hasil pemekaran) dan nomor\n"
            "urut. Dengan --kk, memeriksa nomor Kartu Keluarga."
        ),
        epilog=(
            "Spasi, titik dan tanda hubung di antara kelompok angka boleh dipakai, misalnya\n"
            "'3171 0152 0890 0001' atau '3171.01.520890.0001'.\n"
            "Status keluar: 0 semua valid, 1 ada yang tidak valid, 2 salah pemakaian,\n"
            "3 data wilayah tidak dapat dibaca."
        ),
    )
    arguments = parser.add_argument_group("argumen")
    arguments.add_argument(
        "numbers",
        nargs="+",
        metavar="NOMOR",
        help="NIK (atau nomor KK dengan --kk); '-' membaca satu nomor per baris dari stdin",
    )
    options = parser.add_argument_group("opsi")
    options.add_argument("-h", "--help", action="help", help="tampilkan bantuan ini lalu keluar")
    options.add_argument("--kk", action="store_true", help="periksa nomor Kartu Keluarga (KK)")
    options.add_argument("--json", action="store_true", help="keluaran JSON untuk skrip")
    options.add_argument(
        "--today",
        type=_parse_date,
        metavar="TTTT-BB-HH",
        help="tanggal acuan untuk tanggal di masa depan (bawaan: hari ini)",
    )
    return parser


# -- text output ---------------------------------------------------------------------------------


def _region_line(region: Region) -> str:
    line = f"{region.code} {region.name}"
    if not region.current and region.years_seen:
        line += f" (kode lama, terakhir ada di daftar {region.years_seen[-1]})"
    return line


def _dates(dates: Sequence[date]) -> str:
    text = " atau ".join(f"{d.day:02d}-{d.month:02d}-{d.year}" for d in dates)
    if len(dates) > 1:
        text += " (abad tidak dapat dipastikan dari nomor)"
    return text


def _display_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _markers(text: str, problems: Sequence[Problem]) -> list[str]:
    """The input with a line of carets under the parts that are wrong."""
    if not text or not any(p.end > p.start for p in problems):
        return []
    shown = "".join(ch if ch.isprintable() else "?" for ch in text)
    marked = [False] * len(text)
    for p in problems:
        for i in range(max(p.start, 0), min(p.end, len(text))):
            marked[i] = True
    carets = "".join(
        ("^" if marked[i] else " ") * _display_width(shown[i]) for i in range(len(text))
    )
    return [f"  {shown}", f"  {carets.rstrip()}"]


def _text_report(typed: str, result: NikResult | KkResult, out: TextIO) -> None:
    label = "NIK" if isinstance(result, NikResult) else "Nomor KK"
    number = result.nik if isinstance(result, NikResult) else result.kk
    if not result.ok:
        print(f"{label} {typed.strip() or repr(typed)}: TIDAK VALID", file=out)
        for line in _markers(typed, result.problems):
            print(line, file=out)
        for problem in result.problems:
            print(f"  - {problem.message}", file=out)
        return
    print(f"{label} {number}: valid", file=out)
    rows: list[tuple[str, str]] = []
    info: NikInfo | KkInfo | None = result.info
    if isinstance(info, NikInfo):
        sex = "laki-laki (L)" if info.sex == "L" else "perempuan (P)"
        rows += [("jenis kelamin", sex), ("tanggal lahir", _dates(info.birth_dates))]
    elif isinstance(info, KkInfo):
        rows.append(("tanggal pencatatan", _dates(info.recorded_dates)))
    else:  # pragma: no cover - ok results always carry info
        return
    rows += [
        ("provinsi", _region_line(info.province)),
        ("kabupaten/kota", _region_line(info.regency)),
        ("kecamatan", _region_line(info.district)),
        ("nomor urut", f"{info.serial:04d}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)} : {value}", file=out)


# -- JSON output ---------------------------------------------------------------------------------


def _region_json(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "current": region.current}


def _json_report(typed: str, result: NikResult | KkResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "input": typed,
        "kind": "nik" if isinstance(result, NikResult) else "kk",
        "number": result.nik if isinstance(result, NikResult) else result.kk,
        "valid": result.ok,
        "problems": [
            {"code": p.code, "message": p.message, "start": p.start, "end": p.end}
            for p in result.problems
        ],
        "info": None,
    }
    if isinstance(result, NikResult) and result.info is not None:
        n = result.info
        data["info"] = {
            "sex": n.sex,
            "birth_day": n.birth_day,
            "birth_month": n.birth_month,
            "birth_year_candidates": list(n.birth_year_candidates),
            "birth_dates": [d.isoformat() for d in n.birth_dates],
            "province": _region_json(n.province),
            "regency": _region_json(n.regency),
            "district": _region_json(n.district),
            "serial": n.serial,
        }
    elif isinstance(result, KkResult) and result.info is not None:
        k = result.info
        data["info"] = {
            "recorded_day": k.recorded_day,
            "recorded_month": k.recorded_month,
            "recorded_year_candidates": list(k.recorded_year_candidates),
            "recorded_dates": [d.isoformat() for d in k.recorded_dates],
            "province": _region_json(k.province),
            "regency": _region_json(k.regency),
            "district": _region_json(k.district),
            "serial": k.serial,
        }
    return data


# -- entry point ---------------------------------------------------------------------------------


def _expand(numbers: Sequence[str], stdin: TextIO) -> list[str]:
    """'-' stands for the lines of stdin (keeps numbers out of shell history)."""
    out: list[str] = []
    for number in numbers:
        if number == "-":
            out.extend(line.rstrip("\r\n") for line in stdin if line.strip())
        else:
            out.append(number)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as stop:  # --help or a usage error: report, don't exit the caller
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    out = sys.stdout
    today: date = args.today or date.today()
    check = check_kk if args.kk else check_nik
    typed_numbers = _expand(args.numbers, sys.stdin)
    try:
        results = [(typed, check(typed, today=today)) for typed in typed_numbers]
    except WilayahDataError as exc:
        print(f"loket nik: {exc}", file=sys.stderr)
        return EXIT_DATA
    if args.json:
        report = [_json_report(typed, result) for typed, result in results]
        print(json.dumps(report, ensure_ascii=False, indent=2), file=out)
    else:
        for index, (typed, result) in enumerate(results):
            if index:
                print(file=out)
            _text_report(typed, result, out)
    return EXIT_OK if all(result.ok for _, result in results) else EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())
