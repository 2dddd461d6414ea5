"""Region index over the real files in resources/wilayah, plus laziness and configuration."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop.domain.wilayah import (
    Region,
    Wilayah,
    WilayahDataError,
    code_digits,
    default_directory,
    get_wilayah,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "resources" / "wilayah"


@pytest.fixture(scope="module")
def current_codes() -> dict[str, str]:
    with (DATA / "wilayah.csv").open(encoding="utf-8", newline="") as fh:
        return {row["kode"]: row["nama"] for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def wilayah() -> Wilayah:
    return get_wilayah()


def test_resources_are_a_copy_with_provenance() -> None:
    names = {p.name for p in DATA.iterdir()}
    assert {"wilayah.csv", "kode_historis.csv", "README.md", "LICENSE.source-data"} <= names
    assert "cahyadsn/wilayah" in (DATA / "README.md").read_text(encoding="utf-8")


def test_default_directory_is_the_repository_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOKET_RESOURCES", raising=False)
    assert default_directory() == DATA


def test_lookup_accepts_plain_and_dotted_codes(wilayah: Wilayah) -> None:
    region = wilayah.lookup("317101")
    assert region == wilayah.lookup("31.71.01")
    assert region == Region(
        "31.71.01", "Gambir", "kecamatan", True, (2016, 2018, 2020, 2022, 2023, 2025)
    )
    assert region.digits == "317101"
    province = wilayah.lookup("31")
    assert province is not None and province.level == "provinsi"
    regency = wilayah.lookup("3171")
    assert regency is not None and regency.level == "kabkota"
    desa = wilayah.lookup("31.71.01.1001")
    assert desa == Region("31.71.01.1001", "Gambir", "desa", True, ())


@pytest.mark.parametrize(
    "code", ["", "3", "317", "31.7", "31.71.01.10", "3171011001000", "ab", "99", "31.71.99"]
)
def test_unknown_or_malformed_codes(wilayah: Wilayah, code: str) -> None:
    assert wilayah.lookup(code) is None


def test_code_digits() -> None:
    assert code_digits("31.71.01.1001") == "3171011001"
    assert code_digits(" 317101 ") == "317101"
    assert code_digits("31.71.1") is None
    assert code_digits("3171.01") is None
    assert code_digits("\uff13\uff11") is None  # full-width: not a code


def test_names_with_commas_are_read(wilayah: Wilayah, current_codes: dict[str, str]) -> None:
    region = wilayah.lookup("12.07.28.1007")
    assert region is not None
    assert region.name == current_codes["12.07.28.1007"] == "Lubuk Pakam I,II"


def test_counts_match_the_regulation(wilayah: Wilayah) -> None:
    """Kepmendagri 300.2.2-2138/2025: 38 provinsi, 514 kab/kota, 7,285 kecamatan, 83,762 desa."""
    assert len(wilayah.regions("provinsi", current_only=True)) == 38
    assert len(wilayah.regions("kabkota", current_only=True)) == 514
    assert len(wilayah.regions("kecamatan", current_only=True)) == 7285
    assert len(wilayah.regions("desa")) == 83762
    assert len(wilayah.regions("kecamatan")) > 7285  # plus codes no longer in use


def test_current_flag_agrees_with_todays_list(
    wilayah: Wilayah, current_codes: dict[str, str]
) -> None:
    for level in ("provinsi", "kabkota", "kecamatan"):
        for region in wilayah.regions(level):
            assert region.current == (region.code in current_codes), region
            if region.current:
                assert region.name == current_codes[region.code].strip()


def test_historical_only_kecamatan(wilayah: Wilayah, current_codes: dict[str, str]) -> None:
    assert "91.01.01" not in current_codes
    assert wilayah.is_historical_kecamatan("91.01.01")
    assert wilayah.is_historical_kecamatan("910101")
    old = wilayah.lookup("91.01.01")
    assert old is not None
    assert (old.name, old.current, old.years_seen) == ("Merauke", False, (2016, 2018, 2020, 2022))
    new = wilayah.lookup("93.01.01")  # the same kecamatan after Papua Selatan was formed
    assert new is not None and new.name == "Merauke" and new.current


@pytest.mark.parametrize("code", ["999999", "31.71", "31", "31.71.01.1001", "x", ""])
def test_is_historical_kecamatan_rejects(wilayah: Wilayah, code: str) -> None:
    assert not wilayah.is_historical_kecamatan(code)


def test_children(wilayah: Wilayah, current_codes: dict[str, str]) -> None:
    kabkota = wilayah.children("31")
    assert [r.code for r in kabkota] == ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]
    assert kabkota[2].name == "Kota Administrasi Jakarta Utara"  # trailing space in the file
    papua_now = {r.code for r in wilayah.children("91")}
    papua_ever = {r.code for r in wilayah.children("91", current_only=False)}
    assert "91.01" not in papua_now and "91.01" in papua_ever
    kelurahan = wilayah.children("31.71.01")
    expected = sorted(c for c in current_codes if c.startswith("31.71.01."))
    assert [r.code for r in kelurahan] == expected
    assert all(r.level == "desa" and r.current for r in kelurahan)
    assert wilayah.children("31.71.01.1001") == []
    assert wilayah.children("nonsense") == []


def test_search(wilayah: Wilayah) -> None:
    found = wilayah.search("gambir")
    assert found[0].code in ("31.71.01", "31.71.01.1001")  # exact names first
    assert {r.name for r in found[:2]} == {"Gambir"}
    kecamatan = wilayah.search("GAMBIR", level="kecamatan")
    assert kecamatan[0].code == "31.71.01"
    assert all(r.level == "kecamatan" and "gambir" in r.name.casefold() for r in kecamatan)
    merauke = wilayah.search("merauke", level="kecamatan")
    assert [r.code for r in merauke] == ["93.01.01", "91.01.01"]  # current before historical
    assert [r.code for r in wilayah.search("31.7", level="kabkota")] == [
        "31.71", "31.72", "31.73", "31.74", "31.75"
    ]  # fmt: skip
    assert len(wilayah.search("a", limit=5)) == 5
    assert wilayah.search("   ") == []
    assert wilayah.search("tidak ada wilayah seperti ini") == []


def test_upper_levels_never_load_the_full_list() -> None:
    fresh = Wilayah(DATA)
    assert not fresh.historical_loaded and not fresh.full_list_loaded
    assert fresh.lookup("31.71.01") is not None
    fresh.children("31")
    fresh.search("jakarta", level="provinsi")
    assert fresh.historical_loaded and not fresh.full_list_loaded
    assert fresh.lookup("31.71.01.1001") is not None
    assert fresh.full_list_loaded


def test_concurrent_first_use_loads_once_and_agrees() -> None:
    fresh = Wilayah(DATA)
    results: list[object] = []

    def work() -> None:
        results.append((fresh.lookup("31.71.01"), len(fresh.children("31.71.01"))))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(map(repr, results))) == 1


def test_get_wilayah_is_cached_per_directory(tmp_path: Path) -> None:
    assert get_wilayah() is get_wilayah()
    assert get_wilayah(tmp_path) is get_wilayah(tmp_path)
    assert get_wilayah(tmp_path) is not get_wilayah()


def test_environment_overrides_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "wilayah"
    folder.mkdir()
    (folder / "kode_historis.csv").write_text(
        "kode,nama_terakhir,tahun_terlihat\n99,Contoh,2024 2025\n99.01,Kab Contoh,2025\n"
        "99.01.01,Lama,2024\n99.01.02,Baru,2025\n",
        encoding="utf-8",
    )
    (folder / "wilayah.csv").write_text(
        'kode,nama\n99,Contoh\n99.01,Kab Contoh\n99.01.02,Baru\n99.01.02.2001,"Desa A, B"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LOKET_RESOURCES", str(tmp_path))
    assert default_directory() == folder
    index = get_wilayah()
    assert index.directory == folder
    old = index.lookup("99.01.01")
    assert old is not None and not old.current and old.years_seen == (2024,)
    assert [r.name for r in index.children("99.01.02")] == ["Desa A, B"]


def test_missing_or_broken_data_is_a_clear_error(tmp_path: Path) -> None:
    missing = Wilayah(tmp_path / "tidak-ada")
    with pytest.raises(WilayahDataError, match="data wilayah tidak dapat dibaca"):
        missing.lookup("31")
    broken = tmp_path / "rusak"
    broken.mkdir()
    (broken / "kode_historis.csv").write_text("code;name\n", encoding="utf-8")
    with pytest.raises(WilayahDataError, match="kepala kolom salah"):
        Wilayah(broken).lookup("31")
    (broken / "kode_historis.csv").write_text(
        "kode,nama_terakhir,tahun_terlihat\n31,Jakarta\n", encoding="utf-8"
    )
    with pytest.raises(WilayahDataError, match="baris rusak"):
        Wilayah(broken).lookup("31")


def test_importing_reads_no_data() -> None:
    """With resources pointing nowhere, import and get_wilayah() still work: no I/O yet."""
    code = (
        "import desktop.domain.identity, desktop.domain.wilayah as w\n"
        "index = w.get_wilayah()\n"
        "assert not index.historical_loaded and not index.full_list_loaded\n"
        "try:\n"
        "    index.lookup('31')\n"
        "except w.WilayahDataError as exc:\n"
        "    print('error on first use:', exc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOKET_RESOURCES": "/nonexistent/loket"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "error on first use: data wilayah tidak dapat dibaca" in done.stdout
