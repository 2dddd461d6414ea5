"""nik_reader on synthetic degraded cards (tests/synthetic_cards.py) with the real RapidOCR
engine: the printed number is read exactly, a card whose number differs from the typed one is
"berbeda", the number-picking rules hold on OCR-like text, and the engine never downloads.
A handful of cards only (each costs about half a second); bench/ocr.py runs 30+."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import rapidocr
from PIL import Image

from desktop.domain.scan_match import compare
from desktop.services.scanning.nik_reader import CardReading, numbers_from_lines, read_card
from tests.synthetic_cards import card, make_kk, make_nik

SEEDS = (0, 1, 2, 4, 9)  # three KTPs (tilts -0.9, -4.0, -1.1 degrees), two KKs


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket connection fails: the models must come from the installed package."""

    def refuse(*_: object, **__: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_the_models_are_inside_the_installed_package() -> None:
    models = Path(rapidocr.__file__).parent / "models"
    names = {p.name for p in models.glob("*.onnx")}
    assert any("det" in n for n in names) and any("rec" in n for n in names), names


@pytest.mark.parametrize("seed", SEEDS)
def test_the_printed_number_is_read_exactly(seed: int, no_network: None) -> None:
    sample = card(seed)
    reading = read_card(sample.image)
    if sample.kind == "ktp":
        assert reading.nik == sample.number, sample.degradation
    else:
        assert reading.kk == sample.number, sample.degradation
        assert reading.nik is None  # members' NIKs on a KK are not "the" NIK
    kind = "nik" if sample.kind == "ktp" else "kk"
    assert compare(sample.number, reading.nik or reading.kk, kind=kind).status == "cocok"


def test_a_card_whose_number_differs_from_the_typed_one_is_berbeda(no_network: None) -> None:
    sample = card(0)
    typed = make_nik(random.Random(99))
    assert typed != sample.number
    reading = read_card(sample.image)
    result = compare(typed, reading.nik)
    assert result.status == "berbeda"
    assert result.read == sample.number


def test_an_upside_down_card_is_read(no_network: None) -> None:
    sample = card(2)
    reading = read_card(sample.image.transpose(Image.Transpose.ROTATE_180))
    assert reading.nik == sample.number


def test_a_blank_page_reads_nothing_and_is_tidak_terbaca(no_network: None) -> None:
    reading = read_card(Image.new("L", (1011, 638), 255))
    assert (reading.nik, reading.kk, reading.candidates) == (None, None, ())
    assert compare(make_nik(random.Random(1)), reading.nik).status == "tidak_terbaca"


def test_two_threads_read_at_once(no_network: None) -> None:
    samples = [card(0), card(2)]
    results: dict[int, CardReading] = {}

    def work(i: int) -> None:
        results[i] = read_card(samples[i].image)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [results[i].nik for i in range(2)] == [s.number for s in samples]


def test_the_reading_never_shows_a_full_number_in_its_repr() -> None:
    nik = make_nik(random.Random(3))
    reading = CardReading(nik, None, (nik,), 0.5)
    assert nik not in repr(reading) and nik[:6] in repr(reading)


# -- number picking on OCR-like text (no engine) ---------------------------------------------


def test_labels_pick_the_nik_and_the_kk_number() -> None:
    rng = random.Random(7)
    nik, member, kk = make_nik(rng), make_nik(rng), make_kk(rng)
    ktp = numbers_from_lines(["PROVINSI RIAU", f"NIK : {nik}", "Nama : SITI"])
    assert (ktp.nik, ktp.kk) == (nik, None)
    family = numbers_from_lines(["KARTU KELUARGA", f"No. {kk}", f"1 BUDI {member} LAKI-LAKI"])
    assert (family.nik, family.kk) == (None, kk)
    assert family.candidates == (kk, member)


def test_look_alike_letters_count_only_between_digits() -> None:
    rng = random.Random(8)
    nik = make_nik(rng)
    spoilt = nik[:3] + {"0": "O", "1": "l", "8": "B", "5": "S"}.get(nik[3], nik[3]) + nik[4:]
    spaced = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    assert numbers_from_lines([f"NIK: {spoilt}"]).nik == nik
    assert numbers_from_lines([f"N1K : {spaced}"]).nik == nik
    kk = make_kk(rng)
    assert numbers_from_lines([f"No.{kk}"]).kk == kk  # the "o" of "No." stays a letter


def test_near_misses_in_the_text_are_not_taken() -> None:
    nik = make_nik(random.Random(9))
    for text in (nik[:-1], nik + "7", nik[:8] + "X" + nik[9:], nik[:6] + "9999" + nik[10:]):
        found = numbers_from_lines([f"NIK : {text}"])
        assert found.nik != nik or text == nik
        if found.nik is not None:  # only a number that passes the rules may come out
            assert len(found.nik) == 16
