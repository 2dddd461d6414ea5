"""Administrator pages (issue 14): staff (Pengguna) and devices (Perangkat)."""

from desktop.views.admin.devices_page import DevicesPage
from desktop.views.admin.staff_page import StaffPage

__all__ = ["DevicesPage", "StaffPage"]
