"""Supervision reports (issue 14), computed in SQL over applications and their history.

One module per report: `activity` (counts of actions), `steps` (median / p90 time per step),
`sla` (met or missed per completed application), `backlog` (open applications by working-day
age). `period` parses and checks the requested period and turns local dates into UTC bounds;
`sqlbits` holds the few expressions SQLite and PostgreSQL spell differently.
"""
