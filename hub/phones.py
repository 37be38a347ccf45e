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

    With its country ("+44 …", "0044 …") a number only needs a possible length there (the
    sender said where it is); without, it must be a valid number of `region`, or a valid
    international number whose "+" was left out.
    """
    text = raw.strip()
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+") or text.startswith("00"):
        number = _parsed("+" + (digits[2:] if text.startswith("00") else digits), None)
        return _e164(number) if number and phonenumbers.is_possible_number(number) else None
    if region:
        number = _parsed(digits, region)
        if number and phonenumbers.is_valid_number(number):
            return _e164(number)
    number = _parsed("+" + digits, None)
    return _e164(number) if number and phonenumbers.is_valid_number(number) else None
