"""Spreadsheet cells that stay data: what a customer typed never runs as a formula.

Excel, LibreOffice and Google Sheets read a cell starting with `=`, `+`, `-` or `@` as a
formula (and a leading tab or carriage return hides one), so a customer's "=HYPERLINK(…)"
would run on the manager's machine (CSV injection, OWASP). Such a cell gets a leading `'`:
spreadsheets show the text as typed. Numbers the hub writes itself are not text and pass.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as CSV cell text: None empty, booleans `yes`/`no`, numbers as they are, text
    neutralised when it could start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
