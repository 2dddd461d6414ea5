"""A template an administrator got wrong is refused before any letter is made, with the line of
the file and the placeholder, in words the administrator can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.domain.letter_template import (
    EMPTY,
    TemplateError,
    fill,
    load_template,
    placeholders,
)
from desktop.services.documents.letter import TEMPLATES_DIR

GOOD = """versi_skema = 1
kode = "SK-DOMISILI"
judul = "SURAT KETERANGAN DOMISILI"
klasifikasi = "470"
hal = "Keterangan Domisili"
wajib = ["pemohon.name"]

[[isi]]
paragraf = "Yang bertanda tangan di bawah ini, {penandatangan.jabatan}, menerangkan bahwa:"

[[isi]]
data = [
  ["Nama", "{pemohon.name:besar}"],
  ["Lahir", "{pemohon.birth_date:tanggal}"],
]

[[isi]]
paragraf = "Untuk keperluan {surat.keperluan}."
"""


def refused(text: str) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        load_template(text, source="uji.toml")
    return caught.value.problems


def test_good_template_loads() -> None:
    template = load_template(GOOD, source="uji.toml")
    assert template.code == "SK-DOMISILI" and template.sifat == "Biasa"
    assert template.lampiran == "-"
    assert template.used_keys() == [
        "penandatangan.jabatan",
        "pemohon.name",
        "pemohon.birth_date",
        "surat.keperluan",
    ]


def test_every_shipped_template_loads() -> None:
    paths = sorted(TEMPLATES_DIR.glob("*.toml"))
    assert len(paths) == 10
    for path in paths:
        load_template(path.read_text(encoding="utf-8"), source=path.name)


def test_unknown_placeholder_names_line_and_placeholder() -> None:
    problems = refused(GOOD.replace("{pemohon.name:besar}", "{pemohon.nmae:besar}"))
    assert problems == [
        "uji.toml baris 13: placeholder {pemohon.nmae:besar} tidak dikenal "
        "(maksud Anda {pemohon.name}?)"
    ]


def test_field_of_another_service_is_unknown_here() -> None:
    # anak.nama exists in the catalogue, but for SK-KELAHIRAN, not for a domisili letter
    problems = refused(GOOD.replace("{surat.keperluan}", "{anak.nama}"))
    assert len(problems) == 1
    assert problems[0].startswith("uji.toml baris 18: placeholder {anak.nama} tidak dikenal")


def test_unknown_format_names_line_and_placeholder() -> None:
    problems = refused(GOOD.replace("{pemohon.birth_date:tanggal}", "{pemohon.birth_date:tgl}"))
    assert len(problems) == 1
    assert problems[0].startswith(
        "uji.toml baris 14: format 'tgl' pada {pemohon.birth_date:tgl} tidak dikenal"
    )


def test_unbalanced_braces_name_the_line() -> None:
    problems = refused(GOOD.replace("{surat.keperluan}.", "{surat.keperluan."))
    assert len(problems) == 1
    assert problems[0].startswith("uji.toml baris 18: kurung kurawal tidak berpasangan")
    assert "{surat.keperluan." in problems[0]
    closing = refused(GOOD.replace("menerangkan bahwa:", "menerangkan} bahwa:"))
    assert closing[0].startswith("uji.toml baris 9: kurung kurawal tidak berpasangan")


def test_doubled_braces_print_one() -> None:
    text = GOOD.replace("Untuk keperluan", "Kode {{A}} untuk keperluan")
    template = load_template(text, source="uji.toml")
    assert fill(template.blocks[-1].text, {"surat.keperluan": "sekolah"}) == (  # type: ignore[union-attr]
        "Kode {A} untuk keperluan sekolah."
    )


def test_missing_part_is_named() -> None:
    problems = refused(GOOD.replace('hal = "Keterangan Domisili"\n', ""))
    assert problems == ["uji.toml: bagian 'hal' wajib ada tetapi tidak ditemukan"]
    problems = refused(GOOD.split("[[isi]]")[0])
    assert problems == ["uji.toml: bagian 'isi' wajib ada tetapi tidak ditemukan"]


def test_unknown_required_key_and_code() -> None:
    problems = refused(GOOD.replace('wajib = ["pemohon.name"]', 'wajib = ["pemohon.nama"]'))
    assert problems[0].startswith("uji.toml baris 6: isian wajib 'pemohon.nama' tidak dikenal")
    problems = refused(GOOD.replace('kode = "SK-DOMISILI"', 'kode = "KK-BARU"'))
    assert problems[0].startswith("uji.toml baris 2: kode 'KK-BARU' bukan dokumen keluaran")


def test_toml_syntax_error_names_the_line() -> None:
    problems = refused(GOOD.replace('klasifikasi = "470"', "klasifikasi = 470/1"))
    assert len(problems) == 1 and problems[0].startswith("uji.toml baris 4: sintaks TOML")


def test_block_must_be_a_paragraph_or_data() -> None:
    problems = refused(GOOD + '\n[[isi]]\nparagraf = "a"\ndata = []\n')
    assert problems == [
        'uji.toml: [[isi]] ke-4 harus memuat tepat satu dari paragraf = "..." atau data = [...]'
    ]


def test_placeholders_and_fill() -> None:
    assert placeholders("{a.b} {{x}} {c.d:tanggal}") == [("a.b", None), ("c.d", "tanggal")]
    values = {"pemohon.birth_date": "1990-08-12", "pemohon.sex": "P", "x.y": "1500000"}
    assert fill("{pemohon.birth_date:tanggal}", values) == "12 Agustus 1990"
    assert fill("{pemohon.sex:jenis_kelamin}", values) == "Perempuan"
    assert fill("{x.y:rupiah}", values) == "Rp1.500.000"
    assert fill("{pemohon.rt:rt_rw}", {"pemohon.rt": "3"}) == "003"
    assert fill("Pukul {anak.jam}", {}) == f"Pukul {EMPTY}"


def test_template_file_edited_on_disk_is_checked(tmp_path: Path) -> None:
    from desktop.services.documents.letter import load_templates

    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    assert set(load_templates(tmp_path)) == {"SK-DOMISILI"}
    (tmp_path / "b.toml").write_text(GOOD.replace("{surat.keperluan}", "{x.y}"), "utf-8")
    with pytest.raises(TemplateError, match=r"b\.toml baris 18: placeholder \{x\.y\}"):
        load_templates(tmp_path)
