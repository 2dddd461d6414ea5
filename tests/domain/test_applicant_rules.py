"""Applicant and service-field rules, against the real region files and the shipped catalogue."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.applicant_rules import (
    ADDRESS_MAX,
    COUNTER_REQUIRED,
    FieldProblem,
    check_applicant,
    check_service_data,
    clean_applicant,
    clean_service_data,
    normalise_phone,
)
from desktop.domain.catalogue import load_catalogue
from desktop.domain.identity import encode_kk, encode_nik
from desktop.domain.wilayah import get_wilayah

TODAY = date(2026, 3, 2)
WILAYAH = get_wilayah()
CATALOGUE = load_catalogue("1471")
NIK_SITI = encode_nik("147101", date(1990, 8, 12), "P", 1)
NIK_ALI = encode_nik("147101", date(1985, 1, 20), "L", 7)
NIK_WITNESS = encode_nik("147102", date(1970, 4, 2), "L", 33)
KK = encode_kk("147101", date(2015, 6, 1), 12)

GOOD = {
    "nik": NIK_SITI,
    "name": "Siti",
    "birth_place": "Pekanbaru",
    "birth_date": "1990-08-12",
    "sex": "P",
    "kk_number": KK,
    "phone": "0812-3456-7890",
    "email": "siti@contoh.co.id",
    "address": "Jl. Jend. Sudirman No. 12/B, Gg. Mawar",
    "rt": "1",
    "rw": "012",
    "village_code": "14.71.01.1002",
}


def _check(**changes: str) -> list[FieldProblem]:
    return check_applicant({**GOOD, **changes}, today=TODAY, wilayah=WILAYAH)


def _blocking(problems: list[FieldProblem]) -> dict[str, str]:
    return {p.field: p.message for p in problems if p.blocking}


# -- the applicant -----------------------------------------------------------------------------


def test_good_applicant_has_no_problems() -> None:
    assert _check() == []
    assert check_applicant(clean_applicant(GOOD), today=TODAY, wilayah=None) == []


@pytest.mark.parametrize(
    "name",
    [
        "Siti",
        "Muh. Ali",
        "Ni Luh Putu Ayu",
        "Ma'ruf",
        "Nur'aini",
        "Nur\u2019aini",
        "Abdul-Rahman",
        "de Fretes",
        "I GUSTI NGURAH RAI",
        "Ahmad Subarjo, S.H.",
        "Zoë Théresia",
    ],
)
def test_names_as_indonesians_write_them(name: str) -> None:
    assert _check(name=name) == []
    assert clean_applicant({"name": name})["name"] == name  # never recased


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Siti 2", "Nama tidak boleh berisi angka ('2')"),
        ("محمد علي", "Nama harus ditulis dengan huruf Latin seperti pada KTP, bukan huruf Arab"),
        ("ꦱꦶꦠꦶ", "Nama harus ditulis dengan huruf Latin seperti pada KTP, bukan huruf Jawa"),
        ("王小明", "bukan huruf Tionghoa"),
        ("Siti 😀", "Nama tidak boleh berisi emoji atau simbol ('😀')"),
        ("Siti \u202eimA", "Nama berisi karakter tersembunyi atau kontrol (U+202E)"),
        ("Siti\u200bAminah", "karakter tersembunyi atau kontrol (U+200B)"),
        ("Siti\x07", "karakter tersembunyi atau kontrol (U+0007)"),
        ("Siti@Aminah", "Nama tidak boleh berisi tanda '@'"),
        ("...", "Nama harus berisi huruf"),
        ("A" * 101, "Nama terlalu panjang: 101 karakter, paling banyak 100"),
    ],
)
def test_names_that_cannot_be_on_a_ktp(name: str, expected: str) -> None:
    assert expected in _blocking(_check(name=name))["name"]


def test_required_fields_are_the_callers_choice() -> None:
    assert check_applicant({"nik": NIK_SITI, "name": "Siti"}, today=TODAY, wilayah=None) == []
    problems = check_applicant(
        {"nik": NIK_SITI, "name": "Siti"}, today=TODAY, wilayah=None, required=COUNTER_REQUIRED
    )
    assert set(_blocking(problems)) == set(COUNTER_REQUIRED) - {"nik", "name"}
    assert _blocking(problems)["birth_date"] == "Tanggal lahir wajib diisi."
    empty = check_applicant({"name": "  "}, today=TODAY, wilayah=None)
    assert _blocking(empty) == {"nik": "NIK wajib diisi.", "name": "Nama wajib diisi."}


@pytest.mark.parametrize(
    "typed",
    [
        NIK_SITI,
        f"{NIK_SITI[:6]} {NIK_SITI[6:12]} {NIK_SITI[12:]}",
        f"{NIK_SITI[:2]}.{NIK_SITI[2:4]}.{NIK_SITI[4:6]}-{NIK_SITI[6:12]}-{NIK_SITI[12:]}",
        f" {NIK_SITI}\n",
    ],
)
def test_pasted_nik_with_separators_is_accepted_and_cleaned(typed: str) -> None:
    assert _check(nik=typed) == []
    assert clean_applicant({"nik": typed})["nik"] == NIK_SITI


def test_sixteen_digits_that_are_not_a_nik() -> None:
    message = _blocking(_check(nik="1234567890123456"))["nik"]
    assert message.startswith("NIK tidak valid: ")
    assert "kode kabupaten/kota 12.34 tidak dikenal" in message
    assert "NIK tidak valid" in _blocking(_check(nik="12345"))["nik"]


def test_nik_cross_check_warns_without_blocking() -> None:
    problems = _check(sex="L", birth_date="1990-08-13")
    assert _blocking(problems) == {}
    messages = [p.message for p in problems if p.field == "nik"]
    assert len(messages) == 2
    assert "jenis kelamin pada NIK (P) tidak sama dengan data (L)" in messages[0]
    assert "tanggal lahir pada NIK (12-08-1990)" in messages[1]


def test_kk_number() -> None:
    assert "Nomor KK tidak valid" in _blocking(_check(kk_number="1471019999990000"))["kk_number"]
    assert clean_applicant({"kk_number": f"{KK[:6]} {KK[6:]}"})["kk_number"] == KK


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        ("2026-03-03", "Tanggal lahir tidak boleh sesudah hari ini (03-03-2026)"),
        ("2099-01-01", "tidak boleh sesudah hari ini"),
        ("1890-01-01", "Tanggal lahir lebih dari 130 tahun lalu (1890)"),
        ("12-08-1990", "Tanggal lahir tidak valid"),
        ("1990-02-30", "Tanggal lahir tidak valid"),
        # no format named: the form takes DD-MM-YYYY, a program sends ISO
        ("Melamar peke", "Tanggal lahir tidak valid: 'Melamar peke' bukan tanggal."),
    ],
)
def test_birth_date(birth_date: str, expected: str) -> None:
    problems = check_applicant(
        {"nik": NIK_SITI, "name": "Siti", "birth_date": birth_date}, today=TODAY, wilayah=None
    )
    assert expected in _blocking(problems)["birth_date"]


def test_born_today_is_fine() -> None:
    nik = encode_nik("147101", TODAY, "L", 9)
    assert _check(nik=nik, sex="L", birth_date=TODAY.isoformat()) == []


def test_address_limits() -> None:
    assert _check(address="Jl. Riau\nGg. Damai No. 3") == []
    assert _check(address="x" * ADDRESS_MAX) == []
    message = _blocking(_check(address=("Jl. Riau No. 1 " * 200)[:2000]))["address"]
    assert message == (
        "Alamat terlalu panjang: 2.000 karakter, paling banyak 500. Singkat seperlunya."
    )
    assert "huruf Arab" in _blocking(_check(address="شارع ١"))["address"]
    assert "emoji" in _blocking(_check(address="Jl. Riau 🏠"))["address"]


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 (0)812.3456.7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0062 81234567890", "+6281234567890"),
        ("0812345678", "+62812345678"),
        ("(0761) 123456", "+62761123456"),
        ("021-5551234", "+62215551234"),
        ("0967 531234", "+62967531234"),
        ("+6281234567890", "+6281234567890"),
    ],
)
def test_phone_formats(typed: str, normal: str) -> None:
    assert normalise_phone(typed) == normal
    assert _check(phone=typed) == []
    assert clean_applicant({"phone": typed})["phone"] == normal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("812345678", "Awali nomor telepon dengan 0 atau +62"),
        ("+65 9123 4567", "Hanya nomor Indonesia (+62)"),
        ("0812-ABCD-7890", "hanya berisi angka"),
        ("0800 123 4567", "Nomor telepon tidak dikenali"),
        ("08123", "Nomor telepon tidak dikenali"),
        ("0812345678901234", "Nomor telepon tidak dikenali"),
        ("0", "Nomor telepon tidak dikenali"),
        ("+62", "Nomor telepon tidak dikenali"),
        ("0123456789", "Nomor telepon tidak dikenali"),
    ],
)
def test_odd_phones(typed: str, expected: str) -> None:
    assert normalise_phone(typed) is None
    assert expected in _blocking(_check(phone=typed))["phone"]


@pytest.mark.parametrize(
    "email", ["a@b", "siti aminah@x.com", "siti@@x.com", "@x.com", "a..b@x.com"]
)
def test_bad_email(email: str) -> None:
    assert "E-mail tidak valid" in _blocking(_check(email=email))["email"]


def test_email_domain_is_lowercased_not_the_mailbox() -> None:
    assert clean_applicant({"email": " Siti.A@Contoh.CO.ID "})["email"] == "Siti.A@contoh.co.id"


@pytest.mark.parametrize(
    ("typed", "shown"), [("1", "001"), ("01", "001"), ("012", "012"), ("999", "999")]
)
def test_rt_rw_are_shown_with_three_digits(typed: str, shown: str) -> None:
    assert _check(rt=typed, rw=typed) == []
    assert clean_applicant({"rt": typed, "rw": typed}) == {"rt": shown, "rw": shown}


@pytest.mark.parametrize("typed", ["0", "000", "1234", "1a", "-1"])
def test_bad_rt(typed: str) -> None:
    assert _blocking(_check(rt=typed))["rt"].startswith("RT berisi 1-3 angka")


def test_village_code_must_be_a_current_kelurahan() -> None:
    assert _check(village_code="1471011002") == []
    assert clean_applicant({"village_code": "14.71.01.1002"})["village_code"] == "1471011002"
    assert (
        "bukan kelurahan/desa yang berlaku"
        in _blocking(_check(village_code="1471019999"))["village_code"]
    )
    assert (
        "pilih kelurahan/desa dari daftar"
        in _blocking(_check(village_code="14.71.01"))["village_code"]
    )


def test_sex_words_are_cleaned() -> None:
    assert clean_applicant({"sex": "Perempuan"})["sex"] == "P"
    assert _blocking(_check(sex="X"))["sex"].startswith("Jenis kelamin")


def test_clean_keeps_what_it_cannot_clean_for_the_check_to_report() -> None:
    cleaned = clean_applicant(
        {"phone": " 12 ", "nik": "12 34", "name": "  Siti   Aminah ", "x": " y"}
    )
    assert cleaned == {"phone": "12", "nik": "1234", "name": "Siti Aminah", "x": "y"}


def test_nfc() -> None:
    decomposed = "Zoe\u0308"
    assert clean_applicant({"name": decomposed})["name"] == "Zo\u00eb"
    assert _check(name=decomposed) == []


# -- properties ---------------------------------------------------------------------------------

_PHONEISH = st.text(alphabet="0123456789+-. ()62", max_size=20)


@settings(max_examples=400, deadline=None)
@given(_PHONEISH | st.text(max_size=20))
def test_normalise_phone_is_idempotent(text: str) -> None:
    once = normalise_phone(text)
    if once is not None:
        assert normalise_phone(once) == once
        assert once.startswith("+62") and once[1:].isdigit()


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*sorted(GOOD), "extra"]),
        st.text(max_size=40) | _PHONEISH | st.sampled_from(list(GOOD.values())),
    )
)
def test_clean_applicant_is_idempotent(values: dict[str, str]) -> None:
    once = clean_applicant(values)
    assert clean_applicant(once) == once


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(GOOD)), st.text(max_size=60)))
def test_check_applicant_never_raises(values: dict[str, str]) -> None:
    for problem in check_applicant(values, today=TODAY, wilayah=WILAYAH):
        assert problem.field in GOOD and problem.message


# -- service data -------------------------------------------------------------------------------


BIRTH = {
    "anak.nama": "Muhammad Al-Fatih",
    "anak.jenis_kelamin": "L",
    "anak.tempat_lahir": "Pekanbaru",
    "anak.tanggal_lahir": "2026-02-20",
    "anak.jam": "14:30",
    "anak.tempat_dilahirkan": "puskesmas",
    "anak.kelahiran_ke": "2",
    "anak.penolong": "bidan/perawat",
    "ibu.nik": NIK_SITI,
    "ibu.nama": "Siti",
    "ayah.nik": NIK_ALI,
    "ayah.nama": "Muh. Ali",
    "saksi1.nik": NIK_WITNESS,
    "saksi1.nama": "Ma'ruf",
    "saksi2.nik": encode_nik("147101", date(1975, 9, 9), "P", 2),
    "saksi2.nama": "Ni Luh Putu",
    "pelapor.hubungan": "ibu",
}


def _service_check(code: str, data: dict[str, str]) -> list[FieldProblem]:
    return check_service_data(CATALOGUE.service(code), data, today=TODAY, wilayah=WILAYAH)


def test_complete_birth_registration() -> None:
    assert _service_check("AKTA-LAHIR", BIRTH) == []


def test_birth_registration_missing_and_wrong() -> None:
    data = {k: v for k, v in BIRTH.items() if not k.startswith("saksi2.")}
    data.update(
        {"anak.tanggal_lahir": "2026-04-01", "anak.jenis_kelamin": "X", "anak.jam": "25:00"}
    )
    data.update({"anak.kelahiran_ke": "dua", "anak.nama": "Fatih 😀", "ayah.nik": ""})
    problems = _blocking(_service_check("AKTA-LAHIR", data))
    assert problems == {
        "anak.nama": "Data anak: Nama anak tidak boleh berisi emoji atau simbol ('😀').",
        "anak.jenis_kelamin": "Data anak: Jenis kelamin: pilih salah satu: L, P.",
        "anak.tanggal_lahir": "Data anak: Tanggal lahir tidak boleh sesudah hari ini (01-04-2026).",
        "anak.jam": "Data anak: Pukul: tulis jam dan menit, mis. 14:30.",
        "anak.kelahiran_ke": "Data anak: Kelahiran ke-: isi dengan angka saja (0-9).",
        "saksi2.nik": "Saksi 2: NIK saksi 2 wajib diisi.",
        "saksi2.nama": "Saksi 2: Nama saksi 2 wajib diisi.",
    }  # the father is optional


def test_parent_nik_of_the_wrong_sex_and_one_person_twice_are_warnings() -> None:
    data = {**BIRTH, "ibu.nik": NIK_ALI, "saksi2.nik": NIK_WITNESS}
    problems = _service_check("AKTA-LAHIR", data)
    assert _blocking(problems) == {}
    warnings = {p.field: p.message for p in problems}
    assert "jenis kelamin pada NIK (L) tidak sama dengan data (P)" in warnings["ibu.nik"]
    assert warnings["saksi2.nik"] == "Saksi 2: NIK sama dengan Saksi 1; periksa kembali."


def test_invalid_nik_in_service_data_blocks() -> None:
    problems = _blocking(_service_check("AKTA-LAHIR", {**BIRTH, "saksi1.nik": "1234567890123456"}))
    assert problems["saksi1.nik"].startswith("Saksi 1: NIK saksi 1 tidak valid: ")


def test_unknown_keys_are_warnings_and_cleaned_away() -> None:
    problems = _service_check("SK-DOMISILI", {"surat.keperluan": "sekolah", "lama.x": "1"})
    assert problems == [
        FieldProblem("lama.x", "Isian 'lama.x' tidak dikenal untuk layanan ini.", blocking=False)
    ]
    cleaned = clean_service_data(
        CATALOGUE.service("SK-DOMISILI"), {"surat.keperluan": " sekolah ", "lama.x": "1"}
    )
    assert cleaned == {"surat.keperluan": "sekolah"}


def test_move_destination_and_members() -> None:
    data = {
        "tujuan.wilayah": "14.71.01.1002",
        "tujuan.alamat": "Jl. Riau No. 1",
        "pindah.alasan": "pekerjaan",
        "pindah.jenis": "kepala keluarga dan seluruh anggota",
        "pindah.anggota": f"{NIK_SITI} Siti\n\n{NIK_ALI[:6]} {NIK_ALI[6:]} Muh. Ali",
    }
    assert _service_check("PINDAH-KELUAR", data) == []
    bad = {**data, "tujuan.wilayah": "1471010000", "pindah.anggota": f"Siti\n{NIK_ALI}"}
    problems = _service_check("PINDAH-KELUAR", bad)
    assert "bukan kelurahan/desa yang berlaku" in _blocking(problems)["tujuan.wilayah"]
    members = [p.message for p in problems if p.field == "pindah.anggota"]
    assert members == [
        "Kepindahan: Anggota keluarga yang ikut pindah, baris 1: awali dengan NIK 16 angka lalu "
        "nama (NIK mengandung karakter bukan angka: 'S' pada posisi 1).",
        "Kepindahan: Anggota keluarga yang ikut pindah, baris 2: tulis nama sesudah NIK.",
    ]
    cleaned = clean_service_data(CATALOGUE.service("PINDAH-KELUAR"), data)
    assert cleaned["tujuan.wilayah"] == "1471011002"


def test_business_name_may_have_digits_but_a_person_name_may_not() -> None:
    data = {"usaha.nama_usaha": "Toko 88", "usaha.jenis": "kelontong", "usaha.alamat": "Jl. Riau 3"}
    data["surat.keperluan"] = "pengajuan KUR"
    assert _service_check("SK-USAHA", data) == []
    assert (
        "tidak boleh berisi angka"
        in _blocking(_service_check("AKTA-MATI", {"jenazah.nama": "Ali 2"}))["jenazah.nama"]
    )


def test_service_phone_and_long_text() -> None:
    data = {
        "antar.alamat": "Jl. Riau\nNo. 1",
        "antar.penerima_nama": "Siti",
        "antar.telepon": "0812 3456 7890",
    }
    assert _service_check("ANTAR-DOKUMEN", data) == []
    cleaned = clean_service_data(CATALOGUE.service("ANTAR-DOKUMEN"), data)
    assert cleaned["antar.telepon"] == "+6281234567890"
    assert cleaned["antar.alamat"] == "Jl. Riau\nNo. 1"
    problems = _blocking(_service_check("ANTAR-DOKUMEN", {**data, "antar.telepon": "12"}))
    assert problems["antar.telepon"].startswith("Pengantaran: Telepon penerima: ")


def test_a_service_without_fields() -> None:
    assert _service_check("KTPEL-RUSAK", {}) == []


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BIRTH)), st.text(max_size=40)))
def test_clean_service_data_is_idempotent(data: dict[str, str]) -> None:
    service = CATALOGUE.service("AKTA-LAHIR")
    once = clean_service_data(service, data)
    assert clean_service_data(service, once) == once
    check_service_data(service, data, today=TODAY, wilayah=WILAYAH)  # never raises


# -- speed ---------------------------------------------------------------------------------------


def test_nik_check_per_keystroke_is_fast() -> None:
    """A sanity bound far above the 5 ms budget (bench/form_rules.py measures it): this catches
    an accidental full region-list load per keystroke, not a slow machine."""
    check_applicant({"nik": NIK_SITI}, today=TODAY, wilayah=WILAYAH)  # warm the region index
    started = time.perf_counter()
    for n in range(1, 17):
        check_applicant({"nik": NIK_SITI[:n]}, today=TODAY, wilayah=WILAYAH)
    assert (time.perf_counter() - started) / 16 < 0.05
