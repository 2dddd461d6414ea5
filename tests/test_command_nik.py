"""`loket nik`: output and exit status, in-process via main() and as a real subprocess."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.commands.nik import main

REPO = Path(__file__).resolve().parents[1]
TODAY = ["--today", "2026-11-24"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main([*argv, *TODAY])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_valid_nik_is_decoded(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "3171 0152 0890 0001")
    assert status == 0
    assert err == ""
    assert out.splitlines() == [
        "NIK 3171015208900001: valid",
        "  jenis kelamin  : perempuan (P)",
        "  tanggal lahir  : 12-08-1990",
        "  provinsi       : 31 Daerah Khusus Ibukota Jakarta",
        "  kabupaten/kota : 31.71 Kota Administrasi Jakarta Pusat",
        "  kecamatan      : 31.71.01 Gambir",
        "  nomor urut     : 0001",
    ]


def test_ambiguous_century_and_historical_code_are_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "9101011208050001")
    assert status == 0
    assert "laki-laki (L)" in out
    assert "12-08-1905 atau 12-08-2005 (abad tidak dapat dipastikan dari nomor)" in out
    assert "91.01.01 Merauke (kode lama, terakhir ada di daftar 2022)" in out


def test_invalid_nik_shows_every_problem_and_where(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "3171017102900000")
    assert status == 1
    assert out.splitlines() == [
        "NIK 3171017102900000: TIDAK VALID",
        "  3171017102900000",
        "        ^^^^^^^^^^",
        "  - tanggal lahir pada NIK tidak valid: 31-02 (71 - 40, perempuan)",
        "  - nomor urut pada NIK tidak boleh 0000",
    ]


def test_letter_is_pointed_at(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "3171O15208900001")
    assert status == 1
    lines = out.splitlines()
    assert lines[1:3] == ["  3171O15208900001", "      ^"]
    assert "NIK mengandung karakter bukan angka: 'O' pada posisi 5" in lines[3]


def test_any_invalid_number_makes_the_exit_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "3171015208900001", "317101520890001")
    assert status == 1
    assert "NIK 3171015208900001: valid" in out
    assert "panjang NIK harus 16 digit, bukan 15" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--json", "3171015208900001", "9971015208900001")
    assert status == 1
    first, second = json.loads(out)
    assert first["valid"] is True
    assert first["number"] == "3171015208900001"
    assert first["info"]["sex"] == "P"
    assert first["info"]["birth_dates"] == ["1990-08-12"]
    assert first["info"]["district"] == {"code": "31.71.01", "name": "Gambir", "current": True}
    assert second["valid"] is False and second["info"] is None
    assert second["problems"] == [
        {"code": "province", "message": "kode provinsi 99 tidak dikenal", "start": 0, "end": 2}
    ]


def test_kk_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--kk", "3171012411260042")
    assert status == 0
    assert "Nomor KK 3171012411260042: valid" in out
    assert "tanggal pencatatan : 24-11-2026" in out
    status, out, _ = run(capsys, "--kk", "3171013001300001")
    assert status == 1
    assert "tanggal pencatatan pada nomor KK di masa depan: 30-01-2030" in out


def test_numbers_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("3171015208900001\n\n3171015208900002\n"))
    status, out, _ = run(capsys, "-")
    assert status == 0
    assert out.count(": valid") == 2


def test_help_is_indonesian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pemakaian: loket nik")
    assert "tampilkan bantuan ini lalu keluar" in out
    assert "periksa nomor Kartu Keluarga" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "loket nik: galat: argumen wajib belum diisi: NOMOR"),
        (["--today", "besok", "3171015208900001"], "tanggal harus berformat TTTT-BB-HH"),
        (["--tidak-ada", "3171015208900001"], "argumen tidak dikenal: --tidak-ada"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "pemakaian: loket nik" in err
    assert message in err


def test_nothing_is_logged(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run(capsys, "3171015208900001", "3171O15208900001")
    assert caplog.records == []


def _subprocess(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.commands.nik", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8", **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_runs_as_a_module() -> None:
    done = _subprocess("3171015208900001", *TODAY)
    assert done.returncode == 0, done.stderr
    assert "kecamatan      : 31.71.01 Gambir" in done.stdout
    done = _subprocess("3171015208900000", "--json", *TODAY)
    assert done.returncode == 1
    assert json.loads(done.stdout)[0]["problems"][0]["code"] == "serial"


def test_missing_region_data_exits_3(tmp_path: Path) -> None:
    done = _subprocess("3171015208900001", LOKET_RESOURCES=str(tmp_path))
    assert done.returncode == 3
    assert "data wilayah tidak dapat dibaca" in done.stderr
    assert done.stdout == ""
