"""Phone numbers read as an SMS reaches them (hub/phones.py)."""

from __future__ import annotations

import pytest

from hub.phones import (
    comparable,
    international,
    old_block_values,
    region_of,
    same_number,
    spellings,
)


def test_a_business_s_country_comes_from_its_time_zone() -> None:
    assert region_of("Europe/Madrid") == "ES"
    assert region_of("Atlantic/Canary") == "ES"
    assert region_of("America/New_York") == "US"
    assert region_of("UTC") is None and region_of(None) is None


@pytest.mark.parametrize(
    ("typed", "region", "read"),
    [
        ("611 222 333", "ES", "+34611222333"),  # +61 (Australia) when sent as typed
        ("655-44-33-22", "ES", "+34655443322"),  # +65 (Singapore)
        ("600 11 12 22", "ES", "+34600111222"),  # +60 (Malaysia)
        ("34600111222", "ES", "+34600111222"),
        ("34600111222", None, "+34600111222"),
        ("+34 600 111 222", None, "+34600111222"),
        ("0034 600 111 222", "FR", "+34600111222"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+44 7700 900123", "ES", "+447700900123"),
        # countries whose numbers have eight digits and no trunk zero
        ("22 33 44 55", "DK", "+4522334455"),
        ("412 34 567", "NO", "+4741234567"),
        ("9123 4567", "SG", "+6591234567"),
        # Australia's exit code, at an Australian business and from an Australian anywhere
        ("0011 44 20 7946 0958", "AU", "+442079460958"),
        ("0011 34 612 345 678", "ES", "+34612345678"),
        ("0011 34 612 345 678", None, "+34612345678"),
        ("0011 1234", "AU", None),
        # a trunk zero in brackets is not dialled from abroad
        ("+44 (0)20 7946 0958", "ES", "+442079460958"),
        ("+34 (0) 612 345 678", "FR", "+34612345678"),
        ("0034 (0)612 345 678", "AU", "+34612345678"),
        ("+34 (0) 12", "ES", None),
        # Italy dials its leading 0 from abroad too: the brackets are only style there
        ("+39 (0)6 6982 1234", "ES", "+390669821234"),
        ("0039 (0)6 6982 1234", "ES", "+390669821234"),
        ("611 222 333", None, None),  # no country to read it in, and no valid one abroad
        ("07700 900123", "ES", None),  # a British number without its country
        ("600 11", "ES", None),
        ("------", "ES", None),
    ],
)
def test_numbers_are_read_in_the_business_s_country_unless_they_name_their_own(
    typed: str, region: str | None, read: str | None
) -> None:
    assert international(typed, region) == read


@pytest.mark.parametrize(
    ("stored", "region", "key"),
    [
        ("+4522334455", "DK", "+4522334455"),  # stored E.164
        ("22 33 44 55", "DK", "+4522334455"),  # stored as typed, before E.164
        ("22 33 44 55", "NO", "+4722334455"),  # the business's country decides
        ("600 111 222", None, "600111222"),  # no reading: its last nine digits
    ],
)
def test_stored_phones_are_compared_as_e164_read_in_the_business_s_country(
    stored: str, region: str | None, key: str
) -> None:
    assert comparable(stored, region) == key


def test_only_phones_that_never_read_as_numbers_fall_back_to_their_last_nine_digits() -> None:
    assert same_number("+4522334455", "+4522334455")
    assert not same_number("+4522334455", "+4722334455")  # same digits, another country
    assert same_number("+34600111222", "600111222")
    assert not same_number("+34600111222", "600111223")
    assert not same_number("", "")


def test_old_phone_blocks_are_found_by_the_digits_they_kept() -> None:
    # "22 33 44 55" kept "22334455"; "+45 22 33 44 55" kept "522334455"
    assert old_block_values("+4522334455") == ["22334455", "522334455"]
    assert old_block_values("+447700900123") == ["700900123"]  # "07700 900123" or "+44 …"
    assert old_block_values("600111222") == []


def test_a_number_is_looked_up_as_guests_typed_it_before_it_was_kept_e164() -> None:
    found = spellings("+34600111222")
    for typed in ("600 111 222", "600111222", "+34 600 11 12 22", "0034600111222", "+34600111222"):
        assert typed in found
    assert "07700 900123" in spellings("+447700900123")  # with its trunk zero, at home
    assert len(found) < 100  # one store query, bounded


@pytest.mark.parametrize(
    ("e164", "typed"),
    [
        ("+12125550123", "212-555-0123"),
        ("+12125550123", "212 555 0123"),
        ("+12125550123", "(212) 555-0123"),
        ("+12125550123", "+1 (212) 555-0123"),
        ("+12125550123", "+1 212-555-0123"),
        ("+447700900123", "07700 900 123"),
        ("+447700900123", "+44 7700 900 123"),
        ("+390669821234", "06 6982 1234"),
    ],
)
def test_a_number_is_looked_up_grouped_as_its_country_writes_it(e164: str, typed: str) -> None:
    found = spellings(e164)
    assert typed in found
    assert len(found) < 100
