"""desktop.services.rendering with real files: PDFs from reportlab, scans from Pillow, and the
broken inputs counters actually receive (truncated uploads, renamed archives, mislabelled
images, decompression bombs)."""

from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from desktop.services import rendering
from desktop.services.rendering import DocumentKind, RenderError, probe, render_pages, sniff
from tests.gui.workbench import factories


def _near(size: tuple[int, int], expected: tuple[int, int]) -> bool:
    """PDFium rounds page sizes up (595.28 pt -> 596 px)."""
    return all(abs(a - b) <= 1 for a, b in zip(size, expected, strict=True))


def test_sniff_by_magic_bytes() -> None:
    assert sniff(factories.multipage_pdf(1)) is DocumentKind.PDF
    assert sniff(factories.ktp_image("JPEG")) is DocumentKind.JPEG
    assert sniff(factories.png_image()) is DocumentKind.PNG
    assert sniff(factories.tiff_pages(1)) is DocumentKind.TIFF
    assert sniff(factories.zip_named_pdf()) is None
    assert sniff(b"hello") is None


def test_multipage_pdf_with_landscape_page() -> None:
    data = factories.multipage_pdf(3, landscape_page=1)
    found = probe(data, "application/pdf")
    assert found.kind is DocumentKind.PDF and found.page_count == 3 and not found.mislabelled
    pages = render_pages(data, "application/pdf", scale=1.0)
    assert [p.mode for p in pages] == ["RGB"] * 3
    assert _near(pages[0].size, (595, 842))  # A4 portrait at 72 dpi
    assert _near(pages[1].size, (842, 595))  # the landscape page stays landscape
    assert _near(render_pages(data, scale=2.0, pages=[2])[0].size, (1191, 1684))


def test_pdf_pages_actually_rendered() -> None:
    page = render_pages(factories.multipage_pdf(1), scale=0.5)[0]
    colours = page.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 1  # text drawn, not a blank bitmap


def test_max_side_caps_thumbnails() -> None:
    thumbs = render_pages(factories.multipage_pdf(3), max_side=100)
    assert all(max(t.size) <= 100 for t in thumbs)
    assert thumbs[1].width > thumbs[1].height
    jpeg = render_pages(factories.ktp_image("JPEG"), max_side=120)[0]
    assert max(jpeg.size) <= 120


def test_images_and_multipage_tiff() -> None:
    assert render_pages(factories.ktp_image("JPEG"))[0].size == (1011, 638)
    assert render_pages(factories.ktp_image("PNG"), "image/png")[0].size == (1011, 638)
    tiff = factories.tiff_pages(3)
    assert probe(tiff, "image/tiff").page_count == 3
    frames = render_pages(tiff, scale=0.5)
    assert [f.size for f in frames] == [(150, 210)] * 3
    assert frames[1].getpixel((10, 10)) == (0, 128, 0)


def test_png_labelled_as_pdf_is_shown_as_png() -> None:
    data = factories.png_image(200, 100)
    found = probe(data, "application/pdf")
    assert found.kind is DocumentKind.PNG and found.mislabelled
    assert found.note is not None and "PNG" in found.note and "PDF" in found.note
    assert render_pages(data, "application/pdf")[0].size == (200, 100)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_refused(fraction: float) -> None:
    data = factories.kk_pdf()
    with pytest.raises(RenderError) as err:
        render_pages(data[: int(len(data) * fraction)])
    assert err.value.code == "corrupt"
    assert "PDF rusak" in str(err.value)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_refused(fmt: str) -> None:
    data = factories.ktp_image(fmt)
    with pytest.raises(RenderError) as err:
        render_pages(data[: len(data) // 2])
    assert err.value.code == "corrupt"
    assert "rusak" in str(err.value)


def test_zip_renamed_pdf_is_refused_with_a_reason() -> None:
    with pytest.raises(RenderError) as err:
        render_pages(factories.zip_named_pdf(), "application/pdf")
    assert err.value.code == "unsupported"
    assert "ZIP" in str(err.value)


def test_unknown_and_empty_files() -> None:
    with pytest.raises(RenderError, match="tidak dikenali"):
        render_pages(b"just some text, not a document", "application/pdf")
    with pytest.raises(RenderError, match="kosong"):
        render_pages(b"", "application/pdf")


def test_too_many_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "MAX_BYTES", 1000)
    with pytest.raises(RenderError) as err:
        render_pages(factories.kk_pdf())
    assert err.value.code == "too_large"


def test_decompression_bomb_refused() -> None:
    bomb = factories.bomb_png(30_000, 30_000)  # 900 Mpx > 2x the limit: Pillow raises
    assert len(bomb) < 200_000
    with pytest.raises(RenderError) as err:
        render_pages(bomb, "image/png")
    assert err.value.code == "too_large"
    assert "batas aman" in str(err.value)


def test_bomb_between_warning_and_error_limit_is_refused_without_warnings() -> None:
    bomb = factories.bomb_png(10_000, 10_000)  # 100 Mpx: only a warning in Pillow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RenderError) as err:
            probe(bomb)
    assert err.value.code == "too_large"


def test_pdf_page_limit() -> None:
    with pytest.raises(RenderError) as err:
        render_pages(factories.multipage_pdf(3), max_pages=2)
    assert err.value.code == "too_many_pages"
    assert "3 halaman" in str(err.value)
    with pytest.raises(RenderError):
        probe(factories.tiff_pages(3), max_pages=2)


def test_no_such_page() -> None:
    with pytest.raises(RenderError) as err:
        render_pages(factories.multipage_pdf(2), pages=[5])
    assert err.value.code == "no_such_page"


def test_password_protected_pdf() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="rahasia")
    c.drawString(100, 700, "Rahasia")
    c.showPage()
    c.save()
    with pytest.raises(RenderError) as err:
        render_pages(buf.getvalue())
    assert err.value.code == "encrypted"
    assert "kata sandi" in str(err.value)


def test_transparent_png_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(out, "PNG")
    assert render_pages(out.getvalue())[0].getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_greyscale_scan() -> None:
    out = io.BytesIO()
    img = Image.new("I;16", (30, 20), 0)
    img.paste(60000, (0, 0, 15, 20))
    img.save(out, "PNG")
    page = render_pages(out.getvalue())[0]
    assert page.mode == "RGB"
    assert page.getpixel((2, 2)) == (255, 255, 255)
    assert page.getpixel((25, 2)) == (0, 0, 0)


def test_exif_orientation_applied() -> None:
    img = Image.new("RGB", (300, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    assert render_pages(out.getvalue())[0].size == (100, 300)


def test_render_from_many_threads() -> None:
    """PDFium is not thread-safe; the module lock must make concurrent use safe."""
    data = factories.multipage_pdf(3)
    sizes: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for page in render_pages(data, scale=0.5):
                sizes.append(page.size)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(sizes) == 18


def test_a_signature_stamp_is_drawn(tmp_path: Path) -> None:
    """A PAdES signature's visible stamp is the signature field's widget: PDFium draws it only
    with the form environment. Seen in a real window: the signed letter's preview (and so its
    print) had an empty signature box where poppler showed the QR and the statement."""
    from desktop.services.signing import Pkcs12Signer, Rect, SignRequest, StampPlacement
    from tests.signing_ca import make_pki

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(595, 842))
    c.drawString(72, 770, "Surat keterangan")
    c.showPage()
    c.save()
    p12 = tmp_path / "lurah.p12"
    p12.write_bytes(make_pki().valid.p12("rahasia"))
    box = Rect(300, 100, 520, 190)
    signed = Pkcs12Signer(p12).sign(
        out.getvalue(),
        SignRequest(
            verification_url="https://loket.example/verify/ABCD",
            stamp=StampPlacement(0, box),
            signer_name="Lurah",
            passphrase="rahasia",
        ),
    )
    (page,) = render_pages(signed, scale=1.0)
    stamp = page.crop((int(box.x0), int(842 - box.y1), int(box.x1), int(842 - box.y0)))
    dark = stamp.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255]
    assert dark > 500, dark  # the QR alone is thousands of dark pixels
    (unsigned,) = render_pages(out.getvalue(), scale=1.0)
    blank = unsigned.crop((int(box.x0), int(842 - box.y1), int(box.x1), int(842 - box.y0)))
    assert blank.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255] == 0
