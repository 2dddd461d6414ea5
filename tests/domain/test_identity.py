"""NIK and KK checks against the real region files shipped in resources/wilayah."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.identity import (
    KkResult,
    NikResult,
    check_kk,
    check_nik,
    cross_check_nik,
    encode_kk,
    encode_nik,
    mask_nik,
    mask_niks_in_text,
    normalise_number,
)
from desktop.domain.wilayah import get_wilayah

TODAY = date(2026, 11, 24)
WILAYAH = get_wilayah()
DISTRICTS = [r.code for r in WILAYAH.regions("kecamatan")]  # current and historical
HISTORICAL_ONLY = "91.01.01"  # Merauke under the old Kabupaten Merauke, Papua (until 2022)


def _problem_codes(result: NikResult | KkResult) -> list[str]:
    return [p.code for p in result.problems]


# -- round trips ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    district=st.sampled_from(DISTRICTS),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),  # within 130 years
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_nik_round_trip(district: str, birth: date, sex: str, serial: int) -> None:
    nik = encode_nik(district, birth, sex, serial)  # type: ignore[arg-type]
    result = check_nik(nik, today=TODAY)
    assert result.ok, result.problems
    info = result.info
    assert info is not None
    assert info.nik == nik
    assert info.sex == sex
    assert (info.birth_day, info.birth_month) == (birth.day, birth.month)
    assert birth.year in info.birth_year_candidates
    assert birth in info.birth_dates
    assert info.district.code == district
    assert info.regency.code == district[:5]
    assert info.province.code == district[:2]
    assert info.serial == serial


@settings(max_examples=200, deadline=None)
@given(
    district=st.sampled_from(DISTRICTS),
    birth=st.dates(min_value=date(1950, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(min_value=1, max_value=9999),
    cuts=st.sets(st.sampled_from([2, 4, 6, 8, 10, 12]), max_size=6),
    separator=st.sampled_from([" ", ".", "-", " - ", "\u00a0", "\u2013"]),
)
def test_nik_typed_with_separators_decodes_the_same(
    district: str, birth: date, sex: str, serial: int, cuts: set[int], separator: str
) -> None:
    nik = encode_nik(district, birth, sex, serial)  # type: ignore[arg-type]
    typed = "".join((separator if i in cuts else "") + digit for i, digit in enumerate(nik)).strip()
    assert normalise_number(typed) == nik
    assert check_nik(typed, today=TODAY) == check_nik(nik, today=TODAY)


@settings(max_examples=300, deadline=None)
@given(
    area=st.sampled_from(DISTRICTS),
    recorded=st.dates(min_value=date(1970, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_kk_round_trip(area: str, recorded: date, serial: int) -> None:
    kk = encode_kk(area, recorded, serial)
    result = check_kk(kk, today=TODAY)
    assert result.ok, result.problems
    info = result.info
    assert info is not None
    assert info.kk == kk
    assert (info.recorded_day, info.recorded_month) == (recorded.day, recorded.month)
    assert recorded.year in info.recorded_year_candidates
    assert recorded in info.recorded_dates
    assert info.district.code == area
    assert info.serial == serial


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.from_regex(r"[0-9 .\-Oo]{10,22}", fullmatch=True))
def test_checks_never_raise_and_spans_stay_inside_the_input(text: str) -> None:
    for result in (check_nik(text, today=TODAY), check_kk(text, today=TODAY)):
        assert result.ok == (result.info is not None)
        for problem in result.problems:
            assert 0 <= problem.start <= problem.end <= len(text)
            assert problem.message
        if result.ok:
            number = result.nik if isinstance(result, NikResult) else result.kk
            assert re.fullmatch(r"[0-9]{16}", number)


# -- invalid numbers: code and Indonesian message ------------------------------------------------

INVALID = [
    # (kind, typed, problem code, message fragment)
    ("nik", "3171O15208900001", "non_digit",
     "NIK mengandung karakter bukan angka: 'O' pada posisi 5"),
    ("nik", "317101520890000l", "non_digit", "karakter bukan angka: 'l' pada posisi 16"),
    ("nik", "ABCD015208900001", "non_digit", "karakter bukan angka: 'A' pada posisi 1"),
    ("nik", "3171_0152_0890_0001", "non_digit", "karakter bukan angka: '_' pada posisi 5"),
    ("nik", "3171/0152/0890/0001", "non_digit", "karakter bukan angka: '/' pada posisi 10"),
    ("nik", "3171,01,520890,0001", "non_digit", "karakter bukan angka: ',' pada posisi 5"),
    ("nik", "317101\u0665208900001", "non_digit", "angka selain 0-9"),
    ("nik", "317 10152 0890 0001", "separator",
     "pemisah spasi pada posisi 4 tidak berada di antara"),
    ("nik", "3171015208900 001", "separator", "pemisah spasi pada posisi 14"),
    ("nik", ".3171015208900001", "separator", "pemisah titik '.' pada posisi 1"),
    ("nik", "3171015208900001-", "separator", "pemisah tanda hubung '-' pada posisi 17"),
    ("nik", "317101520890001", "length", "panjang NIK harus 16 digit, bukan 15"),
    ("nik", "31710152089000011", "length", "panjang NIK harus 16 digit, bukan 17"),
    ("nik", "3171 0152 0890 001", "length", "panjang NIK harus 16 digit, bukan 15"),
    ("nik", "7" * 150, "length", "terlalu panjang (150 karakter)"),
    ("nik", "", "empty", "NIK kosong"),
    ("nik", "   ", "empty", "NIK kosong"),
    ("nik", " - . - ", "empty", "NIK tidak berisi angka"),
    ("nik", "3171010008900001", "birth_day", "tanggal lahir pada NIK tidak valid: 00"),
    ("nik", "3171013208900001", "birth_day", "tanggal lahir pada NIK tidak valid: 32"),
    ("nik", "3171014008900001", "birth_day", "tanggal lahir pada NIK tidak valid: 40"),
    ("nik", "3171017208900001", "birth_day", "tanggal lahir pada NIK tidak valid: 72"),
    ("nik", "3171011200900001", "birth_month", "bulan lahir pada NIK tidak valid: 00"),
    ("nik", "3171011213900001", "birth_month", "bulan lahir pada NIK tidak valid: 13"),
    ("nik", "3171013102900001", "birth_date", "tanggal lahir pada NIK tidak valid: 31-02"),
    ("nik", "3171017102900001", "birth_date", "tanggal lahir pada NIK tidak valid: 31-02"),
    ("nik", "3171013104900001", "birth_date", "tanggal lahir pada NIK tidak valid: 31-04"),
    ("nik", "3171012902010001", "birth_date", "29-02-01; 1901 dan 2001 bukan tahun kabisat"),
    ("nik", "3171016902970001", "birth_date", "29-02-97 (69 - 40, perempuan); 1997 dan 2097"),
    ("nik", "3171015208900000", "serial", "nomor urut pada NIK tidak boleh 0000"),
    ("nik", "9971015208900001", "province", "kode provinsi 99 tidak dikenal"),
    ("nik", "0071015208900001", "province", "kode provinsi 00 tidak dikenal"),
    ("nik", "3199015208900001", "regency", "kode kabupaten/kota 31.99 tidak dikenal"),
    ("nik", "3171995208900001", "district", "kode kecamatan 31.71.99 tidak dikenal"),
    ("kk", "3171013001300001", "recorded_date", "pada nomor KK di masa depan: 30-01-2030"),
    ("kk", "3171012511260001", "recorded_date", "pada nomor KK di masa depan: 25-11-2026"),
    ("kk", "3171013104200001", "recorded_date",
     "tanggal pencatatan pada nomor KK tidak valid: 31-04"),
    ("kk", "3171012902190001", "recorded_date", "29-02-19; 1919 dan 2019 bukan tahun kabisat"),
    ("kk", "3171014101200001", "recorded_day",
     "pencatatan pada nomor KK tidak valid: 41 (harus 01-31)"),
    ("kk", "3171010113200001", "recorded_month", "bulan pencatatan pada nomor KK tidak valid: 13"),
    ("kk", "3171010101200000", "serial", "nomor urut pada nomor KK tidak boleh 0000"),
    ("kk", "317101010120001", "length", "panjang nomor KK harus 16 digit, bukan 15"),
    ("kk", "3199010101200001", "regency", "kode kabupaten/kota 31.99 tidak dikenal"),
    ("kk", "3171O10101200001", "non_digit",
     "nomor KK mengandung karakter bukan angka: 'O' pada posisi 5"),
    ("kk", "", "empty", "nomor KK kosong"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "typed", "code", "fragment"), INVALID)
def test_invalid_numbers_name_the_part(kind: str, typed: str, code: str, fragment: str) -> None:
    result = check_nik(typed, today=TODAY) if kind == "nik" else check_kk(typed, today=TODAY)
    assert not result.ok
    assert result.info is None
    matching = [p for p in result.problems if p.code == code]
    assert matching, f"no {code!r} problem in {result.problems}"
    assert any(fragment in p.message for p in matching), [p.message for p in matching]


def test_invalid_table_is_large_enough() -> None:
    assert len(INVALID) >= 30


def test_all_problems_are_reported_with_positions() -> None:
    result = check_nik("9999 9900 1390 0000", today=TODAY)
    assert _problem_codes(result) == ["province", "birth_day", "birth_month", "serial"]
    spans = {p.code: (p.start, p.end) for p in result.problems}
    assert spans == {
        "province": (0, 2),
        "birth_day": (7, 9),
        "birth_month": (10, 12),
        "serial": (15, 19),
    }


def test_letter_substitution_still_checks_the_other_parts() -> None:
    result = check_nik("3171O1520890OOOO", today=TODAY)
    assert set(_problem_codes(result)) == {"non_digit"}
    result = check_nik("3171O13108900000", today=TODAY)  # kabkota unreadable; 31-08-90 ok
    assert _problem_codes(result) == ["non_digit", "serial"]
    result = check_nik("3171/0152/0890/0000", today=TODAY)  # 16 digits plus punctuation
    assert _problem_codes(result) == ["non_digit", "non_digit", "non_digit", "serial"]
    assert (result.problems[-1].start, result.problems[-1].end) == (15, 19)


def test_error_positions_point_into_the_text_as_typed() -> None:
    typed = "3171.99.520890.0001"
    (problem,) = check_nik(typed, today=TODAY).problems
    assert problem.code == "district"
    assert typed[problem.start : problem.end] == "99"
    typed = "3171 0152 08x0 0001"
    (problem,) = check_nik(typed, today=TODAY).problems
    assert typed[problem.start : problem.end] == "x"


# -- decoding ------------------------------------------------------------------------------------


def test_decodes_a_woman_from_jakarta() -> None:
    result = check_nik("3171 0152 0890 0001", today=TODAY)
    info = result.info
    assert info is not None
    assert result.nik == "3171015208900001"
    assert info.sex == "P"
    assert info.birth_dates == (date(1990, 8, 12),)
    assert info.birth_date == date(1990, 8, 12)
    assert info.province.name == "Daerah Khusus Ibukota Jakarta"
    assert info.regency.code == "31.71"
    assert info.district.name == "Gambir"
    assert info.serial == 1


@pytest.mark.parametrize(
    ("nik", "today", "years"),
    [
        ("3171011208050001", date(2026, 1, 1), (1905, 2005)),  # both centuries possible
        ("3171011208900001", date(2026, 1, 1), (1990,)),  # 2090 is in the future
        ("3171012411260001", TODAY, (1926, 2026)),  # born today
        ("3171012511260001", TODAY, (1926,)),  # 2026-11-25 is tomorrow
        ("3171012902000001", TODAY, (2000,)),  # 1900 was not a leap year
        ("3171010101000001", date(2031, 1, 2), (2000,)),  # 1900 is over 130 years ago
    ],
)
def test_century_candidates(nik: str, today: date, years: tuple[int, ...]) -> None:
    info = check_nik(nik, today=today).info
    assert info is not None
    assert info.birth_year_candidates == years
    assert [d.year for d in info.birth_dates] == list(years)
    assert info.birth_date is (info.birth_dates[0] if len(years) == 1 else None)


def test_candidates_older_than_130_years_are_dropped() -> None:
    info = check_nik("3171011506010001", today=date(2032, 6, 1)).info
    assert info is not None
    assert info.birth_year_candidates == (2001,)  # 1901 is more than 130 years back
    result = check_nik("3171011506700001", today=date(2201, 1, 1))  # no century left
    assert _problem_codes(result) == ["birth_date"]
    assert "tidak mungkin: 15-06-70 (1970 dan 2070: lebih dari 130 tahun lalu)" in (
        result.problems[0].message
    )


def test_historical_only_kecamatan_is_accepted() -> None:
    current = {line.split(",", 1)[0] for line in _current_list_lines()}
    assert HISTORICAL_ONLY not in current  # really gone from today's list
    assert WILAYAH.is_historical_kecamatan(HISTORICAL_ONLY)
    nik = encode_nik(HISTORICAL_ONLY, date(2005, 8, 12), "L", 7)
    assert nik == "9101011208050007"
    info = check_nik(nik, today=TODAY).info
    assert info is not None
    assert info.district.name == "Merauke"
    assert info.district.current is False
    assert info.district.years_seen == (2016, 2018, 2020, 2022)
    assert info.regency.current is False
    assert info.province.name == "Papua"


def _current_list_lines() -> list[str]:
    path = WILAYAH.directory / "wilayah.csv"
    return path.read_text(encoding="utf-8").splitlines()[1:]


def test_fullwidth_digits_are_read_as_digits() -> None:
    result = check_nik("\uff13\uff11\uff17\uff11\uff10\uff11\uff15\uff12\uff10\uff18"
                       "\uff19\uff10\uff10\uff10\uff10\uff11", today=TODAY)  # fmt: skip
    assert result.ok
    assert result.nik == "3171015208900001"


def test_invisible_characters_and_outer_whitespace_are_ignored() -> None:
    assert check_nik("\ufeff 3171\u200b015208900001 \n", today=TODAY).ok


def test_nik_check_does_not_load_the_full_list() -> None:
    from desktop.domain.wilayah import Wilayah

    fresh = Wilayah(WILAYAH.directory)
    assert check_nik("3171015208900001", today=TODAY, wilayah=fresh).ok
    assert fresh.historical_loaded
    assert not fresh.full_list_loaded


def test_results_are_immutable() -> None:
    result = check_nik("3171015208900001", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.nik = "x"  # type: ignore[misc]
    assert result.info is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.info.sex = "L"  # type: ignore[misc]


def test_kk_decodes() -> None:
    result = check_kk("3171-01-241126-0042", today=TODAY)
    assert result.ok
    info = result.info
    assert info is not None
    assert info.kk == "3171012411260042"
    assert info.recorded_dates == (date(2026, 11, 24),)
    assert info.district.name == "Gambir"
    assert info.serial == 42


def test_kk_date_has_no_plus_40() -> None:
    assert check_nik("3171015101200001", today=TODAY).ok  # a woman born 11-01-2020
    assert _problem_codes(check_kk("3171015101200001", today=TODAY)) == ["recorded_day"]


# -- encoding ------------------------------------------------------------------------------------


def test_encode_nik_and_kk() -> None:
    assert encode_nik("31.71.01", date(1990, 8, 12), "P", 1) == "3171015208900001"
    assert encode_nik("317101", date(2001, 1, 3), "L", 9999) == "3171010301019999"
    assert encode_kk("31.71.01", date(2026, 11, 24), 42) == "3171012411260042"


@pytest.mark.parametrize(
    ("code", "sex", "serial"),
    [("3171", "L", 1), ("31.71.0x", "L", 1), ("317101", "X", 1), ("317101", "L", 0),
     ("317101", "L", 10000)],
)  # fmt: skip
def test_encode_rejects_bad_parts(code: str, sex: str, serial: int) -> None:
    with pytest.raises(ValueError):
        encode_nik(code, date(1990, 1, 1), sex, serial)  # type: ignore[arg-type]


def test_encode_rejects_years_a_nik_cannot_hold() -> None:
    with pytest.raises(ValueError, match="1900-2099"):
        encode_nik("317101", date(1899, 12, 31), "L", 1)
    with pytest.raises(ValueError, match="1900-2099"):
        encode_kk("317101", date(2100, 1, 1), 1)


# -- intake cross-check --------------------------------------------------------------------------


def test_cross_check_agrees() -> None:
    info = check_nik("3171015208900001", today=TODAY).info
    assert info is not None
    assert cross_check_nik(info, sex="P", birth_date=date(1990, 8, 12)) == ()
    assert cross_check_nik(info, sex=" perempuan ", birth_date=datetime(1990, 8, 12, 9)) == ()
    assert cross_check_nik(info, sex=None, birth_date=None) == ()


def test_cross_check_sex_mismatch() -> None:
    info = check_nik("3171015208900001", today=TODAY).info
    assert info is not None
    (problem,) = cross_check_nik(info, sex="L", birth_date=None)
    assert problem.code == "sex_mismatch"
    assert problem.message == "jenis kelamin pada NIK (P) tidak sama dengan data (L)"
    assert (problem.start, problem.end) == (6, 8)
    (problem,) = cross_check_nik(info, sex="X", birth_date=None)
    assert problem.code == "sex_value"
    assert "jenis kelamin pada data tidak dikenal: 'X'" in problem.message


def test_cross_check_birth_date_mismatch() -> None:
    info = check_nik("3171015208900001", today=TODAY).info
    assert info is not None
    (problem,) = cross_check_nik(info, sex="P", birth_date=date(1990, 8, 21))
    assert problem.code == "birth_date_mismatch"
    assert problem.message == (
        "tanggal lahir pada NIK (12-08-1990) tidak sama dengan data (21-08-1990)"
    )
    assert (problem.start, problem.end) == (6, 8)
    (problem,) = cross_check_nik(info, sex="P", birth_date=date(1991, 9, 12))
    assert (problem.start, problem.end) == (8, 12)


def test_cross_check_ambiguous_century() -> None:
    info = check_nik("3171011208050001", today=TODAY).info
    assert info is not None
    assert cross_check_nik(info, sex="L", birth_date=date(2005, 8, 12)) == ()
    assert cross_check_nik(info, sex="L", birth_date=date(1905, 8, 12)) == ()
    (problem,) = cross_check_nik(info, sex="L", birth_date=date(1805, 8, 12))
    assert "(12-08-1905 atau 12-08-2005)" in problem.message
    assert (problem.start, problem.end) == (10, 12)


def test_sex_mismatch_and_date_mismatch_together() -> None:
    info = check_nik("3171011208050001", today=TODAY).info
    assert info is not None
    problems = cross_check_nik(info, sex="perempuan", birth_date=date(2005, 8, 13))
    assert [p.code for p in problems] == ["sex_mismatch", "birth_date_mismatch"]


# -- masking -------------------------------------------------------------------------------------


def test_mask_nik() -> None:
    assert mask_nik("3171015208900001") == "317101******0001"
    assert mask_nik("3171 0152 0890 0001") == "317101******0001"
    assert mask_nik("") == ""
    assert mask_nik("12345") == "12345"
    assert mask_nik("bukan NIK") == "bukan NIK"
    assert mask_nik(None) == "None"  # type: ignore[arg-type]
    assert mask_nik(3171015208900001) == "317101******0001"  # type: ignore[arg-type]


def test_mask_several_niks_in_text() -> None:
    text = (
        "pemohon 3171015208900001, suami 3171.01.120889.0002; KK 3171-0124-1126-0042 "
        "telp 081234567890 tgl 2026-11-24 no 12345"
    )
    assert mask_niks_in_text(text) == (
        "pemohon 317101******0001, suami 317101******0002; KK 317101******0042 "
        "telp 081234567890 tgl 2026-11-24 no 12345"
    )


def test_mask_typos_and_short_strings() -> None:
    assert mask_niks_in_text("NIK 317101520890001 salah") == "NIK 317101*****0001 salah"
    assert mask_niks_in_text("31710152089000011") == "317101*******0011"
    for short in ("", "0812 3456 7890", "INV/2026/0001", "1234567890123"):
        assert mask_niks_in_text(short) == short


@settings(max_examples=300, deadline=None)
@given(st.text() | st.from_regex(r"([0-9]{1,5}[ .\-]{0,3}){1,12}", fullmatch=True))
def test_masked_text_never_keeps_a_nik_like_run(text: str) -> None:
    masked = mask_niks_in_text(text)
    assert not re.search(r"\d{15}", masked)
    assert not re.search(r"(?:\d[ .\-\u00a0]?){16}", masked)
