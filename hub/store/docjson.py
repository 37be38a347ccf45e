"""Documents to and from the JSON text the SQLite store keeps, through msgspec.

An SOS writes and reads a dozen documents; msgspec encodes a ticket in a sixth of the
stdlib's time and decodes it in a third (timeit, a ticket: 6.3 → 1.0 µs and 4.5 → 1.5 µs).
The text is JSON of the same document (UTF-8 kept as it is, keys in their order) but spelled more
tightly: no space after `:` and `,`, `1e16` for `1e+16`. SQLite's JSON functions read both,
and nothing compares a document's text. NaN and infinities are written as null (the stdlib
wrote `NaN`, which is not JSON: SQLite's functions refuse it); a file holding such a
document from before is still read, by the stdlib. Only documents go through here: the
statistics' keys are compared as text and keep `json.dumps`'s spelling
(hub/store/sqlite_stats.py).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


def dumps(doc: Any) -> str:
    """A document's JSON text (a lone surrogate raises UnicodeEncodeError, as SQLite would)."""
    return _encode(doc).decode()


def loads(text: str | bytes) -> Any:
    """The document a JSON text holds."""
    try:
        return _decode(text)
    except msgspec.DecodeError:  # `NaN` as the stdlib wrote it before: not JSON to msgspec
        return json.loads(text)
