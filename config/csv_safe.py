"""The one CSV writer of every export: cells that a spreadsheet would run as a formula are
neutralised (issue 10, case 9; OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a leading apostrophe, which spreadsheets show as text: a student named
``=HYPERLINK("https://evil.test", "grades")`` is exported as
``'=HYPERLINK("https://evil.test", "grades")``. Numbers (``int``, ``Decimal``, …) are written
as they are, so a negative mark stays a number. ``tests/test_architecture.py`` holds that no
other module writes CSV.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows go through ``safe_cell``."""

    def __init__(self, stream: Any, **fmtparams: Any):
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **fmtparams: Any) -> SafeWriter:
    return SafeWriter(stream, **fmtparams)
