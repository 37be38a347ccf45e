"""CannedAnswers: a business's canned answers in the store, and the ones that fit a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.answers.model import (
    FIT_NAMES,
    MAX_ANSWERS,
    answer_json,
    check_answer,
    fill,
    placeholder_values,
    ranked,
)
from hub.clock import new_id, now_iso
from hub.errors import Conflicting, NotFound
from hub.ports import Doc, Store

COLLECTION = "answers"


class CannedAnswers:
    """Managers write them, every staff member reads them; each query is tenant-scoped."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self, tenant_id: str) -> list[Doc]:
        """Every answer of the business, by language then title."""
        docs = await self.store.find(tenant_id, COLLECTION, sort="title", limit=MAX_ANSWERS)
        return sorted(docs, key=lambda d: (d.get("language") or "", d["title"].casefold()))

    async def get(self, tenant_id: str, answer_id: str) -> Doc:
        doc = await self.store.get(tenant_id, COLLECTION, answer_id)
        if doc is None:
            raise NotFound("no such canned answer", field="id")
        return doc

    async def create(self, tenant_id: str, fields: Mapping[str, Any], by: Doc) -> Doc:
        """A new answer; Invalid names the bad field, nothing is stored then."""
        checked = check_answer(fields)
        if await self.store.count(tenant_id, COLLECTION) >= MAX_ANSWERS:
            raise Conflicting(f"a business keeps at most {MAX_ANSWERS} canned answers")
        now = now_iso()
        doc = {
            "id": new_id(),
            **checked,
            "created_at": now,
            "updated_at": now,
            "updated_by": by.get("name") or by.get("email"),
        }
        return await self.store.insert(tenant_id, COLLECTION, doc)

    async def replace(
        self, tenant_id: str, answer_id: str, fields: Mapping[str, Any], by: Doc
    ) -> Doc:
        """Rewrite an answer whole (title, category, language, text)."""
        checked = check_answer(fields)
        changes = {**checked, "updated_at": now_iso(), "updated_by": by.get("name") or by["email"]}
        doc = await self.store.update(tenant_id, COLLECTION, answer_id, changes)
        if doc is None:
            raise NotFound("no such canned answer", field="id")
        return doc

    async def delete(self, tenant_id: str, answer_id: str) -> None:
        if not await self.store.delete(tenant_id, COLLECTION, answer_id):
            raise NotFound("no such canned answer", field="id")

    async def for_ticket(
        self, tenant: Doc, ticket: Doc, agent: Doc, category: str | None = None
    ) -> list[dict[str, Any]]:
        """The answers that fit `ticket` (or `category`, when staff ask as if it were one),
        best first, their placeholders filled for it and for `agent`, who will send them."""
        wanted = category or ticket.get("category") or ticket.get("suggested_category")
        language = ticket.get("language") or tenant.get("language")
        out = []
        for doc, closeness in ranked(await self.all(tenant["id"]), wanted, language):
            values = placeholder_values(ticket, tenant, agent, str(doc.get("language")))
            out.append(
                {**answer_json(doc), "text": fill(doc["text"], values), "fit": FIT_NAMES[closeness]}
            )
        return out
