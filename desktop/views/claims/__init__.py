"""The Klaim page (issue 14): supervisors see who holds which application and for how long."""

from desktop.views.claims.page import ClaimsPage

__all__ = ["ClaimsPage"]
