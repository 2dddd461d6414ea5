"""Scanning (issue 12): backends behind one interface (`device.py`), the page pipeline, the NIK
read from a scanned card, and the scanned batch the page editor works on. No widgets here."""
