"""Pages never promise SMS or e-mail a hub cannot send: the rules' dry run and the console.

Two real hubs on one SQLite file: the first has no SMS nor e-mail service, the second only
e-mail (a mail server named; nothing is sent in these tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, staff_page
from tests.kit import Serve, live_sos, serve

pytestmark = pytest.mark.browser

EMAIL_ONLY = {"HUB_SMTP_HOST": "127.0.0.1", "HUB_SMTP_PORT": "9", "HUB_SMTP_TLS": "none"}


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHub, LiveHub]]:
    """[0]: no SMS nor e-mail service; [1]: e-mail only."""
    spec = Serve(slugs=("mirador",), envs=({}, EMAIL_ONLY))
    with serve(spec, tmp_path_factory.mktemp("channels")) as served:
        tenant = served.tenants["mirador"]
        yield LiveHub(served.hubs[0], tenant, served.db), LiveHub(served.hubs[1], tenant, served.db)


def test_the_dry_run_marks_recipients_no_service_would_reach(
    browser: Any, hubs: tuple[LiveHub, LiveHub]
) -> None:
    bare, mailing = hubs
    auth = {"Authorization": f"Bearer {bare.seeded.tokens['manager']}"}
    rule = {
        "name": "Sala",
        "recipients": [
            {"channel": "sms", "to": "+34611222333", "name": "Luis"},
            {"channel": "email", "to": "sala@sabores.example", "name": "Sala"},
        ],
    }
    r = httpx.post(f"{bare.url}/api/v1/rules", json=rule, headers=auth)
    assert r.status_code == 201, r.text
    context, page, problems = staff_page(browser, bare, "en", "/admin/rules", 1440, 900, "manager")
    expect(page.locator("#no-channel-sms")).to_be_visible()
    expect(page.locator("#no-channel-email")).to_be_visible()
    page.get_by_role("button", name="Who would get it?").click()
    result = page.locator("#test-result li")
    expect(result.filter(has_text="Luis")).to_contain_text(
        "would not be sent: no SMS service configured"
    )
    expect(result.filter(has_text="sala@sabores.example")).to_contain_text(
        "would not be sent: no e-mail service configured"
    )
    context.close()

    # with e-mail set up, only the SMS recipient is marked
    context, page, problems = staff_page(
        browser,
        mailing,
        "es",
        "/admin/rules",
        390,
        844,
        "manager",
    )
    expect(page.locator("#no-channel-sms")).to_be_visible()
    expect(page.locator("#no-channel-email")).to_have_count(0)
    page.locator("#tester button[type=submit]").click()
    expect(result := page.locator("#test-result li").filter(has_text="Luis")).to_contain_text(
        "no se enviaría"
    )
    expect(
        page.locator("#test-result li").filter(has_text="sala@sabores.example")
    ).not_to_contain_text("no se enviaría")
    assert result.count() == 1
    assert not problems, problems
    context.close()


def test_the_console_says_where_the_customer_reads_the_reply(
    browser: Any, hubs: tuple[LiveHub, LiveHub]
) -> None:
    bare, mailing = hubs
    sos = live_sos(
        bare.url,
        bare.seeded,
        "Queremos la cuenta",
        device=None,
        anonymous=False,
        contact={"name": "Pilar", "email": "pilar@guest.example", "phone": "+34600111222"},
    )
    path = f"/console?ticket={sos['id']}"
    context, page, problems = staff_page(browser, bare, "en", path, 1440, 900, "agent")
    expect(page.locator("#reply-hint")).to_contain_text(
        "The customer reads your reply only on their private page"
    )
    expect(page.locator("#reply-hint")).not_to_contain_text("e-mail or SMS.")
    context.close()
    context, page, problems = staff_page(browser, mailing, "en", path, 1440, 900, "agent")
    expect(page.locator("#reply-hint")).to_have_text("The customer also gets your reply by e-mail.")
    assert not problems, problems
    context.close()
