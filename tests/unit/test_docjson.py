"""The SQLite store's documents to and from JSON (hub/store/docjson.py)."""

from __future__ import annotations

import json
import math

from hub.store import docjson


def test_a_document_comes_back_as_it_went_in() -> None:
    doc = {
        "id": "t1",
        "text": "Año nuevo, ducha rota — 🚿\u2028",
        "number": 2**70,
        "ratio": 0.1,
        "contact": None,
        "tags": ["a", "b"],
        "nested": {"z": 1, "a": 2},
    }
    text = docjson.dumps(doc)
    assert "Año" in text  # UTF-8 as it is, not \\u escapes
    back = docjson.loads(text)
    assert back == doc
    assert list(back["nested"]) == ["z", "a"]  # keys in their order
    assert json.loads(text) == doc  # plain JSON to anyone else


def test_nan_is_written_as_null_and_a_document_from_before_still_reads() -> None:
    assert docjson.loads(docjson.dumps({"x": math.nan})) == {"x": None}
    old = json.dumps({"x": math.nan, "y": 1})  # what the stdlib wrote before: `NaN`
    back = docjson.loads(old)
    assert math.isnan(back["x"]) and back["y"] == 1
