"""The customer's address behind proxies, and the warning a forgotten proxy setting gets."""

from __future__ import annotations

import logging

import pytest

from hub.http import client_address as module
from hub.http.client_address import client_address


def test_a_trusted_proxy_is_believed_and_an_untrusted_one_is_not() -> None:
    assert client_address("10.0.0.2", "198.51.100.7", ["10.0.0.0/8"]) == "198.51.100.7"
    assert client_address("203.0.113.9", "198.51.100.7", ["10.0.0.0/8"]) == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.7", []) == "10.0.0.2"
    assert client_address("10.0.0.2", None, []) == "10.0.0.2"


def test_a_proxy_not_named_in_the_settings_is_warned_about_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # behind a reverse proxy that HUB_TRUSTED_PROXIES forgot, every customer is the proxy's
    # address to the rate limits and the flood budget: the operator must hear of it
    monkeypatch.setattr(module, "_warned", set())
    with caplog.at_level(logging.WARNING, logger=module.__name__):
        for guest in ("198.51.100.7", "198.51.100.8", "198.51.100.9"):
            assert client_address("10.1.2.3", guest, []) == "10.1.2.3"
        client_address("10.1.2.4", "198.51.100.7", ["192.0.2.0/24"])
        client_address("10.1.2.3", None, [])  # no header: nothing to say
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2
    assert "10.1.2.3" in warned[0] and "HUB_TRUSTED_PROXIES" in warned[0]
    assert "10.1.2.4" in warned[1]
