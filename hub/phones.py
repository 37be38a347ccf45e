"""Phone numbers as an SMS can reach them: international (E.164), read in the business's country.

A guest at a Spanish hotel writes "611 222 333", not "+34 611 222 333", and so does a manager
typing the night manager's mobile into a rule. Sent as typed, "611222333" is +61 (Australia):
the SMS went abroad and the provider answered "accepted". So a number without its country
(no "+" or "00") is read as a number of the business's own country, from its time zone; failing
that, as an international number written without its "+" (CONTRACT.md: "34600111222"). A number
neither reading makes valid is refused, and the sender is asked for the country.
Google's numbering data (`phonenumbers`) knows each country's lengths and ranges.
"""

from __future__ import annotations

import re

import phonenumbers
from babel.core import get_global

_NOT_DIGITS = re.compile(r"\D")
# "+34 (0) 612 …": the trunk zero dialled at home, written in brackets after the country
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL


def region_of(timezone: str | None) -> str | None:
    """The country of a time zone ('Europe/Madrid' is 'ES'); None for UTC and the like."""
    found = get_global("zone_territories").get(timezone or "")
    return str(found) if found else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _parsed(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def international(raw: str, region: str | None) -> str | None:
    """`raw` as E.164 ('+34611222333'), or None when no SMS could reach it.

    With its country ("+44 …", "0044 …", Australia's "0011 44 …") a number only needs a
    possible length there (the sender said where it is); without, it must be a valid number
    of `region`, or a valid international number whose "+" was left out. A trunk zero in
    brackets after the country ("+34 (0) 612 …", "+44 (0)20 …") is not dialled from abroad,
    unless the number is valid only with it (Italy keeps its 0: "+39 (0)6 6982 1234").
    """
    text = raw.strip()
    if not (text.startswith("+") or text.startswith("00")) or not _TRUNK_ZERO.search(text):
        return _read(text, region)
    as_typed = _read(text, region)
    if as_typed and _is_valid(as_typed):
        return as_typed
    without = _read(_TRUNK_ZERO.sub(" ", text), region)
    if without and _is_valid(without):
        return without
    return without or as_typed


def _is_valid(e164: str) -> bool:
    number = _parsed(e164, None)
    return bool(number and phonenumbers.is_valid_number(number))


def _read(text: str, region: str | None) -> str | None:
    """`international` of `text` as it stands."""
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+"):
        return _possible("+" + digits)
    if text.startswith("00"):
        # the business's own exit code first (Australia's is 0011), then the common "00"
        found = _with_exit_code(text, region) or _possible("+" + digits[2:])
        if found is None and digits.startswith("0011"):
            found = _valid("+" + digits[4:], None)  # "0011" from an Australian, anywhere
        return found
    return (_valid(digits, region) if region else None) or _valid("+" + digits, None)


def _possible(text: str) -> str | None:
    number = _parsed(text, None)
    return _e164(number) if number and phonenumbers.is_possible_number(number) else None


def _valid(text: str, region: str | None) -> str | None:
    number = _parsed(text, region)
    return _e164(number) if number and phonenumbers.is_valid_number(number) else None


def _with_exit_code(text: str, region: str | None) -> str | None:
    """`text` dialled abroad from `region` with that country's own exit code."""
    if not region:
        return None
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    dialled_abroad = (
        number.country_code_source == phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD
    )
    return _e164(number) if dialled_abroad and phonenumbers.is_possible_number(number) else None


# Matching one sender's phone across blocks and tickets. Stored values may predate E.164:
# tickets held the number as typed, phone blocks its last nine digits.

TAIL = 9  # the digits a block kept before phones were stored international


def tail(value: str) -> str:
    """The last nine digits: how a phone block was stored before (and the only key left for
    stored data no reading makes a number of)."""
    return _NOT_DIGITS.sub("", value)[-TAIL:]


def comparable(raw: str, region: str | None) -> str:
    """The key a stored phone is matched on: E.164 when it reads as a number (a ticket stored
    as typed is read in the business's country, as at intake), else its last nine digits."""
    return international(raw, region) or tail(raw)


def same_number(a: str, b: str) -> bool:
    """Whether two `comparable` keys name one phone: exactly, unless one never read as a
    number (stored before intake checked them), which only its last nine digits can match."""
    if a.startswith("+") and b.startswith("+"):
        return a == b
    return bool(tail(a)) and tail(a) == tail(b)


def _forms(e164: str) -> tuple[str, str, str] | None:
    """Country code, national significant number and national digits (trunk prefix and
    all: "07700900123") of an E.164 number."""
    number = _parsed(e164, None) if e164.startswith("+") else None
    if number is None:
        return None
    national = phonenumbers.format_number(number, _NATIONAL)
    return (
        str(number.country_code),
        str(phonenumbers.national_significant_number(number)),
        _NOT_DIGITS.sub("", str(national)),
    )


def old_block_values(e164: str) -> list[str]:
    """The values a phone block naming this number held before blocks were kept E.164: the
    last nine digits as staff typed it, with its country or without ("22 33 44 55" in
    Denmark kept "22334455", "+45 22 33 44 55" kept "522334455")."""
    forms = _forms(e164)
    if forms is None:
        return []
    country, significant, national = forms
    return sorted({tail(country + significant), tail(significant), tail(national)} - {""})


def spellings(e164: str) -> list[str]:
    """The ways a guest may have typed this number when tickets kept it as typed ("600 111
    222", "+34 600 11 12 22", "0034600111222", "212-555-0123", "+1 (212) 555-0123",
    "07700 900 123" …): the exact values a store query can ask for. Grouped as the
    numbering plan groups it (phonenumbers' national and international formats), its long
    groups in threes, or all in threes; with spaces, dashes, dots or nothing between, the
    first group in brackets. Bounded, so not every spelling: an unusual one is still found
    through the guest's device."""
    number = _parsed(e164, None) if e164.startswith("+") else None
    forms = _forms(e164)
    if number is None or forms is None:
        return [e164]
    country, significant, national = forms
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    abroad = _grouped(significant, str(written).removeprefix(f"+{country}"))
    home = _grouped(national, str(phonenumbers.format_number(number, _NATIONAL)))
    out = {e164, *home}
    for prefix in (f"+{country}", f"00{country}", country):
        out |= {prefix + body for body in abroad if not body.startswith("(")}
        out |= {f"{prefix} {body}" for body in abroad}
    return sorted(out)


def _grouped(digits: str, formatted: str) -> set[str]:
    """`digits` as people write them: as the numbering plan groups them (`formatted`), its
    groups of six or more in threes ("07700 900 123"), or all in threes; run together or
    with spaces, dashes or dots between, or the first group in brackets ("(212) 555-0123")."""
    plan = [g for g in _NOT_DIGITS.split(formatted) if g]
    if "".join(plan) != digits:
        plan = [digits]  # a format that is not these digits (never expected): no plan
    split = [part for g in plan for part in (_threes(g) if len(g) > 5 else [g])]
    out = {digits, formatted.strip()}
    for groups in (plan, split, _threes(digits)):
        out |= {sep.join(groups) for sep in " -."}
    for groups in (plan, split):
        if len(groups) > 2:
            out |= {f"({groups[0]}) {sep.join(groups[1:])}" for sep in " -"}
    return out


def _threes(digits: str) -> list[str]:
    return [digits[i : i + 3] for i in range(0, len(digits), 3)]
