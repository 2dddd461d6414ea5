"""The counter's side of the demo data: what an operator types beside the applicant.

`server.seed` lays out applications and their history; this module fills what issue 11's
counter adds to them, so a demo shows the whole counter day: the service's own fields
(``data``, valid per `applicant_rules.check_service_data`), a public status token, the
per-requirement checklist of a return for revision (the very shape the action route stores)
and the handover of a delivery. Everything here draws from its own random stream, so the
applications, people and states of a given seed stay what they were before these fields
existed (tests share the seeded server and lean on them).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from desktop.domain.applicant_rules import EXPECTED_SEX
from desktop.domain.catalogue import FormField, FormSection, Requirement, Service
from desktop.domain.identity import encode_kk, encode_nik
from server.handover import reasons_from_checklist
from server.names import STREETS, person_name
from server.schemas import ChecklistItem

TOKEN_BYTES = 16
"""As `server.intake.TOKEN_BYTES`: 22 url-safe characters, 128 bits."""

NOTES = {
    "KK": (
        "Pindaian KK buram, nomor KK tidak terbaca; mohon pindai ulang.",
        "Halaman belakang KK tidak dilampirkan.",
    ),
    "KTP-EL": (
        "Pindaian KTP-el terpotong di sisi kanan; mohon pindai ulang seluruh kartu.",
        "Nama pada KTP-el berbeda dengan KK; lampirkan surat keterangan.",
    ),
    "SURAT-PENGANTAR-RT-RW": (
        "Surat pengantar RT/RW belum ditandatangani Ketua RW.",
        "Surat pengantar RT/RW sudah lewat 30 hari; mohon yang baru.",
    ),
    "AKTA-KELAHIRAN": ("Kutipan akta kelahiran belum dilegalisir.",),
    "PAS-FOTO": ("Pas foto berlatar belakang putih; yang diminta merah.",),
    "SURAT-PERNYATAAN": ("Surat pernyataan belum bermeterai.",),
}
GENERIC_NOTES = (
    "Berkas tidak terbaca, mohon pindai ulang.",
    "Dokumen belum dilegalisir.",
    "Halaman kedua tidak dilampirkan.",
)

_TEXT = {
    "keperluan": (
        "Persyaratan melamar pekerjaan",
        "Pendaftaran sekolah anak",
        "Pembukaan rekening bank",
        "Pengurusan BPJS Kesehatan",
        "Persyaratan pinjaman usaha",
    ),
    "data_baru": ("Wiraswasta", "Pegawai swasta", "Kawin", "Islam", "S1"),
    "nomor_paspor": ("C4827193", "X1093846", "B7720415"),
    "nomor_akta": ("1471-LT-12032019-0042", "1471-LU-05082015-1187", "1471-KW-20022020-0031"),
    "nomor": ("123/Pdt.P/2025/PN Pbr", "87/Pdt.G/2025/PA.Pbr", "45/Pdt.P/2026/PN Pbr"),
    "nomor_surat": ("STPLK/412/X/2026/SPKT", "STPLK/88/XI/2026/Sektor Sukajadi"),
    "nomor_skpwni": ("1371-SKPWNI-2026-004512", "3174-SKPWNI-2026-018833"),
    "pengadilan": ("Pengadilan Negeri Pekanbaru", "Pengadilan Agama Pekanbaru"),
    "tempat_kematian": ("RSUD Arifin Achmad Pekanbaru", "Rumah", "RS Awal Bros Pekanbaru"),
    "tempat": ("RSUD Arifin Achmad Pekanbaru", "Puskesmas Sidomulyo", "Pekanbaru"),
    "tempat_lahir": ("Pekanbaru",),
    "instansi_tujuan": ("SMA Negeri 8 Pekanbaru", "RSUD Arifin Achmad", "Dinas Sosial Kota"),
    "jenis": ("Kuliner", "Bengkel sepeda motor", "Kelontong", "Jahit pakaian"),
    "kua": ("KUA Kecamatan Sukajadi", "KUA Kecamatan Marpoyan Damai"),
    "dokumen": ("Ijazah SMA", "Akta kelahiran", "Buku tabungan", "Paspor"),
    "ditemukan_di": ("Terminal Bandar Raya Payung Sekaki", "Pasar Pusat Pekanbaru"),
    "tertulis": ("Muhamad", "Siti Aisah", "Pekan Baru"),
    "seharusnya": ("Muhammad", "Siti Aisyah", "Pekanbaru"),
    "keterangan": ("Anak kedua lahir bulan lalu.", "Pindah dari KK orang tua."),
}


def status_token(rng: random.Random) -> str:
    """A public status token like `secrets.token_urlsafe(16)`, from the seed's stream."""
    raw = rng.getrandbits(8 * TOKEN_BYTES).to_bytes(TOKEN_BYTES, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def checklist(
    rng: random.Random,
    requirements: Sequence[Requirement],
    notes: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A verifier's return for revision: every mandatory requirement checked, one or two not
    ok with a note, as the action route stores it (`ChecklistItem.model_dump()`), and the
    reason the route makes of it (`handover.reasons_from_checklist`)."""
    codes = [r.document_code for r in requirements if r.mandatory] or [
        r.document_code for r in requirements
    ]
    if notes is None:
        failing = set(rng.sample(codes, min(len(codes), 1 + (rng.random() < 0.3))))
        notes = {c: rng.choice(NOTES.get(c, GENERIC_NOTES)) for c in codes if c in failing}
    items = [
        ChecklistItem(requirement_code=c, ok=c not in notes, note=notes.get(c)).model_dump()
        for c in codes
    ]
    return items, reasons_from_checklist(items)


def handover(person: dict[str, Any]) -> dict[str, Any]:
    """A delivery's history details: collected by the applicant (`handover.details_for`)."""
    return {
        "handover": {
            "collector": "pemohon",
            "name": person["name"],
            "nik": person["nik"],
            "letter_document_id": None,
        }
    }


class ServiceData:
    """Values for a service's own fields (`Service.sections`), per field kind."""

    def __init__(
        self, rng: random.Random, home_kecamatan: list[str], away_villages: list[str]
    ) -> None:
        self.rng = rng
        self.home_kecamatan = home_kecamatan
        self.away_villages = away_villages
        self.serial = 0

    def make(self, service: Service, person: dict[str, Any], created: date) -> dict[str, str]:
        """The flat ``{"<section>.<field>": str}`` an operator would have typed. An
        applicant who is the child of a birth or KIA is that child."""
        data: dict[str, str] = {}
        for section in service.sections:
            optional = all(not f.required for f in section.fields)
            if optional and self.rng.random() < 0.4:
                continue  # e.g. the father not recorded
            for form_field in section.fields:
                if not form_field.required and not optional and self.rng.random() < 0.5:
                    continue
                key = section.key(form_field)
                data[key] = self._value(section, form_field, data, person, created)
        if service.code in ("AKTA-LAHIR", "SK-KELAHIRAN", "KIA") and "anak.nama" in data:
            data["anak.nama"] = person["name"]
            if "anak.tanggal_lahir" in data:
                data["anak.tanggal_lahir"] = person["birth_date"].isoformat()
                data["anak.jenis_kelamin"] = person["sex"]
            if "anak.nik" in data:
                data["anak.nik"] = person["nik"]
        return data

    def _nik(self, sex: str, birth: date) -> str:
        self.serial += 1
        region = self.rng.choice(self.home_kecamatan)
        return encode_nik(region, birth, sex, 1 + self.serial % 9999)  # type: ignore[arg-type]

    def _adult_birth(self, created: date) -> date:
        return created - timedelta(days=self.rng.randint(20 * 365, 70 * 365))

    def _value(
        self,
        section: FormSection,
        form_field: FormField,
        data: dict[str, str],
        person: dict[str, Any],
        created: date,
    ) -> str:
        rng, code, kind = self.rng, form_field.code, form_field.kind
        sex = data.get(f"{section.code}.jenis_kelamin") or EXPECTED_SEX.get(section.code)
        if sex not in ("L", "P"):
            sex = rng.choice("LP")
        if kind == "nik":
            birth_text = data.get(f"{section.code}.tanggal_lahir")
            if birth_text:
                birth = date.fromisoformat(birth_text)
            elif section.code == "anak":
                birth = created - timedelta(days=rng.randint(60, 16 * 365))
            else:
                birth = self._adult_birth(created)
            return self._nik(sex, birth)
        if kind == "kk":
            return encode_kk(rng.choice(self.home_kecamatan), created - timedelta(days=3000), 17)
        if kind == "tanggal":
            if code in ("tanggal_kematian", "tanggal") and section.code in ("jenazah", "kelahiran"):
                return (created - timedelta(days=rng.randint(1, 40))).isoformat()
            return (created - timedelta(days=rng.randint(60, 15 * 365))).isoformat()
        if kind == "pilihan":
            return rng.choice(form_field.choices)
        if kind == "wilayah":
            return rng.choice(self.away_villages)
        if kind == "telepon":
            return f"+62812{rng.randint(0, 99_999_999):08d}"
        if kind == "angka":
            high = {"lama_kandungan": 40, "perkiraan_umur": 70, "penghasilan": 0}.get(code, 6)
            if code == "penghasilan":
                return str(rng.randint(8, 30) * 100_000)
            return str(rng.randint(1 if high < 20 else 20, high))
        if kind == "teks_panjang":
            if code == "anggota":
                lines = []
                for _ in range(rng.randint(1, 3)):
                    member_sex = rng.choice("LP")
                    member = self._nik(member_sex, self._adult_birth(created))
                    lines.append(f"{member} {person_name(rng, member_sex)}")
                return "\n".join(lines)
            if code == "alamat":
                return f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}"
            return rng.choice(_TEXT["keterangan"])
        if code == "nama" or code.endswith("_nama"):
            return person_name(rng, sex)
        if code == "jam" or code.startswith("jam_"):
            return f"{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}"
        if code == "alamat":
            return f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}"
        if code == "nama_usaha":
            return f"Warung {person['name'].split()[0]}"
        return rng.choice(_TEXT.get(code, ("Sesuai dokumen pendukung",)))
