"""The GSM 03.38 alphabet (3GPP TS 23.038) and the one helper that keeps an SMS inside it.

A single character outside it makes the whole SMS go as UCS-2: 70 characters a part
instead of 160, so a business pays two or three times per SMS. Every SMS the hub sends
(hub/notify/render.py, `Renderer.sms`) goes through `gsm_safe`.
"""

from __future__ import annotations

import unicodedata

# The basic set in code order, 0x00-0x7F; 0x1B is the escape to the extension table, not a
# character of its own.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
ESCAPE = "\x1b"
# The extension table (each sent as escape + code: two septets), by code.
GSM_EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
GSM_CHARACTERS = frozenset(GSM_BASIC.replace(ESCAPE, "")) | frozenset(GSM_EXTENSION.values())

# Characters the hub's catalogs, names and typed text carry that have a plain GSM spelling
# Unicode does not give by decomposition (accented letters do: "á" is "a" and an accent).
_SPELLED = {
    "’": "'",
    "‘": "'",
    "‚": "'",
    "‹": "'",
    "›": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "−": "-",
    "•": "-",
    "·": ".",  # Catalan "l·l" is written "l.l" where the middle dot is missing
    "œ": "oe",
    "Œ": "OE",
    "\t": " ",
}

# Vulgar fractions decompose to digits around U+2044: "½" is spelled "1/2".
_FRACTION_SLASH = {"\u2044": "/"}


def is_gsm7(text: str) -> bool:
    """Whether `text` goes as a GSM SMS (basic set and extension table), 160 a part."""
    return all(ch in GSM_CHARACTERS for ch in text)


def _fold(ch: str) -> str:
    if ch in GSM_CHARACTERS:
        return ch
    if ch in _SPELLED:
        return _SPELLED[ch]
    parts = [_FRACTION_SLASH.get(c, c) for c in unicodedata.normalize("NFKD", ch)]
    if any(c not in GSM_CHARACTERS and not unicodedata.combining(c) for c in parts):
        return ch  # part of it has no GSM spelling ("½" must not become "12"): as written
    return "".join(c for c in parts if c in GSM_CHARACTERS) or ch  # accents dropped


def gsm_safe(text: str) -> str:
    """`text` in GSM characters: accents the alphabet lacks dropped ("Reclamación" is
    "Reclamacion", "ç" is "c"), typographic marks made plain ("…" is "...", " · " is " - ",
    curly quotes straight), no-break spaces plain. A character with no GSM spelling at all
    (Cyrillic, Chinese, an emoji in a guest's text) is kept: the SMS then goes as unicode,
    dearer but still readable, rather than as question marks."""
    flat = unicodedata.normalize("NFC", text).replace(" · ", " - ")
    return "".join(_fold(ch) for ch in flat)
