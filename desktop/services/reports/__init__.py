"""Supervision reports on the desktop (issue 14), Qt-free: the server's report endpoints read
and shaped into tables (`data`), charts (`charts`), and the printable exports with the same
numbers: PDF (`pdf`), XLSX (`spreadsheet`) and CSV (`csv_export`)."""
