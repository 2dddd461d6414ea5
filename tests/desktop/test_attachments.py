"""Hostile files at the counter (issue 11, "Bad input"): each refused with an Indonesian message
naming the file, or accepted with an honest note; made for real in tmp, checked with the real
Pillow and pikepdf."""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from desktop.services.attachments import (
    MB,
    REPAIRED_NOTE,
    AttachmentError,
    Limits,
    check_file,
    safe_name,
)


def jpeg(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    image = Image.effect_noise(size, 60).convert("RGB")
    image.save(path, "JPEG", quality=90)
    return path


def png(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    Image.effect_noise(size, 60).convert("RGB").save(path, "PNG")
    return path


def pdf(path: Path, pages: int = 2, **save: object) -> Path:
    doc = pikepdf.new()
    for _ in range(pages):
        doc.add_blank_page()
    doc.save(path, **save)  # type: ignore[arg-type]
    return path


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that says it is `width` x `height` in a few dozen bytes (a decompression bomb's
    header: the pixels would come from a tiny, highly compressible IDAT)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def refused(path: Path, *, limits: Limits | None = None, name: str | None = None) -> str:
    with pytest.raises(AttachmentError) as caught:
        if limits is None:
            check_file(path, name=name)
        else:
            check_file(path, name=name, limits=limits)
    return caught.value.message


# -- accepted -----------------------------------------------------------------------------


def test_good_files_are_described(tmp_path: Path) -> None:
    checked = check_file(jpeg(tmp_path / "ktp.jpg"))
    assert (checked.media_type, checked.width, checked.height) == ("image/jpeg", 640, 480)
    assert checked.size == (tmp_path / "ktp.jpg").stat().st_size and checked.note == ""
    assert check_file(png(tmp_path / "kk.png")).media_type == "image/png"
    tiff = tmp_path / "scan.tif"
    frames = [Image.new("L", (50, 70), v) for v in (0, 128, 255)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    checked = check_file(tiff)
    assert (checked.media_type, checked.pages, checked.width) == ("image/tiff", 3, 50)
    checked = check_file(pdf(tmp_path / "akta.pdf", pages=3))
    assert (checked.media_type, checked.pages, checked.note) == ("application/pdf", 3, "")


def test_type_is_sniffed_not_taken_from_the_extension(tmp_path: Path) -> None:
    renamed = jpeg(tmp_path / "surat.pdf")  # a JPEG named .pdf is a JPEG
    assert check_file(renamed).media_type == "image/jpeg"
    word = tmp_path / "surat-pengantar.pdf"
    word.write_bytes(b"PK\x03\x04" + os.urandom(2000))  # a .docx (zip) named .pdf
    message = refused(word)
    assert "'surat-pengantar.pdf'" in message and "PDF, JPEG, PNG atau TIFF" in message


# -- refused ------------------------------------------------------------------------------


def test_zero_bytes(tmp_path: Path) -> None:
    empty = tmp_path / "kosong.jpg"
    empty.write_bytes(b"")
    assert refused(empty) == "Berkas 'kosong.jpg' kosong (0 byte)."


def test_a_200_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "besar.pdf"
    with big.open("wb") as f:  # sparse: 200 MB that take no disk
        f.write(b"%PDF-1.4\n")
        f.truncate(200 * MB)
    started = time.perf_counter()
    message = refused(big)
    assert time.perf_counter() - started < 0.5
    assert "'besar.pdf' terlalu besar (200,0 MB; batas 20,0 MB" in message
    # The limit is configurable: the same rule at 1 MB.
    small_limit = Limits(max_bytes=1 * MB)
    two_mb = tmp_path / "dua.pdf"
    two_mb.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * MB))
    assert "batas 1,0 MB" in refused(two_mb, limits=small_limit)


def test_truncated_jpeg(tmp_path: Path) -> None:
    whole = jpeg(tmp_path / "utuh.jpg", (1200, 900)).read_bytes()
    cut = tmp_path / "foto-ktp.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    message = refused(cut)
    assert message.startswith("Berkas gambar 'foto-ktp.jpg' rusak atau terpotong")


def test_truncated_png(tmp_path: Path) -> None:
    whole = png(tmp_path / "utuh.png", (800, 600)).read_bytes()
    cut = tmp_path / "kk.png"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    assert "'kk.png' rusak atau terpotong" in refused(cut)


@pytest.mark.parametrize("side", [20_000, 10_000, 9_000])
def test_decompression_bomb(tmp_path: Path, side: int) -> None:
    """20,000 px: Pillow's own error; 10,000 px (100 MP): Pillow's warning, an error in tests
    and in production alike; 9,000 px (81 MP): our own limit. One message for all three."""
    bomb = png_header_only(tmp_path / f"bom-{side}.png", side, side)
    assert bomb.stat().st_size < 200
    message = refused(bomb)
    assert message.startswith(f"Gambar 'bom-{side}.png' terlalu besar dalam piksel")


def test_pdf_with_a_broken_cross_reference_table_is_kept_with_a_note(tmp_path: Path) -> None:
    good = pdf(tmp_path / "asli.pdf", pages=2).read_bytes()
    at = good.rfind(b"\nxref")
    shifted = re.sub(
        rb"(\d{10}) 00000 n",
        lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7),
        good[at:],
    )
    broken = tmp_path / "akta-rusak.pdf"
    broken.write_bytes(good[:at] + shifted)
    checked = check_file(broken)
    assert (checked.media_type, checked.pages) == ("application/pdf", 2)
    assert checked.note == REPAIRED_NOTE and "diperbaiki" in checked.note
    garbage = tmp_path / "rusak-total.pdf"
    garbage.write_bytes(b"%PDF-1.4\n" + b"x" * 5000)
    assert refused(garbage).startswith("Berkas PDF 'rusak-total.pdf' rusak")


def test_encrypted_pdf(tmp_path: Path) -> None:
    locked = pdf(
        tmp_path / "terkunci.pdf",
        encryption=pikepdf.Encryption(user="rahasia", owner="pemilik"),
    )
    assert "'terkunci.pdf' terkunci kata sandi" in refused(locked)
    # Locked only against editing (empty user password): opens for everyone, accepted.
    owner_only = pdf(
        tmp_path / "hanya-pemilik.pdf",
        encryption=pikepdf.Encryption(user="", owner="pemilik"),
    )
    assert check_file(owner_only).pages == 2


def test_folder_fifo_and_missing(tmp_path: Path) -> None:
    folder = tmp_path / "map-berkas"
    folder.mkdir()
    assert "'map-berkas' adalah folder" in refused(folder)
    fifo = tmp_path / "pipa"
    os.mkfifo(fifo)
    assert "'pipa' bukan berkas biasa" in refused(fifo)
    assert refused(tmp_path / "hilang.pdf") == "Berkas 'hilang.pdf' tidak ditemukan."


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    secret = pdf(tmp_path / "tertutup.pdf")
    secret.chmod(0)
    assert "'tertutup.pdf' tidak dapat dibaca" in refused(secret)


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("foto\u202egpj.exe", "fotogpj.exe"),  # U+202E would show it as "fotoexe.jpg"
        ("\u2066ktp\u2069.jpg", "ktp.jpg"),
        ("surat\x00\x1b[31m.pdf", "surat[31m.pdf"),
        ("..", "berkas"),
        ("", "berkas"),
        ("  .tersembunyi.pdf ", "tersembunyi.pdf"),
        ("Akta Kelahiran Anak\u00a0Pertama.pdf", "Akta Kelahiran Anak Pertama.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("تصريح.pdf", "تصريح.pdf"),
    ],
)
def test_safe_name(given: str, shown: str) -> None:
    assert safe_name(given) == shown


def test_a_bidi_name_is_shown_safely_in_the_message(tmp_path: Path) -> None:
    disguised = tmp_path / "kk\u202egpj.exe"
    disguised.write_bytes(b"MZ" + os.urandom(100))  # a Windows program
    message = refused(disguised)
    assert "'kkgpj.exe'" in message and "\u202e" not in message


def test_decoding_leaves_no_warning_filter_behind(tmp_path: Path) -> None:
    """check_file turns Pillow's bomb warning into an error only for itself."""
    import warnings

    before = list(warnings.filters)
    refused(png_header_only(tmp_path / "bom.png", 10_000, 10_000))
    assert warnings.filters == before


# -- pages and paths ----------------------------------------------------------------------


def test_too_many_pages_are_refused_before_they_are_walked(tmp_path: Path) -> None:
    """A PDF or TIFF over the page limit (a 12 MB PDF held 100,000 pages, a 2 MB TIFF 16,000
    frames that took 5 s to count) is refused; at the limit it is accepted."""
    assert check_file(pdf(tmp_path / "pas.pdf", pages=500)).pages == 500
    assert "lebih dari 500 halaman" in refused(pdf(tmp_path / "tebal.pdf", pages=501))
    frames = [Image.new("L", (8, 8), shade) for shade in (0, 80, 160)]
    tiff = tmp_path / "pindaian.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    assert check_file(tiff).pages == 3
    assert "lebih dari 2 halaman" in refused(tiff, limits=Limits(max_pages=2))


def test_every_tiff_frame_is_held_to_the_pixel_limit(tmp_path: Path) -> None:
    """Only the first frame's size was checked: a small cover page let a huge second one in."""
    tiff = tmp_path / "sampul-kecil.tif"
    small, large = Image.new("L", (50, 50)), Image.new("L", (400, 400))
    small.save(tiff, save_all=True, append_images=[large], compression="tiff_deflate")
    message = refused(tiff, limits=Limits(max_pixels=50_000))
    assert message.startswith("Gambar 'sampul-kecil.tif' terlalu besar dalam piksel")


def test_a_page_tree_loop_is_refused(tmp_path: Path) -> None:
    doc = pikepdf.new()
    doc.add_blank_page()
    kid = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Pages, Count=1))
    kid.Kids = pikepdf.Array([kid])
    kid.Parent = doc.Root.Pages
    doc.Root.Pages.Kids = pikepdf.Array([kid])
    looped = tmp_path / "berputar.pdf"
    doc.save(looped)
    assert refused(looped).startswith("Berkas PDF 'berputar.pdf' rusak")


def test_a_nul_in_the_path_is_a_missing_file_not_a_crash(tmp_path: Path) -> None:
    """os.stat raises ValueError for an embedded NUL (a dropped URL with %00): it escaped
    check_file as a ValueError instead of an AttachmentError."""
    assert "tidak ditemukan" in refused(tmp_path / "ktp\x00.pdf")
