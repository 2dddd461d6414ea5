"""Papers printed at the counter (tanda terima, daftar perbaikan), as PDF bytes, without Qt.

reportlab draws them; the print preview (desktop/views/print_preview) shows and prints the very
bytes made here, so what the citizen takes home is what the operator saw.
"""
