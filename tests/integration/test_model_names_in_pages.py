"""The pages take the model's names (events, statuses, categories) as data, never re-typed."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from hub.tickets.events import EVENT_NAMES, EventName
from hub.tickets.model import BOARD_STATUSES, Category
from tests.helpers import PASSWORD, Seeded

SCRIPTS = Path(__file__).resolve().parents[2] / "static" / "js"


def _data(page: str, name: str) -> Any:
    found = re.search(rf"data-{name}='([^']*)'", page)
    assert found, f"data-{name} missing"
    return json.loads(html.unescape(found.group(1)))


async def test_the_console_gets_event_names_and_columns_from_the_model(
    client: Any, acme: Seeded
) -> None:
    r = await client.post(
        "/api/v1/auth/login", json={"email": "agent@acme.example", "password": PASSWORD}
    )
    assert r.status_code == 200
    page = (await (await client.get("/console")).get_data()).decode()
    assert _data(page, "events") == EVENT_NAMES
    assert _data(page, "columns") == [s.value for s in BOARD_STATUSES]
    for category in Category:
        assert f'value="{category.value}"' in page


def test_no_page_script_types_an_event_name_again() -> None:
    typed = {
        path.name: name.value
        for path in SCRIPTS.glob("*.js")
        for name in EventName
        if re.search(rf"[\"'`]{re.escape(name.value)}[\"'`]", path.read_text())
    }
    assert typed == {}
