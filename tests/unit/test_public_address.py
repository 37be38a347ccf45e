"""Who can open the hub's public address, and the address a hub serving without
HUB_PUBLIC_URL takes from its --host and --port."""

from __future__ import annotations

import pytest

from hub.installation.address import Reach, reach_of
from hub.settings import Settings


@pytest.mark.parametrize(
    ("url", "reach"),
    [
        ("https://sos.hotel-mirador.es", Reach.internet),
        ("http://203.0.113.9:8000", Reach.local_network),  # documentation range: not global
        ("http://8.8.8.8:8000", Reach.internet),
        ("http://[2001:4860:4860::8888]:8000", Reach.internet),
        ("http://127.0.0.1:8000", Reach.this_computer),
        ("http://127.1.2.3", Reach.this_computer),
        ("http://localhost:9333", Reach.this_computer),
        ("http://LOCALHOST.:9333", Reach.this_computer),
        ("http://hub.localhost", Reach.this_computer),
        ("http://[::1]:8000", Reach.this_computer),
        ("http://0.0.0.0:8000", Reach.this_computer),
        ("http://192.168.1.10:8000", Reach.local_network),
        ("http://10.0.0.5", Reach.local_network),
        ("http://172.20.1.1", Reach.local_network),
        ("http://169.254.3.4", Reach.local_network),
        ("http://[fd00::5]:8000", Reach.local_network),
        ("http://recepcion.local:8000", Reach.local_network),
        ("http://hub.lan", Reach.local_network),
        ("http://raspberrypi:8000", Reach.local_network),  # one label: the router's names
    ],
)
def test_an_address_is_judged_by_who_can_open_it(url: str, reach: Reach) -> None:
    assert reach_of(url) is reach


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 9334, "http://127.0.0.1:9334"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("192.168.1.10", 80, "http://192.168.1.10:80"),
        ("::", 9000, "http://[::1]:9000"),
        ("::1", 9000, "http://[::1]:9000"),
        ("localhost", 9333, "http://localhost:9333"),
    ],
)
def test_without_hub_public_url_a_served_hub_takes_the_address_it_listens_on(
    host: str, port: int, url: str
) -> None:
    served = Settings.from_env({}).serving_on(host, port)
    assert served.public_url == url
    assert served.public_origin == url
    assert served.secure_cookies is False  # plain http: a Secure cookie would be dropped


def test_a_given_hub_public_url_is_kept_whatever_the_port() -> None:
    given = Settings.from_env({"HUB_PUBLIC_URL": "https://sos.example.com/"})
    assert given.public_url_given
    assert given.serving_on("127.0.0.1", 9334) == given
    assert not Settings.from_env({"HUB_PUBLIC_URL": " "}).public_url_given  # blank: unset
