"""Service fields in the catalogue (``[[layanan.isian]]``): the shipped forms, region overrides,
and errors naming file, entry and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.domain.catalogue import (
    FIELD_KINDS,
    Catalogue,
    CatalogueError,
    FormField,
    FormSection,
    load_catalogue,
    parse_catalogue,
)

BASE = """\
versi_skema = 1

[[jenis_dokumen]]
kode = "KK"
nama = "Kartu Keluarga"
name_en = "Family card"
keterangan = "KK pemohon"

[[layanan]]
kode = "AKTA-LAHIR"
nama = "Pencatatan kelahiran"
name_en = "Birth registration"
kategori = "adminduk"
persyaratan = [{ dokumen = "KK" }]
keluaran = ["KK"]
sla_jam = 24
tingkat_loket = ["kelurahan"]
peran_verifikasi = ["verifier"]
peran_validasi = ["validator"]
sumber = "praktik umum"

[[layanan.isian]]
kode = "anak"
label = "Data anak"
kolom = [
  { kode = "nama", label = "Nama anak", jenis = "teks", petunjuk = "seperti di akta" },
  { kode = "jenis_kelamin", label = "Jenis kelamin", jenis = "pilihan", pilihan = ["L", "P"] },
  { kode = "jam", label = "Pukul", jenis = "teks", wajib = false },
]

[[layanan.isian]]
kode = "saksi1"
label = "Saksi 1"
kolom = [{ kode = "nik", label = "NIK saksi 1", jenis = "nik" }]

[[layanan]]
kode = "KIA"
nama = "Kartu Identitas Anak"
name_en = "Child identity card"
kategori = "adminduk"
persyaratan = [{ dokumen = "KK" }]
keluaran = ["KK"]
sla_jam = 24
tingkat_loket = ["dinas"]
peran_verifikasi = ["verifier"]
peran_validasi = ["validator"]
sumber = "praktik umum"
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, source_name="default.toml")
    return info.value.problems


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture does not contain {old!r}"
    return text.replace(old, new, 1)


# -- parsing ---------------------------------------------------------------------------------------


def test_sections_are_parsed_in_order_with_defaults() -> None:
    catalogue = parse_catalogue(BASE, source_name="default.toml")
    birth = catalogue.service("AKTA-LAHIR")
    assert [s.code for s in birth.sections] == ["anak", "saksi1"]
    child = birth.sections[0]
    assert child == FormSection(
        "anak",
        "Data anak",
        (
            FormField("nama", "Nama anak", "teks", True, (), "seperti di akta"),
            FormField("jenis_kelamin", "Jenis kelamin", "pilihan", True, ("L", "P"), ""),
            FormField("jam", "Pukul", "teks", False, (), ""),
        ),
    )
    assert list(birth.fields()) == ["anak.nama", "anak.jenis_kelamin", "anak.jam", "saksi1.nik"]
    assert child.key(child.fields[0]) == "anak.nama"
    # a service without isian has no sections
    assert catalogue.service("KIA").sections == ()


def test_sections_are_served_and_change_the_version() -> None:
    catalogue = parse_catalogue(BASE, source_name="default.toml")
    served = json.loads(json.dumps(catalogue.to_dict()))
    birth = next(s for s in served["services"] if s["code"] == "AKTA-LAHIR")
    assert birth["sections"][1] == {
        "code": "saksi1",
        "label": "Saksi 1",
        "fields": [
            {
                "code": "nik",
                "label": "NIK saksi 1",
                "kind": "nik",
                "required": True,
                "choices": [],
                "hint": "",
            }
        ],
    }
    relabelled = parse_catalogue(
        _replace(BASE, 'label = "Saksi 1"', 'label = "Saksi pertama"'), source_name="default.toml"
    )
    assert relabelled.version != catalogue.version


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'jenis = "nik"',
            'jenis = "ktp"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[2].kolom[1].jenis' "
            "bernilai 'ktp' yang tidak dikenal; pilihan: teks, teks_panjang, nik",
        ),
        (
            ', pilihan = ["L", "P"]',
            "",
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].kolom[2].pilihan' "
            "wajib diisi",
        ),
        (
            'jenis = "nik"',
            'jenis = "nik", pilihan = ["a"]',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[2].kolom[1].pilihan' "
            "hanya untuk jenis 'pilihan', bukan 'nik'",
        ),
        (
            'kode = "jam"',
            'kode = "Jam"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].kolom[3].kode' "
            "bernilai 'Jam' yang tidak sah",
        ),
        (
            'kode = "jam"',
            'kode = "nama"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].kolom[3].kode' "
            "ganda: 'nama' sudah dipakai kolom[1]",
        ),
        (
            'kode = "saksi1"',
            'kode = "anak"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[2].kode' ganda: 'anak' "
            "sudah dipakai isian[1]",
        ),
        (
            'label = "Saksi 1"\n',
            "",
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[2].label' wajib diisi",
        ),
        (
            'kolom = [{ kode = "nik", label = "NIK saksi 1", jenis = "nik" }]',
            "kolom = []",
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[2].kolom' minimal "
            "berisi satu kolom",
        ),
        (
            "wajib = false }",
            'wajib = "tidak" }',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].kolom[3].wajib' "
            "harus berupa true atau false",
        ),
        (
            'petunjuk = "seperti di akta"',
            'petunjk = "seperti di akta"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].kolom[1].petunjk' "
            "tidak dikenal (maksudnya 'petunjuk'?)",
        ),
        (
            'label = "Data anak"',
            'label = "Data anak"\njudul = "x"',
            "default.toml: layanan[1] (kode 'AKTA-LAHIR'): field 'isian[1].judul' tidak dikenal",
        ),
    ],
)
def test_bad_field_definition_is_named_precisely(old: str, new: str, expected: str) -> None:
    problems = _problems(_replace(BASE, old, new))
    assert any(p.startswith(expected) for p in problems), problems


def test_isian_that_is_not_a_list_of_tables() -> None:
    head = BASE.split("[[layanan.isian]]")[0]
    problems = _problems(head.replace('sumber = "praktik umum"', 'sumber = "x"\nisian = "anak"'))
    assert any("field 'isian' harus berupa daftar tabel [[layanan.isian]]" in p for p in problems)


# -- region overrides --------------------------------------------------------------------------


def _write(root: Path, region: str) -> Path:
    (root / "regions").mkdir(parents=True)
    (root / "default.toml").write_text(BASE, encoding="utf-8")
    (root / "regions" / "1471.toml").write_text(region, encoding="utf-8")
    return root


def test_region_replaces_all_sections_of_a_service(tmp_path: Path) -> None:
    region = """\
[[layanan]]
kode = "AKTA-LAHIR"

[[layanan.isian]]
kode = "bayi"
label = "Data bayi"
kolom = [{ kode = "nama", label = "Nama bayi", jenis = "teks" }]

[[layanan]]
kode = "KIA"

[[layanan.isian]]
kode = "anak"
label = "Data anak"
kolom = [{ kode = "nik", label = "NIK anak", jenis = "nik" }]
"""
    root = _write(tmp_path, region)
    merged = load_catalogue("1471", directory=root)
    assert list(merged.service("AKTA-LAHIR").fields()) == ["bayi.nama"]
    assert list(merged.service("KIA").fields()) == ["anak.nik"]
    base = load_catalogue(directory=root)
    assert list(base.service("KIA").fields()) == []


def test_region_may_drop_the_sections(tmp_path: Path) -> None:
    root = _write(tmp_path, '[[layanan]]\nkode = "AKTA-LAHIR"\nisian = []\n')
    assert load_catalogue("1471", directory=root).service("AKTA-LAHIR").sections == ()


def test_bad_region_section_names_the_region_file(tmp_path: Path) -> None:
    region = '[[layanan]]\nkode = "KIA"\n\n[[layanan.isian]]\nkode = "anak"\nlabel = "Anak"\n'
    root = _write(tmp_path, region)
    with pytest.raises(CatalogueError) as info:
        load_catalogue("1471", directory=root)
    assert info.value.problems == [
        "regions/1471.toml: layanan[1] (kode 'KIA'): field 'isian[1].kolom' wajib diisi"
    ]


# -- the shipped data -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[None, "1471"])
def shipped(request: pytest.FixtureRequest) -> Catalogue:
    return load_catalogue(request.param)


def test_birth_registration_asks_for_child_parents_and_two_witnesses(shipped: Catalogue) -> None:
    fields = shipped.service("AKTA-LAHIR").fields()
    for key in (
        "anak.nama",
        "anak.jenis_kelamin",
        "anak.tempat_lahir",
        "anak.tanggal_lahir",
        "anak.jam",
        "ibu.nik",
        "ibu.nama",
        "ayah.nik",
        "ayah.nama",
        "saksi1.nik",
        "saksi1.nama",
        "saksi2.nik",
        "saksi2.nama",
    ):
        assert key in fields, key
    assert fields["saksi2.nik"].kind == "nik" and fields["saksi2.nik"].required
    assert fields["anak.tanggal_lahir"].kind == "tanggal"
    assert not fields["ayah.nik"].required  # a child may be registered to the mother only


def test_other_shipped_forms(shipped: Catalogue) -> None:
    death = shipped.service("AKTA-MATI").fields()
    assert {"jenazah.nik", "jenazah.tanggal_kematian", "jenazah.tempat_kematian"} <= set(death)
    assert death["jenazah.sebab"].kind == "pilihan"
    move = shipped.service("PINDAH-KELUAR").fields()
    assert move["tujuan.wilayah"].kind == "wilayah"
    assert {"tujuan.alamat", "pindah.alasan", "pindah.anggota"} <= set(move)
    assert shipped.service("SK-DOMISILI").fields()["surat.keperluan"].kind == "teks"
    business = shipped.service("SK-USAHA").fields()
    assert {"usaha.nama_usaha", "usaha.jenis", "usaha.alamat"} <= set(business)
    assert shipped.service("SKTM").fields()["surat.keperluan"].kind == "pilihan"
    assert shipped.service("KK-KTPEL-WNI").fields()["kk.nomor_kk_lama"].kind == "kk"
    assert shipped.service("KTPEL-RUSAK").sections == ()


def test_every_shipped_field_is_well_formed(shipped: Catalogue) -> None:
    for service in shipped.services.values():
        for section in service.sections:
            assert section.fields, (service.code, section.code)
            for form_field in section.fields:
                assert form_field.kind in FIELD_KINDS
                assert bool(form_field.choices) == (form_field.kind == "pilihan")


def test_pekanbaru_delivery_has_its_own_form() -> None:
    fields = load_catalogue("1471").service("ANTAR-DOKUMEN").fields()
    assert fields["antar.telepon"].kind == "telepon"
    assert "ANTAR-DOKUMEN" not in load_catalogue().services
