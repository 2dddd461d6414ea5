"""The service catalogue: the shipped data, region overrides, and precise errors on bad input."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from desktop.domain.catalogue import (
    DECISION_LEVEL_BY_CATEGORY,
    FILE_TYPES,
    Catalogue,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
)

# Perwali Pekanbaru 20/2024 Pasal 5 huruf a-p, in order.
SIPENDUDUK = {
    "a": "KTPEL-UBAH-WNI",
    "b": "KTPEL-UBAH-WNA",
    "c": "AKTA-LAHIR",
    "d": "AKTA-MATI",
    "e": "LAHIR-MATI",
    "f": "PENGESAHAN-ANAK",
    "g": "PENGANGKATAN-ANAK",
    "h": "PENGAKUAN-ANAK",
    "i": "AKTA-KAWIN",
    "j": "AKTA-CERAI",
    "k": "BATAL-KAWIN",
    "l": "BATAL-CERAI",
    "m": "KK-KTPEL-WNI",
    "n": "BATAL-AKTA",
    "o": "PEMBETULAN-AKTA",
    "p": "GANTI-NAMA",
}
OTHER_PEKANBARU = {
    "KTPEL-HILANG": "LAGU",
    "KTPEL-RUSAK": "LAGU",
    "KTPEL-MENDESAK": "LAGU",
    "KIA": "CENDEKIA",
    "PINDAH-KELUAR": "LADO PKU",
    "PINDAH-DATANG": "PEDANG BIRU",
    "BIODATA-WNI": "SIPINTAR",
    "ANTAR-DOKUMEN": "ANDONG",
}
LETTERS = {
    "SK-DOMISILI",
    "SK-USAHA",
    "SKTM",
    "PENGANTAR-SKCK",
    "SK-KELAHIRAN",
    "SK-KEMATIAN",
    "SK-PINDAH",
    "SK-BELUM-MENIKAH",
}

# A small but complete catalogue; tests break it one way at a time.
MINIMAL = """\
versi_skema = 1

[[jenis_dokumen]]
kode = "KTP-EL"
nama = "KTP elektronik"
name_en = "Identity card"
keterangan = "KTP-el pemohon"

[[jenis_dokumen]]
kode = "KK"
nama = "Kartu Keluarga"
name_en = "Family card"
keterangan = "KK pemohon"

[[jenis_dokumen]]
kode = "SK-DOMISILI"
nama = "Surat keterangan domisili"
name_en = "Certificate of domicile"
keterangan = "keluaran"

[[layanan]]
kode = "KK-KTPEL-WNI"
nama = "Penerbitan KK dan KTP-el"
name_en = "Family card and identity card"
kategori = "adminduk"
formulir = "F-1.02"
persyaratan = [
  { dokumen = "KK" },
  { dokumen = "KTP-EL", wajib = false, tipe = ["pdf", "jpeg"], catatan = "bila ada" },
]
keluaran = ["KK", "KTP-EL"]
sla_jam = 24
tingkat_loket = ["kelurahan", "dinas"]
peran_verifikasi = ["verifier"]
peran_validasi = ["validator"]
sumber = "praktik umum"

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

[[layanan]]
kode = "SK-DOMISILI"
nama = "Surat keterangan domisili"
name_en = "Certificate of domicile"
kategori = "surat_kelurahan"
persyaratan = [{ dokumen = "KTP-EL" }]
keluaran = ["SK-DOMISILI"]
sla_jam = 8
tingkat_loket = ["kelurahan"]
peran_verifikasi = ["verifier"]
peran_validasi = ["validator"]
klasifikasi = "470"
jenis_surat = "sk_domisili"
sumber = "praktik umum"
"""


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture does not contain {old!r}"
    return text.replace(old, new, 1)


def _problems(text: str, source: str = "default.toml") -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, source_name=source)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def _write(root: Path, default: str = MINIMAL, **regions: str) -> Path:
    (root / "regions").mkdir(parents=True, exist_ok=True)
    (root / "default.toml").write_text(default, encoding="utf-8")
    for code, text in regions.items():
        (root / "regions" / f"{code.removeprefix('r')}.toml").write_text(text, encoding="utf-8")
    return root


# -- the shipped data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def pekanbaru() -> Catalogue:
    return load_catalogue("1471")


def test_shipped_default_has_no_region_programs(default: Catalogue) -> None:
    assert default.region is None
    assert len(default.services) >= 16 + 6 + 8
    # program names are Pekanbaru's; they belong to the region file only
    assert {s.program for s in default.services.values()} == {None}


def test_pekanbaru_has_the_16_sipenduduk_services_in_pasal_5_order(pekanbaru: Catalogue) -> None:
    sipenduduk = [s for s in pekanbaru.services.values() if s.program == "SIPENDUDUK"]
    assert [s.code for s in sipenduduk] == list(SIPENDUDUK.values())
    for letter, code in SIPENDUDUK.items():
        service = pekanbaru.service(code)
        assert service.category == "adminduk"
        assert f"Perwali Pekanbaru 20/2024 Pasal 5 huruf {letter};" in service.source


def test_pekanbaru_other_counter_services(pekanbaru: Catalogue) -> None:
    for code, program in OTHER_PEKANBARU.items():
        assert pekanbaru.service(code).program == program, code
        assert "Perwali Pekanbaru 20/2024" in pekanbaru.service(code).source
    # ANDONG is the one SLA the regulation states: 1 x 24 jam (Pasal 20)
    andong = pekanbaru.service("ANTAR-DOKUMEN")
    assert andong.sla_hours == 24 and "Pasal 20" in andong.source
    # urgent reprint is measured in hours, not days
    assert pekanbaru.service("KTPEL-MENDESAK").sla_hours < 24
    assert pekanbaru.service("PINDAH-KELUAR").outputs[0].code == "SKPWNI"


def test_pekanbaru_follows_pasal_5_outputs_literally(
    default: Catalogue, pekanbaru: Catalogue
) -> None:
    def outputs(catalogue: Catalogue, code: str) -> list[str]:
        return [o.code for o in catalogue.service(code).outputs]

    assert "KTP-EL" not in outputs(default, "AKTA-LAHIR")
    assert outputs(pekanbaru, "AKTA-LAHIR") == ["AKTA-KELAHIRAN", "KK", "KIA", "KTP-EL"]
    # untouched fields come from default.toml
    assert (
        pekanbaru.service("AKTA-LAHIR").requirements == default.service("AKTA-LAHIR").requirements
    )


def test_kelurahan_letters(default: Catalogue) -> None:
    letters = default.services_for(category="surat_kelurahan")
    assert {s.code for s in letters} >= LETTERS
    assert len(letters) >= 8
    for letter in letters:
        assert letter.klasifikasi and letter.klasifikasi[:3].isdigit()
        assert letter.letter_type
        assert "kelurahan" in letter.intake_levels
    assert default.service("SK-KELAHIRAN").klasifikasi == "474.1"
    assert default.service("SK-KEMATIAN").klasifikasi == "474.3"
    # letter numbers are counted per letter type, so two letters must not share one by accident
    types = [s.letter_type for s in letters]
    assert len(types) == len(set(types))
    kelurahan_counter = default.services_for(level="kelurahan")
    assert set(letters) <= set(kelurahan_counter)
    assert default.service("KTPEL-UBAH-WNA") not in kelurahan_counter


@pytest.mark.parametrize("region", [None, "1471"])
def test_every_service_is_usable(region: str | None) -> None:
    catalogue = load_catalogue(region)
    assert catalogue.document_types
    for service in catalogue.services.values():
        assert service.sla_hours > 0, service.code
        assert service.requirements, service.code
        assert any(r.mandatory for r in service.requirements), service.code
        assert service.outputs, service.code
        assert service.intake_levels and service.verifier_roles and service.validator_roles
        assert "Perwali" in service.source or service.source.startswith("praktik umum")
        assert service.name.strip() and service.name_en.strip()
        for requirement in service.requirements:
            assert requirement.document_code in catalogue.document_types
            assert requirement.accepted_types
            assert set(requirement.accepted_types) <= set(FILE_TYPES)
        for output in service.outputs:
            assert catalogue.document_types[output.code].name == output.name


@pytest.mark.parametrize("region", [None, "1471"])
def test_shipped_decision_levels_are_todays_rule(region: str | None) -> None:
    """No shipped service overrides `tingkat_keputusan`: adminduk is decided at the dinas,
    kelurahan letters at the kelurahan (and above), as before the field existed."""
    for service in load_catalogue(region).services.values():
        expected = "dinas" if service.category == "adminduk" else "kelurahan"
        assert service.decision_level == expected, service.code
    assert DECISION_LEVEL_BY_CATEGORY == {"adminduk": "dinas", "surat_kelurahan": "kelurahan"}


def test_lookup_and_immutability(default: Catalogue) -> None:
    with pytest.raises(KeyError, match="layanan 'TIDAK-ADA' tidak ada di katalog"):
        default.service("TIDAK-ADA")
    service = default.service("KIA")
    with pytest.raises(dataclasses.FrozenInstanceError):
        service.sla_hours = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        default.services["X"] = service  # type: ignore[index]
    assert isinstance(service.requirements, tuple)


def test_to_dict_is_json_and_complete(pekanbaru: Catalogue) -> None:
    data = json.loads(json.dumps(pekanbaru.to_dict()))
    assert data["version"] == pekanbaru.version
    assert data["region"] == "1471"
    assert [s["code"] for s in data["services"]] == list(pekanbaru.services)
    assert [d["code"] for d in data["document_types"]] == list(pekanbaru.document_types)
    kia = next(s for s in data["services"] if s["code"] == "KIA")
    assert kia["program"] == "CENDEKIA"
    assert kia["requirements"][0]["document_code"] == "AKTA-KELAHIRAN"
    assert kia["outputs"] == [
        {"code": "KIA", "name": "Kartu Identitas Anak", "name_en": "Child identity card (KIA)"}
    ]


# -- parsing and version --------------------------------------------------------------------------


def test_minimal_parses_with_defaults() -> None:
    catalogue = parse_catalogue(MINIMAL, source_name="x.toml")
    kk = catalogue.service("KK-KTPEL-WNI")
    assert kk.form_code == "F-1.02" and kk.program is None and kk.klasifikasi is None
    assert kk.requirements[0].mandatory is True
    assert kk.requirements[0].accepted_types == FILE_TYPES
    assert kk.requirements[1].accepted_types == ("pdf", "jpeg")
    assert kk.requirements[1].note == "bila ada"
    assert list(catalogue.services) == ["KK-KTPEL-WNI", "KIA", "SK-DOMISILI"]
    assert kk.decision_level == "dinas"  # by category: no tingkat_keputusan written
    assert catalogue.service("SK-DOMISILI").decision_level == "kelurahan"
    assert catalogue.to_dict()["services"][2]["decision_level"] == "kelurahan"


def test_decision_level_written_out() -> None:
    """`tingkat_keputusan` overrides the category's level, either way."""
    text = _replace(
        MINIMAL,
        'jenis_surat = "sk_domisili"',
        'jenis_surat = "sk_domisili"\ntingkat_keputusan = "kecamatan"',
    )
    text = _replace(
        text,
        'tingkat_loket = ["dinas"]',
        'tingkat_loket = ["dinas"]\ntingkat_keputusan = "kelurahan"',
    )
    catalogue = parse_catalogue(text, source_name="x.toml")
    assert catalogue.service("SK-DOMISILI").decision_level == "kecamatan"
    assert catalogue.service("KIA").decision_level == "kelurahan"
    assert catalogue.service("KK-KTPEL-WNI").decision_level == "dinas"
    assert catalogue.version != parse_catalogue(MINIMAL, source_name="x.toml").version


def test_region_overrides_the_decision_level(tmp_path: Path) -> None:
    """A region (or province) file may set the level of a base service; the city file that
    names the service again for other fields keeps the province's level."""
    province = '[[layanan]]\nkode = "SK-DOMISILI"\ntingkat_keputusan = "kecamatan"\n'
    city = '[[layanan]]\nkode = "SK-DOMISILI"\nsla_jam = 12\n'
    root = _write(tmp_path, r14=province, r1471=city)
    letter = load_catalogue("1471", directory=root).service("SK-DOMISILI")
    assert (letter.decision_level, letter.sla_hours) == ("kecamatan", 12)
    assert load_catalogue(directory=root).service("SK-DOMISILI").decision_level == "kelurahan"


def test_version_follows_content_not_formatting() -> None:
    base = parse_catalogue(MINIMAL, source_name="x.toml").version
    assert len(base) >= 16
    assert parse_catalogue(MINIMAL, source_name="other.toml").version == base
    commented = "# komentar\n" + MINIMAL.replace("sla_jam = 8", "sla_jam   =   8   # satu hari")
    assert parse_catalogue(commented, source_name="x.toml").version == base
    changed = _replace(MINIMAL, "sla_jam = 8", "sla_jam = 9")
    assert parse_catalogue(changed, source_name="x.toml").version != base
    renamed = _replace(MINIMAL, 'nama = "Kartu Identitas Anak"', 'nama = "KIA"')
    assert parse_catalogue(renamed, source_name="x.toml").version != base


def test_load_picks_up_edited_file(tmp_path: Path) -> None:
    root = _write(tmp_path)
    first = load_catalogue(directory=root)
    assert load_catalogue(directory=root) is first  # cached
    (root / "default.toml").write_text(_replace(MINIMAL, "sla_jam = 8", "sla_jam = 4"), "utf-8")
    second = load_catalogue(directory=root)
    assert second.version != first.version
    assert second.service("SK-DOMISILI").sla_hours == 4


def test_environment_points_at_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "catalogue", _replace(MINIMAL, "sla_jam = 8", "sla_jam = 5"))
    monkeypatch.setenv("LOKET_RESOURCES", str(tmp_path))
    assert load_catalogue().service("SK-DOMISILI").sla_hours == 5


def test_utf8_bom_is_accepted() -> None:
    assert parse_catalogue("\ufeff" + MINIMAL, source_name="x.toml").services


# -- region overrides -----------------------------------------------------------------------------

REGION = """\
[wilayah]
kode = "1471"
nama = "Kota Contoh"

[[jenis_dokumen]]
kode = "KK"
nama = "Kartu Keluarga (cetak TTE)"
name_en = "Family card (e-signed print)"
keterangan = "diganti wilayah"

[[jenis_dokumen]]
kode = "RESI"
nama = "Resi"
name_en = "Receipt"
keterangan = "ditambah wilayah"

[[layanan]]
kode = "KIA"
sla_jam = 48
program = "CENDEKIA"
sumber = "Perwali Contoh Pasal 13"

[[layanan]]
kode = "SK-DOMISILI"
hapus = true

[[layanan]]
kode = "ANTAR"
nama = "Pengantaran dokumen"
name_en = "Document delivery"
kategori = "adminduk"
persyaratan = [{ dokumen = "RESI" }]
keluaran = ["KTP-EL"]
sla_jam = 24
tingkat_loket = ["dinas"]
peran_verifikasi = ["verifier"]
peran_validasi = ["validator"]
sumber = "Perwali Contoh Pasal 20"
"""


def test_region_overrides_adds_and_removes(tmp_path: Path) -> None:
    root = _write(tmp_path, r1471=REGION)
    base = load_catalogue(directory=root)
    merged = load_catalogue("1471", directory=root)
    assert merged.region == "1471"
    assert list(merged.services) == ["KK-KTPEL-WNI", "KIA", "ANTAR"]
    kia = merged.service("KIA")
    assert (kia.sla_hours, kia.program, kia.source) == (48, "CENDEKIA", "Perwali Contoh Pasal 13")
    assert kia.name == base.service("KIA").name  # not overridden, kept
    assert merged.service("ANTAR").requirements[0].document_code == "RESI"
    assert merged.document_types["KK"].name == "Kartu Keluarga (cetak TTE)"
    assert merged.service("KK-KTPEL-WNI").outputs[0].name == "Kartu Keluarga (cetak TTE)"
    assert "SK-DOMISILI" in base.services and "SK-DOMISILI" not in merged.services
    assert merged.version != base.version


def test_region_without_file_is_the_default(tmp_path: Path) -> None:
    root = _write(tmp_path, r1471=REGION)
    base = load_catalogue(directory=root)
    other = load_catalogue("1371", directory=root)
    assert other.region == "1371"
    assert other.services == base.services


def test_province_file_applies_before_city_file(tmp_path: Path) -> None:
    province = '[[layanan]]\nkode = "KIA"\nsla_jam = 72\nformulir = "F-PROV"\n'
    city = '[[layanan]]\nkode = "KIA"\nsla_jam = 12\n'
    root = _write(tmp_path, r14=province, r1471=city)
    assert load_catalogue("14", directory=root).service("KIA").sla_hours == 72
    kia = load_catalogue("1471", directory=root).service("KIA")
    assert (kia.sla_hours, kia.form_code) == (12, "F-PROV")
    assert load_catalogue("1472", directory=root).service("KIA").sla_hours == 72


@pytest.mark.parametrize("region", ["147", "14.71", "abcd", "147101", ""])
def test_bad_region_code(region: str) -> None:
    with pytest.raises(CatalogueError, match=r"kode wilayah .* tidak valid: harus 2 digit"):
        load_catalogue(region)


# -- bad input: each problem names file, entry and field -------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "sla_jam = 8\n",
            "",
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'sla_jam' wajib diisi",
        ),
        (
            "sla_jam = 8",
            'sla_jam = "8 jam"',
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'sla_jam' harus berupa "
            "bilangan bulat, bukan teks ('8 jam')",
        ),
        (
            "sla_jam = 8",
            "sla_jam = 0",
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'sla_jam' harus lebih dari 0",
        ),
        (
            "sla_jam = 8",
            "sla_hari = 1",
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'sla_hari' tidak dikenal "
            "(maksudnya 'sla_jam'?)",
        ),
        (
            'kategori = "surat_kelurahan"',
            'kategori = "kelurahan"',
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'kategori' bernilai "
            "'kelurahan' yang tidak dikenal; pilihan: adminduk, surat_kelurahan",
        ),
        (
            'tingkat_loket = ["dinas"]',
            'tingkat_loket = ["desa"]',
            "default.toml: layanan[2] (kode 'KIA'): field 'tingkat_loket[1]' bernilai 'desa' "
            "yang tidak dikenal; pilihan: kelurahan, kecamatan, dinas",
        ),
        (
            'tingkat_loket = ["kelurahan", "dinas"]',
            'tingkat_loket = "dinas"',
            "default.toml: layanan[1] (kode 'KK-KTPEL-WNI'): field 'tingkat_loket' harus berupa "
            "daftar teks, bukan teks ('dinas')",
        ),
        (
            'jenis_surat = "sk_domisili"',
            'jenis_surat = "sk_domisili"\ntingkat_keputusan = "desa"',
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'tingkat_keputusan' bernilai "
            "'desa' yang tidak dikenal; pilihan: kelurahan, kecamatan, dinas",
        ),
        (
            'tingkat_loket = ["dinas"]',
            'tingkat_loket = ["dinas"]\ntingkat_keputusan = ["dinas"]',
            "default.toml: layanan[2] (kode 'KIA'): field 'tingkat_keputusan' harus berupa teks, "
            "bukan daftar (['dinas'])",
        ),
        (
            'tingkat_loket = ["dinas"]',
            'tingkat_loket = ["dinas"]\ntingkat_keputusan = ""',
            "default.toml: layanan[2] (kode 'KIA'): field 'tingkat_keputusan' tidak boleh kosong",
        ),
        (
            'tingkat_loket = ["dinas"]',
            'tingkat_loket = ["dinas"]\ntingkat_keputusn = "dinas"',
            "default.toml: layanan[2] (kode 'KIA'): field 'tingkat_keputusn' tidak dikenal "
            "(maksudnya 'tingkat_keputusan'?)",
        ),
        (
            'peran_verifikasi = ["verifier"]',
            'peran_verifikasi = ["kasi"]',
            "default.toml: layanan[1] (kode 'KK-KTPEL-WNI'): field 'peran_verifikasi[1]' "
            "bernilai 'kasi' yang tidak dikenal; pilihan: operator, verifier, validator, "
            "supervisor, admin",
        ),
        (
            'peran_validasi = ["validator"]',
            'peran_validasi = ["validator", "lurah"]',
            "default.toml: layanan[1] (kode 'KK-KTPEL-WNI'): field 'peran_validasi[2]' "
            "bernilai 'lurah' yang tidak dikenal",
        ),
        (
            'persyaratan = [{ dokumen = "KK" }]',
            'persyaratan = [{ dokumen = "KTP" }]',
            "default.toml: layanan[2] (kode 'KIA'): field 'persyaratan[1].dokumen' merujuk "
            "jenis dokumen 'KTP' yang tidak ada di jenis_dokumen",
        ),
        (
            'keluaran = ["KK"]',
            'keluaran = ["KIA"]',
            "default.toml: layanan[2] (kode 'KIA'): field 'keluaran[1]' merujuk jenis dokumen "
            "'KIA' yang tidak ada di jenis_dokumen",
        ),
        (
            'persyaratan = [{ dokumen = "KK" }]',
            "persyaratan = []",
            "default.toml: layanan[2] (kode 'KIA'): field 'persyaratan' minimal berisi satu",
        ),
        (
            'persyaratan = [{ dokumen = "KK" }]',
            'persyaratan = [{ dokumen = "KK", wajib = "ya" }]',
            "default.toml: layanan[2] (kode 'KIA'): field 'persyaratan[1].wajib' harus berupa "
            "true atau false, bukan teks ('ya')",
        ),
        (
            'tipe = ["pdf", "jpeg"]',
            'tipe = ["pdf", "gif"]',
            "default.toml: layanan[1] (kode 'KK-KTPEL-WNI'): field 'persyaratan[2].tipe[2]' "
            "bernilai 'gif' yang tidak dikenal; pilihan: pdf, jpeg, png, tiff",
        ),
        (
            'klasifikasi = "470"\n',
            "",
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'klasifikasi' wajib diisi",
        ),
        (
            'klasifikasi = "470"',
            'klasifikasi = "DOM"',
            "default.toml: layanan[3] (kode 'SK-DOMISILI'): field 'klasifikasi' bernilai 'DOM' "
            "yang tidak sah",
        ),
        (
            'kode = "KIA"',
            'kode = "kia baru"',
            "default.toml: layanan[2] (kode 'kia baru'): field 'kode' bernilai 'kia baru' yang "
            "tidak sah: hanya huruf besar A-Z, angka dan '-'",
        ),
        (
            'kode = "KIA"\n',
            "",
            "default.toml: layanan[2]: field 'kode' wajib diisi",
        ),
        (
            'name_en = "Family card"\n',
            "",
            "default.toml: jenis_dokumen[2] (kode 'KK'): field 'name_en' wajib diisi",
        ),
        (
            'keterangan = "KK pemohon"',
            "keterangan = 3",
            "default.toml: jenis_dokumen[2] (kode 'KK'): field 'keterangan' harus berupa teks, "
            "bukan bilangan bulat (3)",
        ),
        (
            'keluaran = ["KK"]',
            'keluaran = ["KK", 3]',
            "default.toml: layanan[2] (kode 'KIA'): field 'keluaran[2]' harus berupa teks, "
            "bukan bilangan bulat (3)",
        ),
        (
            "versi_skema = 1",
            "versi_skema = true",
            "default.toml: field 'versi_skema' harus 1, bukan boolean (True)",
        ),
        (
            "versi_skema = 1",
            "versi_skema = 2",
            "default.toml: field 'versi_skema' harus 1",
        ),
        (
            "versi_skema = 1",
            "versi_skema = 1\nwilayah = 'x'",
            "default.toml: field 'wilayah' tidak dikenal",
        ),
    ],
)
def test_bad_field_is_named_precisely(old: str, new: str, expected: str) -> None:
    problems = _problems(_replace(MINIMAL, old, new))
    assert any(p.startswith(expected) for p in problems), problems


def test_duplicate_service_code() -> None:
    old = 'kode = "SK-DOMISILI"\nnama = "Surat keterangan domisili"\nname_en = "Certificate of '
    old += 'domicile"\nkategori'
    text = _replace(MINIMAL, old, old.replace("SK-DOMISILI", "KIA"))
    problems = _problems(text)
    assert (
        "default.toml: layanan[3] (kode 'KIA'): field 'kode' ganda: 'KIA' sudah dipakai "
        + ("layanan[2]")
        in problems
    )


def test_duplicate_document_code() -> None:
    text = _replace(MINIMAL, 'kode = "KK"\nnama = "Kartu', 'kode = "KTP-EL"\nnama = "Kartu')
    problems = _problems(text)
    assert (
        "default.toml: jenis_dokumen[2] (kode 'KTP-EL'): field 'kode' ganda: 'KTP-EL' sudah "
        "dipakai jenis_dokumen[1]"
    ) in problems


def test_broken_document_type_is_reported_once() -> None:
    # KK is used by three services; the one problem is the document type, not every use of it
    problems = _problems(_replace(MINIMAL, 'name_en = "Family card"\n', ""))
    assert problems == ["default.toml: jenis_dokumen[2] (kode 'KK'): field 'name_en' wajib diisi"]


def test_duplicate_requirement_in_one_service() -> None:
    text = _replace(MINIMAL, '[{ dokumen = "KK" }]', '[{ dokumen = "KK" }, { dokumen = "KK" }]')
    assert (
        "default.toml: layanan[2] (kode 'KIA'): field 'persyaratan[2].dokumen' ganda: 'KK' "
        "sudah disebut di persyaratan[1]"
    ) in _problems(text)


def test_all_problems_are_reported_not_just_the_first() -> None:
    text = _replace(MINIMAL, 'sla_jam = 24\ntingkat_loket = ["dinas"]', "sla_jam = -1")
    text = _replace(text, 'kategori = "surat_kelurahan"', 'kategori = "surat"')
    text = _replace(text, 'keluaran = ["KK", "KTP-EL"]', 'keluaran = ["KK", "AKTA"]')
    problems = _problems(text)
    assert len(problems) == 4, problems
    assert [p.split(": field ")[1].split("'")[1] for p in problems] == [
        "keluaran[2]",
        "sla_jam",
        "tingkat_loket",
        "kategori",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('versi_skema = 1\n[[layanan]\nkode = "X"\n', "baris 2, kolom 10"),
        ('versi_skema = 1\nnama = "tanpa tutup\n', "baris 2, kolom 20"),
        ("versi_skema = 1\nsla_jam = 1\nsla_jam = 2\n", "baris 3"),
        ("versi_skema = [1,", "akhir berkas (baris 1)"),
    ],
)
def test_invalid_toml_names_file_and_line(text: str, expected: str) -> None:
    (problem,) = _problems(text, source="regions/1471.toml")
    assert problem.startswith("regions/1471.toml: sintaks TOML tidak valid di ")
    assert expected in problem


@pytest.mark.parametrize(
    "text",
    [
        "",
        "layanan = 3\njenis_dokumen = []\nversi_skema = 1",
        "versi_skema = 1\n[layanan]\nkode = 'X'\n[[jenis_dokumen]]\nkode = 'A'",
        "versi_skema = 1\njenis_dokumen = [1, 2]\nlayanan = []",
        "versi_skema = '1'\n[[jenis_dokumen]]\n[[layanan]]\npersyaratan = 'KK'\nkeluaran = [1]",
        "versi_skema = 1\n[[jenis_dokumen]]\nkode = []\n[[layanan]]\nkode = 5\nsla_jam = 1.5",
        "versi_skema = 1\n[[jenis_dokumen]]\n[[layanan]]\npersyaratan = [{ dokumen = 1 }]",
        "versi_skema = 1\n[[layanan]]\nhapus = true\n[[jenis_dokumen]]\nkode = 'A-'",
        "versi_skema = 1979-05-27\n[[layanan]]\ntingkat_loket = [[1]]\nsumber = 1979-05-27",
    ],
)
def test_garbage_gives_catalogue_error_only(text: str) -> None:
    problems = _problems(text)
    assert problems
    assert all(p.startswith("default.toml") for p in problems)


def test_missing_default_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(directory=tmp_path / "tidak-ada")
    (problem,) = info.value.problems
    assert problem.startswith("default.toml: berkas katalog tidak ditemukan (")
    assert "tidak-ada" in problem


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    root = _write(tmp_path)
    (root / "default.toml").write_bytes(MINIMAL.encode("utf-8") + b"# \xff\n")
    with pytest.raises(CatalogueError, match=r"^default.toml: bukan teks UTF-8 yang sah"):
        load_catalogue(directory=root)


# -- bad region files: the region file is the one named --------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (
            '[[layanan]]\nkode = "KIA"\nsla_jam = 0\n',
            "regions/1471.toml: layanan[1] (kode 'KIA'): field 'sla_jam' harus lebih dari 0",
        ),
        (
            '[[layanan]]\nkode = "KIA"\npersyaratan = [{ dokumen = "RESI" }]\n',
            "regions/1471.toml: layanan[1] (kode 'KIA'): field 'persyaratan[1].dokumen' merujuk "
            "jenis dokumen 'RESI' yang tidak ada",
        ),
        (
            '[[layanan]]\nkode = "BARU"\nnama = "Layanan baru"\n',
            "regions/1471.toml: layanan[1] (kode 'BARU'): field 'name_en' wajib diisi",
        ),
        (
            '[[layanan]]\nkode = "TIDAK-ADA"\nhapus = true\n',
            "regions/1471.toml: layanan[1] (kode 'TIDAK-ADA'): field 'hapus': layanan "
            "'TIDAK-ADA' tak ada untuk dihapus",
        ),
        (
            '[[layanan]]\nkode = "KIA"\nhapus = true\nsla_jam = 3\n',
            "regions/1471.toml: layanan[1] (kode 'KIA'): field 'hapus' tak boleh disertai field "
            "lain: sla_jam",
        ),
        (
            '[[layanan]]\nkode = "KIA"\nhapus = "ya"\n',
            "regions/1471.toml: layanan[1] (kode 'KIA'): field 'hapus' harus berupa true atau "
            "false",
        ),
        (
            '[wilayah]\nkode = "1472"\n',
            "regions/1471.toml: [wilayah]: field 'kode' bernilai '1472', padahal berkas ini untuk "
            "1471",
        ),
        (
            '[[layanan]]\nkode = "KIA"\nsla = 3\n[[layanan]]\nkode = "KIA"\n',
            "regions/1471.toml: layanan[2] (kode 'KIA'): field 'kode' ganda",
        ),
        (
            "versi_skema = 1\n",
            "regions/1471.toml: field 'versi_skema' tidak dikenal",
        ),
        (
            '[[layanan]]\nkode = "KIA"\ntingkat_keputusan = "provinsi"\n',
            "regions/1471.toml: layanan[1] (kode 'KIA'): field 'tingkat_keputusan' bernilai "
            "'provinsi' yang tidak dikenal; pilihan: kelurahan, kecamatan, dinas",
        ),
        (
            '[[jenis_dokumen]]\nkode = "KK"\nnama = "KK saja"\n',
            "regions/1471.toml: jenis_dokumen[1] (kode 'KK'): field 'name_en' wajib diisi",
        ),
    ],
)
def test_bad_region_file_is_named(tmp_path: Path, region: str, expected: str) -> None:
    root = _write(tmp_path, r1471=region)
    with pytest.raises(CatalogueError) as info:
        load_catalogue("1471", directory=root)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_merged_result_is_validated_as_a_whole(tmp_path: Path) -> None:
    # the region may use a document type it adds itself, but not one that exists nowhere
    region = '[[jenis_dokumen]]\nkode = "RESI"\nnama = "Resi"\nname_en = "Receipt"\n'
    region += 'keterangan = "x"\n[[layanan]]\nkode = "KIA"\n'
    region += 'keluaran = ["RESI", "TIDAK-ADA"]\n'
    root = _write(tmp_path, r1471=region)
    with pytest.raises(CatalogueError) as info:
        load_catalogue("1471", directory=root)
    assert info.value.problems == [
        "regions/1471.toml: layanan[1] (kode 'KIA'): field 'keluaran[2]' merujuk jenis dokumen "
        "'TIDAK-ADA' yang tidak ada di jenis_dokumen"
    ]
    fixed = region.replace(', "TIDAK-ADA"', "")
    (root / "regions" / "1471.toml").write_text(fixed, "utf-8")
    assert load_catalogue("1471", directory=root).service("KIA").outputs[0].name == "Resi"


def test_hapus_is_refused_in_the_default_file() -> None:
    text = _replace(MINIMAL, 'kode = "KIA"\n', 'kode = "KIA"\nhapus = true\n')
    assert (
        "default.toml: layanan[2] (kode 'KIA'): field 'hapus' hanya boleh dipakai di berkas wilayah"
    ) in _problems(text)
