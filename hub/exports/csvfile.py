"""CSV as spreadsheets read it: UTF-8 with a byte-order mark, a header row, RFC 4180 quoting.

The mark makes Excel read accents right (without it, "Atención" arrives as "AtenciÃ³n");
LibreOffice and Python's `utf-8-sig` skip it. Rows are written a batch at a time, so the
file leaves as it is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.clock import parse_iso
from hub.exports.cells import safe_cell

BOM = "\ufeff"
BATCH = 200  # rows per chunk sent


def encode_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV bytes, each cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


async def stream_csv(
    header: Sequence[str], rows: AsyncIterator[Sequence[Any]]
) -> AsyncIterator[bytes]:
    """The mark and the header, then the rows in chunks of BATCH."""
    yield BOM.encode("utf-8") + encode_rows([header])
    batch: list[Sequence[Any]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield encode_rows(batch)
            batch = []
    if batch:
        yield encode_rows(batch)


def local_time(value: Any, zone: ZoneInfo) -> str | None:
    """A stored UTC time as the business's wall clock, `YYYY-MM-DD HH:MM:SS` (what a
    spreadsheet recognises as a date-time); None stays empty."""
    if not value:
        return None
    moment: datetime = parse_iso(str(value)).astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def minutes_between(start: Any, end: Any) -> float | None:
    if not start or not end:
        return None
    return round(max(0.0, (parse_iso(str(end)) - parse_iso(str(start))).total_seconds() / 60), 1)
