"""scan_match.compare: a read shows "cocok" only when it is a valid 16-digit number equal to the
typed one. Near-miss reads (one digit off, a digit short or extra, two digits swapped) are
generated from valid NIKs and KK numbers and must never come out "cocok"."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.identity import check_kk, check_nik, encode_kk, encode_nik, mask_nik
from desktop.domain.scan_match import compare
from desktop.domain.wilayah import get_wilayah

_CODES = sorted(r.digits for r in get_wilayah().regions("kecamatan", current_only=True))


@st.composite
def niks(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(_CODES))
    birth = draw(st.dates(date(1940, 1, 1), date(2010, 12, 31)))
    return encode_nik(code, birth, draw(st.sampled_from(("L", "P"))), draw(st.integers(1, 9999)))


@st.composite
def kks(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(_CODES))
    return encode_kk(
        code, draw(st.dates(date(1990, 1, 1), date(2023, 12, 31))), draw(st.integers(1, 9999))
    )


@st.composite
def near_misses(draw: st.DrawFn, numbers: st.SearchStrategy[str]) -> tuple[str, str]:
    """(the true number, a read that is not it): one digit changed, one dropped, one added,
    two neighbours swapped."""
    number = draw(numbers)
    i = draw(st.integers(0, 15))
    kind = draw(st.sampled_from(("change", "drop", "add", "swap")))
    if kind == "change":
        digit = draw(st.sampled_from([d for d in "0123456789" if d != number[i]]))
        read = number[:i] + digit + number[i + 1 :]
    elif kind == "drop":
        read = number[:i] + number[i + 1 :]
    elif kind == "add":
        read = number[:i] + draw(st.sampled_from("0123456789")) + number[i:]
    else:
        j = min(i, 14)
        read = number[:j] + number[j + 1] + number[j] + number[j + 2 :]
    return number, read


@settings(max_examples=400, deadline=None)
@given(near_misses(niks()))
def test_a_near_miss_read_of_the_typed_nik_is_never_cocok(case: tuple[str, str]) -> None:
    typed, read = case
    result = compare(typed, read)
    if read == typed:  # swapping two equal digits changes nothing: not a miss
        assert result.status == "cocok"
        return
    assert result.status != "cocok"
    if len(read) == 16 and check_nik(read).ok:
        assert result.status == "berbeda"
        assert result.differs_at and all(typed[k] != read[k] for k in result.differs_at)
    else:
        assert result.status == "tidak_terbaca"


@settings(max_examples=200, deadline=None)
@given(near_misses(kks()))
def test_a_near_miss_read_of_the_typed_kk_is_never_cocok(case: tuple[str, str]) -> None:
    typed, read = case
    result = compare(typed, read, kind="kk")
    assert (result.status == "cocok") == (read == typed)
    if read != typed and len(read) == 16 and check_kk(read).ok:
        assert result.status == "berbeda"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=24), st.one_of(st.none(), st.text(max_size=24)))
def test_cocok_only_for_a_valid_16_digit_read_equal_to_the_typed_digits(
    typed: str, read: str | None
) -> None:
    result = compare(typed, read)
    if result.status == "cocok":
        assert read is not None and read.strip().isascii() and read.strip().isdigit()
        assert len(read.strip()) == 16 and check_nik(read.strip()).ok
        assert "".join(c for c in typed if c.isdigit()) == read.strip()


@given(niks())
def test_the_same_number_typed_with_group_spaces_is_cocok(nik: str) -> None:
    typed = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    result = compare(typed, nik)
    assert result.status == "cocok"
    assert result.message.startswith("NIK pada KTP terpindai: ")
    assert result.message.endswith(", cocok")


def test_messages_show_the_read_number_on_screen_and_logs_mask_it() -> None:
    rng = random.Random(5)
    nik = encode_nik(rng.choice(_CODES), date(1990, 8, 12), "P", 17)
    other = nik[:-1] + ("2" if nik[-1] != "2" else "3")
    result = compare(other, nik)
    assert result.status == "berbeda"
    assert result.differs_at == (15,)
    grouped = " ".join(nik[i : i + 4] for i in range(0, 16, 4))
    assert grouped in result.message and "berbeda" in result.message
    assert nik not in repr(result) and grouped not in repr(result)
    assert mask_nik(nik) in result.log_text
    assert compare(nik, None).status == "tidak_terbaca"
    assert compare(nik, "").status == "tidak_terbaca"
    assert compare(nik, nik + "1").status == "tidak_terbaca"
    kk = encode_kk(rng.choice(_CODES), date(2015, 3, 2), 44)
    assert compare(kk, kk, kind="kk").message.startswith("Nomor KK pada KK terpindai: ")


def test_a_read_with_nothing_typed_has_no_verdict() -> None:
    """An application without a KK number typed: the card's number is shown, neither
    "berbeda" (nothing is wrong) nor "cocok"."""
    kk = encode_kk(random.Random(7).choice(_CODES), date(2015, 3, 2), 44)
    for typed in ("", "   ", "-"):
        result = compare(typed, kk, kind="kk")
        assert result.status == "belum_diketik", typed
        assert "berbeda" not in result.message and "cocok" not in result.message
        assert " ".join(kk[i : i + 4] for i in range(0, 16, 4)) in result.message


def test_a_card_of_another_person_in_the_form_is_cocok_naming_whose() -> None:
    """A birth registration's KTP-el is the mother's or the reporter's (catalogue: "KTP-el orang
    tua/pelapor"): it said "berbeda" against the child's NIK; now it names whose it is."""
    rng = random.Random(11)
    child, mother, father = (
        encode_nik(rng.choice(_CODES), date(y, 5, 4), s, n)
        for y, s, n in ((2024, "L", 9), (1995, "P", 12), (1993, "L", 40))
    )
    others = [("NIK ayah", father), ("NIK ibu", " ".join(mother[i : i + 4] for i in (0, 4, 8, 12)))]
    result = compare(child, mother, others=others)
    assert result.status == "cocok" and result.whose == "NIK ibu"
    assert result.message.endswith("cocok dengan NIK ibu")
    # the applicant's own number still wins, and empty others are ignored
    assert compare(mother, mother, others=others).whose is None
    assert compare("", father, others=[("NIK ibu", ""), ("NIK ayah", father)]).whose == "NIK ayah"


@settings(max_examples=200, deadline=None)
@given(near_misses(niks()), niks())
def test_a_near_miss_of_another_persons_number_is_never_cocok(
    case: tuple[str, str], applicant: str
) -> None:
    true, read = case
    if read in (applicant, true):  # a swap of two equal digits is no miss
        return
    result = compare(applicant, read, others=[("NIK ibu", true), ("NIK saksi 1", "")])
    assert result.status in ("berbeda", "tidak_terbaca"), result
    if result.status == "berbeda":
        assert "juga tidak sama dengan NIK ibu" in result.message
        assert "NIK saksi 1" not in result.message  # empty: nobody to compare with


def test_numbers_in_form_lists_the_filled_nik_fields_with_their_labels() -> None:
    from desktop.domain.catalogue import load_catalogue
    from desktop.domain.scan_match import numbers_in_form

    service = next(
        s
        for s in load_catalogue().services.values()
        if any(f.kind == "nik" for f in s.fields().values())
    )
    keys = [k for k, f in service.fields().items() if f.kind == "nik"]
    data = {keys[0]: "1471015501900003", **{k: "" for k in keys[1:]}}
    found = numbers_in_form(service, data, "nik")
    assert found == [(service.fields()[keys[0]].label, "1471015501900003")]
    assert numbers_in_form(None, data, "nik") == []
    assert numbers_in_form(service, data, "kk") == []
