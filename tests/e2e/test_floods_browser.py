"""Floods in a browser: the console's banner, the held-back page's "release all", trusted
networks on the filters page.

A real hub with rate limits on (the flood budget comes with them); every SOS comes from this
machine's one address, like a hotel's guests behind its Wi-Fi.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from hub.moderation.floods import FLOOD_LIMIT
from tests.e2e.conftest import LiveHub, staff_page
from tests.kit import Serve, fresh_device, live_sos

pytestmark = pytest.mark.browser

SERVED = Serve(slugs=("mirador",), envs=({"HUB_RATE_LIMITS": "on"},))


def _api(hub: LiveHub, method: str, path: str, role: str = "manager") -> Any:
    auth = {"Authorization": f"Bearer {hub.seeded.tokens[role]}"}
    r = httpx.request(method, f"{hub.url}{path}", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _held(hub: LiveHub) -> int:
    return int(_api(hub, "GET", "/api/v1/floods")["held"])


def _flood(hub: LiveHub, more: int) -> None:
    """SOS from new phones on this one address until `more` more are held as a flood."""
    target = _held(hub) + more
    for _ in range(FLOOD_LIMIT + more + 5):
        live_sos(hub.url, hub.seeded, device=fresh_device())
        if _held(hub) >= target:
            return
    raise AssertionError(f"{more} more SOS were not held back as a flood")


def _held_sos(hub: LiveHub, device: str) -> dict[str, Any]:
    """One SOS from `device` on this address, held back (its sender is told nothing)."""
    before = _held(hub)
    sent = live_sos(hub.url, hub.seeded, device=device)
    assert _held(hub) == before + 1
    return sent


def _log_in(
    browser: Any, hub: LiveHub, lang: str, path: str, role: str = "agent"
) -> tuple[Any, Page, list[str]]:
    """`role` on `path` in `lang`, on a desk screen."""
    return staff_page(browser, hub, lang, path, 1280, 800, role)


def test_the_console_shows_live_how_many_sos_wait_as_a_flood_and_links_to_them(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _log_in(browser, live_hub, "es", "/console")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    banner = page.locator("#flood-notice")
    expect(banner).to_be_hidden()
    before = _held(live_hub)
    _flood(live_hub, 2)
    count = before + 2
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"{count} SOS retenidos como avalancha")
    # a screen reader hears it from a live region there from the page's start
    expect(page.get_by_role("status").filter(has_text="retenidos como avalancha")).to_have_text(
        f"{count} SOS retenidos como avalancha: han llegado muchos SOS nuevos desde una misma red."
    )
    link = banner.get_by_role("link", name="Revisarlos en Retenidos")
    expect(link).to_have_attribute("href", "/held-back")
    # hidden by its × (by keyboard), it stays hidden, even over a reload, until more are
    # held; the focus goes on to the board
    banner.get_by_role("button", name="Ocultar este aviso").focus()
    page.keyboard.press("Enter")
    expect(banner).to_be_hidden()
    expect(page.locator("#main")).to_be_focused()
    page.reload()
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    expect(page.locator("#board-summary")).not_to_be_empty()
    expect(banner).to_be_hidden()
    _flood(live_hub, 1)
    expect(banner).to_contain_text(f"{count + 1} SOS retenidos como avalancha")
    expect(banner).to_be_visible()
    # hidden again; one is released (fewer held): the next SOS held is news again
    banner.get_by_role("button", name="Ocultar este aviso").click()
    expect(banner).to_be_hidden()
    oldest = _api(live_hub, "GET", "/api/v1/floods")["items"][0]["ticket"]
    _api(live_hub, "POST", f"/api/v1/tickets/{oldest}/release", "agent")
    expect(banner).to_contain_text(f"{count} SOS retenidos como avalancha")
    expect(banner).to_be_hidden()
    _flood(live_hub, 1)
    expect(banner).to_contain_text(f"{count + 1} SOS retenidos como avalancha")
    expect(banner).to_be_visible()
    # a console opened later reads the count with the page
    other, fresh, more_problems = _log_in(browser, live_hub, "en", "/console", "manager")
    expect(fresh.locator("#flood-notice")).to_contain_text(
        f"{count + 1} SOS are held back as a flood"
    )
    link.click()
    page.wait_for_url("**/held-back")
    assert problems == [] and more_problems == []
    context.close()
    other.close()


def test_staff_release_a_networks_flood_at_once_and_the_consoles_banner_goes(
    browser: Any, live_hub: LiveHub
) -> None:
    _flood(live_hub, 3)
    held = _api(live_hub, "GET", "/api/v1/floods")
    [group] = held["items"]
    desk, console, desk_problems = _log_in(browser, live_hub, "en", "/console")
    expect(console.locator("#flood-notice")).to_be_visible()
    context, page, problems = _log_in(browser, live_hub, "en", "/held-back", "manager")
    floods = page.locator("#floods")
    expect(floods).to_be_visible()
    line = floods.locator("li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(
        f"One network: {group['count']} SOS, #{group['first_number']} to #{group['last_number']}"
    )
    assert "127.0.0.1" not in page.content()  # the page names no address
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    # a double click asks once and releases each SOS once
    line.get_by_role("button", name=f"Release all {group['count']}").dblclick()
    expect(page.locator("#held-status")).to_have_text(
        f"{group['count']} SOS released: they are on the consoles now."
    )
    expect(floods).to_be_hidden()
    assert len(dialogs) == 1 and "in the order they arrived" in dialogs[0]
    expect(page.locator("#held-rows tr", has_text="SOS number")).to_have_count(0)
    # on the consoles, each once and in arrival order; the banner is gone from the console
    expect(console.locator("#flood-notice")).to_be_hidden()
    events = _api(live_hub, "GET", "/api/v1/events?since=0")["items"]
    created = [e["data"]["number"] for e in events if e["name"] == "ticket.created"]
    released = [n for n in created if n >= group["first_number"]]
    assert len(released) == len(set(released))
    assert _held(live_hub) == 0
    assert problems == [] and desk_problems == []
    context.close()
    desk.close()


def test_a_manager_lists_trusted_networks_and_a_bad_one_is_named_in_spanish(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _log_in(browser, live_hub, "es", "/admin/filters", "manager")
    box = page.get_by_label("Redes de confianza (una por línea)")
    expect(box).to_be_visible()
    box.fill("203.0.113.7\nwifi del hotel")
    page.get_by_role("button", name="Guardar filtros").click()
    message = (
        "Redes de confianza: «wifi del hotel» no es una dirección ni una red. Escribe una por"
        " línea, como 203.0.113.7, 203.0.113.0/24 o 2001:db8:7::/56."
    )
    expect(page.locator("#filters-error")).to_have_text(message)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()
    box.fill("203.0.113.7\n0.0.0.0/0")  # would let every IPv4 network flood
    page.get_by_role("button", name="Guardar filtros").click()
    expect(page.locator("#filters-error")).to_contain_text(
        "Redes de confianza: «0.0.0.0/0» es demasiado amplia"
    )
    box.fill("203.0.113.7\n2001:db8:7::/56")
    page.get_by_role("button", name="Guardar filtros").click()
    expect(page.locator("#filters-status")).to_have_text("Guardado.")
    page.reload()
    expect(box).to_have_value("203.0.113.7/32\n2001:db8:7::/56")
    assert _api(live_hub, "GET", "/api/v1/filters")["trusted_networks"] == [
        "203.0.113.7/32",
        "2001:db8:7::/56",
    ]
    # the refused save is the one 400 the browser reports; no script error
    assert [p for p in problems if "status of 400" not in p] == []
    context.close()


def test_an_sos_released_on_another_screen_meanwhile_is_said_so_and_leaves_the_list(
    browser: Any, live_hub: LiveHub
) -> None:
    _flood(live_hub, 1)
    [group] = _api(live_hub, "GET", "/api/v1/floods")["items"]
    number = group["last_number"]
    context, page, problems = _log_in(browser, live_hub, "es", "/held-back")
    row = page.locator("#held-rows tr").filter(has=page.get_by_text(str(number), exact=True))
    expect(row).to_have_count(1)
    # a colleague releases it first, on their own screen
    _api(live_hub, "POST", f"/api/v1/floods/{group['ticket']}/release", "manager")
    row.get_by_role("button", name="Liberar", exact=True).click()
    expect(page.locator("#held-status")).to_have_text(
        f"Alguien ya había liberado el n.º {number}: está en las consolas."
    )
    expect(row).to_have_count(0)
    assert [p for p in problems if "status of 409" not in p] == []
    context.close()


def test_a_console_that_lost_its_connection_reads_the_count_when_it_is_back(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _log_in(browser, live_hub, "en", "/console")
    asked: list[str] = []  # every console, on every (re)connect: the count, not the list
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    main = page.locator("#main")
    expect(main).to_have_attribute("data-connection", "live")
    context.set_offline(True)  # the hotel's Wi-Fi drops: the pushes meanwhile are lost
    expect(main).not_to_have_attribute("data-connection", "live")
    _flood(live_hub, 1)
    count = _held(live_hub)
    context.set_offline(False)
    expect(main).to_have_attribute("data-connection", "live", timeout=30_000)
    expect(page.locator("#flood-notice")).to_contain_text(f"{count} SOS")
    expect(page.locator("#flood-notice")).to_be_visible()
    assert "/api/v1/floods/count" in asked and "/api/v1/floods" not in asked
    assert [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p] == []
    context.close()


def test_release_all_releases_what_the_line_showed_and_leaves_a_blocked_bots_held(
    browser: Any, live_hub: LiveHub
) -> None:
    _flood(live_hub, 1)  # past the budget: what comes now from this network is held
    bot = fresh_device()
    spam = [_held_sos(live_hub, bot), _held_sos(live_hub, bot)]
    # the page says: block the flooder first, then release
    auth = {"Authorization": f"Bearer {live_hub.seeded.tokens['agent']}"}
    r = httpx.post(
        f"{live_hub.url}/api/v1/tickets/{spam[0]['id']}/block", json={}, headers=auth, timeout=30
    )
    assert r.status_code == 201, r.text
    [group] = _api(live_hub, "GET", "/api/v1/floods")["items"]
    context, page, problems = _log_in(browser, live_hub, "es", "/held-back", "manager")
    line = page.locator("#floods li")
    expect(line).to_contain_text(f"n.º {group['last_number']} (")
    later = _held_sos(live_hub, fresh_device())
    page.on("dialog", lambda dialog: dialog.accept())
    line.get_by_role("button", name=f"Liberar los {group['count']}").click()
    expect(page.locator("#held-status")).to_have_text(
        f"{group['count'] - 2} SOS liberados: ya están en las consolas."
        " 2 SOS siguen retenidos: su remitente está bloqueado."
    )
    # the SOS held after the page listed them is still held, on a line of its own
    expect(line).to_have_count(1)
    expect(line).to_contain_text(f"1 SOS, n.º {later['number']}")
    # the focus went on to the remaining line's button, not to the page's body
    expect(line.get_by_role("button", name="Liberarlo")).to_be_focused()
    rows = page.locator("#held-rows tr")
    expect(rows.filter(has_text="Remitente bloqueado")).to_have_count(2)
    assert _held(live_hub) == 1
    assert problems == []
    context.close()


def test_a_networks_one_held_sos_is_released_in_the_singular(
    browser: Any, live_hub: LiveHub
) -> None:
    """ "Liberar los 1" read as a mistake to the staff who asked for it."""
    for group in _api(live_hub, "GET", "/api/v1/floods")["items"]:  # earlier tests' leftovers
        _api(live_hub, "POST", f"/api/v1/floods/{group['ticket']}/release", "manager")
    _flood(live_hub, 1)
    context, page, problems = _log_in(browser, live_hub, "es", "/held-back", "manager")
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    line = page.locator("#floods li")
    expect(line).to_have_count(1)
    line.get_by_role("button", name="Liberarlo", exact=True).click()
    expect(page.locator("#held-status")).to_have_text("1 SOS liberado: ya está en las consolas.")
    expect(page.locator("#held-status")).to_be_focused()  # no line left: what it said
    assert dialogs == [
        "¿Liberar el SOS retenido de esta red? Llega a las consolas como si acabara de llegar."
    ]
    assert problems == []
    context.close()
