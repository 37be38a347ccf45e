"""RQ jobs, enqueued by name ("worker.jobs.send_item"): thin shells around hub services.

Each opens its context, calls the same hub function the in-process runner calls, and
closes. They are idempotent: RQ may run one twice (a retry, a sweep), and that is fine.
"""

from __future__ import annotations

from worker.context import delivery_context


async def route_ticket(tenant_id: str, ticket_id: str) -> None:
    """Detect, translate and route a new SOS into outbox items."""
    async with delivery_context() as delivery:
        await delivery.route_ticket(tenant_id, ticket_id)


async def send_item(tenant_id: str, item_id: str) -> None:
    """One attempt at one outbox item."""
    async with delivery_context() as delivery:
        await delivery.send_item(tenant_id, item_id)


async def deliver_reply(tenant_id: str, ticket_id: str, message_id: str) -> None:
    """Translate a staff reply and send it to the customer's contacts."""
    async with delivery_context() as delivery:
        await delivery.deliver_reply(tenant_id, ticket_id, message_id)
