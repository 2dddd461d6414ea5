"""Region codes and address parts as a verifier reads them on a KTP-el or KK.

Applications since issue 11 carry RT, RW and the kelurahan as a code; the verifier compares
them with the scans, so the code is named ("Kel. Jadirejo, Kec. Sukajadi, Kota Pekanbaru")
rather than shown as digits. Naming a kelurahan reads the full region list once per process
(`get_wilayah` shares it with the intake form and the revision panel).
"""

from __future__ import annotations

from desktop.domain.records import Applicant
from desktop.domain.wilayah import Wilayah, code_digits, get_wilayah


def _wilayah() -> Wilayah:
    return get_wilayah()


def region_text(code: str, wilayah: Wilayah | None = None) -> str:
    """A kelurahan/desa (or kecamatan, kabupaten/kota) code named with its parents; the code
    itself when the list does not know it (never an empty text for a given code)."""
    digits = code_digits(code)
    if digits is None:
        return code.strip()
    regions = wilayah or _wilayah()
    parts: list[str] = []
    if len(digits) == 10:
        desa = regions.lookup(digits)
        if desa is None:
            return code.strip()
        # The fourth part of the code says which: 1xxx kelurahan, 2xxx desa.
        parts.append(f"{'Kel.' if digits[6] == '1' else 'Desa'} {desa.name}")
    if len(digits) >= 6:
        kecamatan = regions.lookup_digits(digits[:6])
        if kecamatan is not None:
            parts.append(f"Kec. {kecamatan.name}")
    if len(digits) >= 4:
        kabkota = regions.lookup_digits(digits[:4])
        if kabkota is not None:
            parts.append(kabkota.name)
    if len(digits) == 2:
        provinsi = regions.lookup_digits(digits)
        if provinsi is not None:
            parts.append(provinsi.name)
    return ", ".join(parts) or code.strip()


def _neighbourhood(number: str | None) -> str:
    text = (number or "").strip()
    return text.zfill(3) if text.isdigit() else text


def rt_rw_text(rt: str | None, rw: str | None) -> str:
    """ "RT 003/RW 005" as the KTP-el prints it; only the parts given; "" for none."""
    parts = [
        f"{name} {value}"
        for name, value in (("RT", _neighbourhood(rt)), ("RW", _neighbourhood(rw)))
        if value
    ]
    return "/".join(parts)


def address_text(applicant: Applicant, wilayah: Wilayah | None = None) -> str:
    """Street, RT/RW and the named kelurahan, the parts an application has; "" for none."""
    parts = [
        (applicant.address or "").strip(),
        rt_rw_text(applicant.rt, applicant.rw),
        region_text(applicant.village_code, wilayah) if applicant.village_code else "",
    ]
    return ", ".join(p for p in parts if p)
