"""Application logic per feature, between the services and the widgets.

A controller decides what happens (open this application read-only, renew the claim every
few minutes, send the decision again when the server is back, pull every minute) and says so
through Qt signals; the views in `desktop.views` only show it. Controllers use QtCore (signals,
timers, the task runner) but never widgets and never `desktop.views` (checked by import-linter
and by the ruff ban in this folder), so each can be tested without a window.
"""
