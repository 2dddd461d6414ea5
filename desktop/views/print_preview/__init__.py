"""Print preview of a PDF made by desktop.services.documents (seam 5 of issue 11)."""

from desktop.views.print_preview.dialog import PrintPreviewDialog

__all__ = ["PrintPreviewDialog"]
