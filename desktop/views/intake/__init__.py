"""The operator's intake page ("Pendaftaran"): drafts, the catalogue-driven form, the receipt."""

from desktop.views.intake.page import IntakePage

__all__ = ["IntakePage"]
