"""The counter's keyboard shortcuts, as data (issue 11): the intake page installs its keys from
here, and the shell's F1 list and the manual (docs/manual/pintasan.md) show the same table, so
they cannot disagree. Same shape as the workbench's (`views.workbench.shortcuts.Shortcut`).

Key choice: Ctrl+N is "new" everywhere; Ctrl+Enter submits (Enter alone only moves to the next
field: a typist's habit never submits a half-filled form); Ctrl+Shift+J is the workbench's
Ajukan/Ajukan ulang, also on the revision panel. The handover dialog's Alt keys are written on
its controls; the print preview follows every program's Ctrl+P/Ctrl+S.
"""

from __future__ import annotations

from desktop.views.workbench.shortcuts import ALL_SHORTCUTS, Shortcut

SCOPE_INTAKE = "Pendaftaran"
SCOPE_REVISION = "Perbaikan (permohonan dikembalikan)"
SCOPE_HANDOVER = "Serahkan dokumen"
SCOPE_PREVIEW = "Pratinjau cetak"

COUNTER_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(
        "intake_new", ("Ctrl+N",), "Draf baru (pilih layanan); dari halaman mana saja", SCOPE_INTAKE
    ),
    Shortcut(
        "intake_submit",
        ("Ctrl+Return", "Ctrl+Enter"),
        "Ajukan (periksa isian dan permohonan ganda, lalu tanda terima)",
        SCOPE_INTAKE,
    ),
    Shortcut(
        "intake_next_field",
        ("Enter",),
        "Ke kolom berikutnya (tidak pernah mengajukan)",
        SCOPE_INTAKE,
    ),
    Shortcut(
        "intake_scan",
        ("Ctrl+Shift+P",),
        "Pindai dokumen untuk persyaratan yang dipilih (atau yang wajib dan belum ada berkasnya)",
        SCOPE_INTAKE,
    ),
    Shortcut("intake_service", ("Alt+L",), "Ke pilihan layanan", SCOPE_INTAKE),
    Shortcut("intake_fill_known", ("Alt+I",), "Isi data pemohon yang sudah dikenal", SCOPE_INTAKE),
    Shortcut("revision_print", ("Ctrl+P",), "Cetak daftar kekurangan", SCOPE_REVISION),
    Shortcut("revision_resubmit", ("Ctrl+Shift+J",), "Ajukan ulang", SCOPE_REVISION),
    Shortcut("handover_applicant", ("Alt+P",), "Diambil pemohon sendiri", SCOPE_HANDOVER),
    Shortcut("handover_proxy", ("Alt+K",), "Diambil kuasa (dengan surat kuasa)", SCOPE_HANDOVER),
    Shortcut("handover_checked", ("Alt+D",), "KTP asli pemohon sudah dicocokkan", SCOPE_HANDOVER),
    Shortcut("handover_name", ("Alt+N",), "Nama kuasa", SCOPE_HANDOVER),
    Shortcut("handover_nik", ("Alt+I",), "NIK kuasa", SCOPE_HANDOVER),
    Shortcut("handover_letter", ("Alt+L",), "Lampirkan surat kuasa", SCOPE_HANDOVER),
    Shortcut("handover_back", ("Alt+M",), "Kembali (pertanyaan terakhir)", SCOPE_HANDOVER),
    Shortcut("handover_confirm", ("Alt+Y",), "Ya, serahkan (pertanyaan terakhir)", SCOPE_HANDOVER),
    Shortcut("preview_print", ("Ctrl+P",), "Cetak", SCOPE_PREVIEW),
    Shortcut("preview_save", ("Ctrl+S",), "Simpan PDF", SCOPE_PREVIEW),
    Shortcut("preview_layout", ("Alt+B",), "Bentuk tanda terima", SCOPE_PREVIEW),
    Shortcut("preview_paper", ("Alt+K",), "Kertas", SCOPE_PREVIEW),
    Shortcut("preview_close", ("Esc",), "Tutup (Enter tidak mencetak apa pun)", SCOPE_PREVIEW),
)

BY_ID: dict[str, Shortcut] = {s.id: s for s in COUNTER_SHORTCUTS}

SHELL_HELP: tuple[Shortcut, ...] = ALL_SHORTCUTS + COUNTER_SHORTCUTS
"""What F1 lists in the signed-in window: the window's, the queue's, the workbench's and the
counter's keys."""


def keys(shortcut_id: str) -> tuple[str, ...]:
    return BY_ID[shortcut_id].keys
