"""Triage settings (manager): the words that suggest each category, and the reply targets.

API: `GET`/`PUT /api/v1/triage/keywords` (a business's own words per language and
category, and built-in words it drops), `POST /api/v1/triage/test` (what a sample text
would be suggested as, and why), `GET`/`PUT /api/v1/triage/targets` (minutes to the first
answer per category or group). Page: /admin/triage.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt
from quart import Blueprint
from quart_schema import validate_request

from hub.accounts.model import Role
from hub.container import hub
from hub.errors import NotFound
from hub.ports import Doc
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import Body
from hub.routes.pages import page_tenant, render_page, staff_page
from hub.tickets.model import CATEGORY_ORDER
from hub.tickets.targets import DEFAULT_TARGETS, promise_minutes, targets_table
from hub.tickets.triage import (
    BUILT_IN_LANGUAGES,
    LANGUAGES,
    MAX_KEYWORD_CHARS,
    MAX_KEYWORDS,
    Keywords,
    built_in,
)

bp = Blueprint("triage", __name__)


class KeywordsIn(Body):
    """A business's own word lists, replaced whole. Limits: hub/tickets/triage.py."""

    # language → category (a value or a group) → words and phrases
    keywords: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # language → built-in words and phrases not to count
    ignore: dict[str, list[str]] = Field(default_factory=dict)


class TriageTestIn(Body):
    text: str = Field(min_length=1, max_length=2000)


class TargetsIn(Body):
    """Minutes to the first answer per category or group; null or 0 drops an override."""

    reply_targets: dict[str, StrictInt | None]


def _keywords_json(own: Keywords) -> dict[str, Any]:
    return {
        **own.to_doc(),
        "defaults": {
            lang: {c: list(t) for c, t in built_in(lang).items()} for lang in BUILT_IN_LANGUAGES
        },
        "languages": list(LANGUAGES),
        "categories": list(CATEGORY_ORDER),
        "limits": {"per_list": MAX_KEYWORDS, "characters": MAX_KEYWORD_CHARS},
    }


def _targets_json(tenant: Doc) -> dict[str, Any]:
    return {
        "reply_targets": dict(tenant.get("reply_targets") or {}),
        "effective": targets_table(tenant),
        "defaults": dict(DEFAULT_TARGETS),
        "promise_minutes": promise_minutes(tenant),
    }


async def _tenant() -> Doc:
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    return tenant


@bp.get("/api/v1/triage/keywords")
@staff_required(Role.manager)
async def get_keywords() -> Any:
    """The business's own words, the built-in ones, and what may be listed."""
    return _keywords_json(await hub().triage.keywords(tenant_id()))


@bp.put("/api/v1/triage/keywords")
@staff_required(Role.manager)
@validate_request(KeywordsIn)
async def put_keywords(data: KeywordsIn) -> Any:
    """Replace the business's own words (400 naming the list that is wrong; nothing saved)."""
    user = staff()
    own = await hub().triage.save_keywords(
        await _tenant(), data.keywords, data.ignore, user.get("name") or user["email"]
    )
    return _keywords_json(own)


@bp.post("/api/v1/triage/test")
@staff_required(Role.manager)
@validate_request(TriageTestIn)
async def test_triage(data: TriageTestIn) -> Any:
    """What a sample text would be suggested as with the saved words, and the words found."""
    classifier = await hub().triage.classifier(await _tenant())
    return {
        "suggested_category": classifier.suggest(data.text),
        "matches": [
            {"phrase": m.phrase, "category": m.category, "weight": m.weight}
            for m in classifier.matches(data.text)
        ],
    }


@bp.get("/api/v1/triage/targets")
@staff_required(Role.manager)
async def get_targets() -> Any:
    """The business's reply targets, and the minutes each category gets with them."""
    return _targets_json(await _tenant())


@bp.put("/api/v1/triage/targets")
@staff_required(Role.manager)
@validate_request(TargetsIn)
async def put_targets(data: TargetsIn) -> Any:
    """Replace the business's reply targets; new SOS get them (earlier ones keep theirs)."""
    return _targets_json(await hub().triage.save_targets(await _tenant(), data.reply_targets))


@bp.get("/admin/triage")
@staff_page(Role.manager)
async def triage_page() -> Any:
    """Edit the words per category and language, try a message, set the reply targets."""
    tenant = page_tenant()
    return await render_page(
        "admin/triage.html",
        languages=LANGUAGES,
        built_in_languages=BUILT_IN_LANGUAGES,
        targets=_targets_json(tenant),
    )
