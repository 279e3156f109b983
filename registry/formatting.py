"""How money and dates read on pages, in emails and in the open data, and how CSV exports are written.

The bottom layer: it imports nothing from the registry, so every feature
(and the templates, through registry/templating.py) can use it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TextIO

# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|..., @SUM(...)): "CSV injection", in OWASP's words.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money(pence: int | None) -> str:
    """'£15' or '£15.50' from whole pence; '' for no amount."""
    if pence is None:
        return ""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def long_date(value: date | datetime | None) -> str:
    """'3 March 2026', the GOV.UK date style."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as written: text starting like a formula gets a leading ``'``.

    OWASP's recommendation for CSV exports; Excel, LibreOffice and Google
    Sheets show such a cell as text and hide the quote. Numbers, dates and
    None are left alone, so a rate stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CsvWriter:
    """A ``csv.writer`` whose every cell goes through :func:`spreadsheet_text`. Every CSV export writes with it."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
