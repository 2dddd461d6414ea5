"""The queue page: status counts, filters, search, the lazy table and the barcode reader."""
