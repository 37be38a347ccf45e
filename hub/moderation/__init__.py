"""Moderation: what a business holds back, blocks and hides, and the intake guard that does it.

- `settings`: each business's filter settings (kept in the store).
- `blocks`: blocked senders (e-mail, phone, device, network), matched at intake.
- `bots`: the form's signals (honeypot, signed time-to-submit stamp).
- `guard`: `StoreGuard`, which screens an SOS or a thread message (blocks, bots, repeats,
  text filters from `hub.tickets.filters`).
- `masking`: offensive words masked for agents, in the API and on the consoles.
- `service`: `Moderation`, these use cases on the hub's store, for the routes.
"""
