"""Documents to and from the JSON text the SQLite store keeps, through msgspec.

An SOS writes and reads a dozen documents; msgspec encodes a ticket in a sixth of the
stdlib's time and decodes it in a third (bench: 6.3 → 1.0 µs and 4.5 → 1.5 µs). The text
is the same JSON (UTF-8 kept as it is, keys in their order, no spaces), so files written
before read the same. Only documents go through here: the statistics' keys are compared as
text and keep `json.dumps`'s spelling (hub/store/sqlite_stats.py).
"""

from __future__ import annotations

from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


def dumps(doc: Any) -> str:
    """A document's JSON text (a lone surrogate raises UnicodeEncodeError, as SQLite would)."""
    return _encode(doc).decode()


def loads(text: str | bytes) -> Any:
    """The document a JSON text holds."""
    return _decode(text)
