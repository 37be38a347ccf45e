"""Offensive words masked for agents, when the business asks: one rule for the API and consoles."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from hub.accounts.model import Role
from hub.moderation.settings import load_config
from hub.ports import Doc, Store
from hub.tickets.events import EventName
from hub.tickets.filters import FilterConfig, mask_offensive


def mask_ticket(data: dict[str, Any], config: FilterConfig) -> dict[str, Any]:
    """A ticket's JSON with offensive words masked in the customer's text, messages and the
    name they signed with (theirs and each repeat's)."""

    def hide(text: Any) -> Any:
        return mask_offensive(text, config.words, config.allow) if isinstance(text, str) else text

    def hide_all(texts: Any) -> Any:
        return {k: hide(v) for k, v in texts.items()} if isinstance(texts, dict) else texts

    def hide_name(contact: Any) -> Any:
        return (
            {**contact, "name": hide(contact.get("name"))} if isinstance(contact, dict) else contact
        )

    out = {**data, "text": hide(data.get("text"))}
    if "contact" in data:
        out["contact"] = hide_name(data["contact"])
    out["translations"] = hide_all(data.get("translations"))
    if isinstance(data.get("survey"), dict):
        out["survey"] = {**data["survey"], "comment": hide(data["survey"].get("comment"))}
    if isinstance(data.get("repeats"), list):
        out["repeats"] = [
            {**r, "text": hide(r.get("text")), "contact": hide_name(r.get("contact"))}
            if isinstance(r, dict)
            else r
            for r in data["repeats"]
        ]
    if isinstance(data.get("messages"), list):
        out["messages"] = [
            {**m, "text": hide(m.get("text")), "translations": hide_all(m.get("translations"))}
            if isinstance(m, dict) and m.get("author") == "customer"
            else m
            for m in data["messages"]
        ]
    return out


# Staff events that may carry a customer's words: the ticket, or one message of it.
MASKABLE_EVENTS = (
    EventName.ticket_created.value,
    EventName.ticket_updated.value,
    EventName.message_posted.value,
)


def mask_staff_event(name: str, payload: dict[str, Any], config: FilterConfig) -> dict[str, Any]:
    """A console event's payload as an agent sees it (`mask_ticket` for its kind of payload)."""
    if name == "ticket.message":
        message = payload.get("message")
        if not isinstance(message, dict) or message.get("author") != "customer":
            return payload
        return {**payload, "message": mask_ticket(message, config)}
    if name in MASKABLE_EVENTS:
        return mask_ticket(payload, config)
    return payload


async def agent_masking(store: Store, tenant_id: str) -> FilterConfig | None:
    """The tenant's filter settings when it masks offensive words for agents, else None."""
    config = await load_config(store, tenant_id)
    return config if config.mask_for_agents else None


def _unmasked(data: dict[str, Any]) -> dict[str, Any]:
    return data


async def viewer_mask(store: Store, user: Doc) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """How this staff user sees ticket text: masked for agents when the tenant asks for it."""
    if Role(user["role"]) is not Role.agent:
        return _unmasked
    config = await load_config(store, user["tenant_id"])
    return partial(mask_ticket, config=config) if config.mask_for_agents else _unmasked
