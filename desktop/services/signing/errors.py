"""Why a signature was not made, each with one Indonesian sentence for the official.

Every failure leaves the document unsigned: the signers return signed bytes or raise
`SigningError`, never half a result. `detail` keeps the technical words for the log (never
the passphrase, never a full NIK).
"""

from __future__ import annotations

from enum import StrEnum

from desktop.services.api.errors import LoketError


class SignProblem(StrEnum):
    NOT_PDF = "not_pdf"
    NOT_PKCS12 = "not_pkcs12"
    WRONG_PASSPHRASE = "wrong_passphrase"
    CERT_EXPIRED = "cert_expired"
    CERT_NOT_YET_VALID = "cert_not_yet_valid"
    CERT_INACTIVE = "cert_inactive"
    USER_NOT_REGISTERED = "user_not_registered"
    SERVICE_ERROR = "service_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    BAD_SIGNED_FILE = "bad_signed_file"
    TIMESTAMP_FAILED = "timestamp_failed"
    BAD_PLACEMENT = "bad_placement"


_MESSAGES: dict[SignProblem, str] = {
    SignProblem.NOT_PDF: "Berkas yang akan ditandatangani bukan PDF yang dapat dibaca.",
    SignProblem.NOT_PKCS12: (
        "Berkas sertifikat bukan sertifikat elektronik PKCS#12 (.p12/.pfx). "
        "Pilih berkas sertifikat yang benar."
    ),
    SignProblem.WRONG_PASSPHRASE: (
        "Passphrase sertifikat elektronik salah. Dokumen belum ditandatangani; silakan coba lagi."
    ),
    SignProblem.CERT_EXPIRED: (
        "Sertifikat elektronik sudah kedaluwarsa. Dokumen belum ditandatangani; "
        "perbarui sertifikat Anda."
    ),
    SignProblem.CERT_NOT_YET_VALID: (
        "Sertifikat elektronik belum berlaku. Periksa tanggal dan jam komputer, "
        "atau tunggu sampai sertifikat berlaku."
    ),
    SignProblem.CERT_INACTIVE: (
        "Sertifikat elektronik Anda tidak aktif (kedaluwarsa atau dicabut) di BSrE. "
        "Dokumen belum ditandatangani; ajukan penerbitan ulang sertifikat."
    ),
    SignProblem.USER_NOT_REGISTERED: (
        "Pengguna tidak terdaftar di layanan tanda tangan elektronik BSrE. "
        "Periksa NIK penanda tangan atau daftarkan sertifikat elektroniknya."
    ),
    SignProblem.SERVICE_ERROR: (
        "Layanan tanda tangan elektronik sedang bermasalah. Dokumen belum ditandatangani; "
        "coba lagi beberapa saat lagi."
    ),
    SignProblem.TIMEOUT: (
        "Layanan tanda tangan elektronik tidak menjawab tepat waktu. Dokumen belum "
        "ditandatangani; coba lagi."
    ),
    SignProblem.UNREACHABLE: (
        "Layanan tanda tangan elektronik tidak dapat dihubungi. Dokumen belum ditandatangani."
    ),
    SignProblem.BAD_SIGNED_FILE: (
        "Layanan tanda tangan elektronik mengembalikan berkas yang bukan PDF bertanda tangan "
        "yang utuh. Berkas itu tidak dipakai; dokumen belum ditandatangani."
    ),
    SignProblem.TIMESTAMP_FAILED: (
        "Server cap waktu (TSA) tidak dapat dihubungi. Dokumen belum ditandatangani."
    ),
    SignProblem.BAD_PLACEMENT: ("Letak kotak tanda tangan tidak berada di dalam halaman dokumen."),
}


def sign_problem_message(problem: SignProblem) -> str:
    return _MESSAGES[problem]


class SigningError(LoketError):
    """A signature was not made; the input PDF is untouched and nothing signed was kept."""

    def __init__(self, problem: SignProblem, *, detail: str = "") -> None:
        super().__init__(sign_problem_message(problem))
        self.problem = problem
        self.detail = detail

    def __repr__(self) -> str:
        return f"SigningError({self.problem.value!r})"
