"""Indexes and unique keys per collection, shared by both adapters so they agree."""

from __future__ import annotations

from collections.abc import Mapping

SCHEMA_VERSION = 6  # 2: statistics facts per ticket and reply (hub/tickets/facts.py); 3: their
# per-day rollups on SQLite (hub/store/sqlite_stats.py; counted from the facts on open);
# 4: staff e-mails unique per business, no longer across the installation (RETIRED_UNIQUE);
# 5: tickets indexed by their survey's answer time (created on open, as every index);
# 6: tickets indexed by point and establishment (the establishment backfill, places.settle)

# Fields queried often, indexed together with tenant_id.
INDEXES: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "users": (("role",),),
    "password_links": (("user_id",),),
    "points": (("active",),),
    "tickets": (
        ("status",),
        ("point.code",),
        ("created_at",),
        # The intake's repeat check looks up one sender's recent tickets on every SOS: without
        # these it read every ticket of the window (10 ms at 700 tickets, growing with traffic).
        ("device_id", "created_at"),
        ("contact.email", "created_at"),
        ("contact.phone", "created_at"),
        ("network", "created_at"),  # floods: one network's recent tickets (moderation/floods)
        # Held floods: counted for the consoles at each held SOS (a flood of thousands must
        # not read every held ticket each time), one network's released oldest first.
        ("status", "quarantine_reason", "network", "created_at"),
        # The surveys CSV pages along the answer time (hub/exports/surveys_csv.py): without
        # it each page read and sorted every ticket the business ever had.
        ("survey.answered_at",),
        # The establishment backfill (hub/tickets/places.py settle) pages one point's tickets
        # without an establishment: with the point index alone each page re-read those written.
        ("point.code", "establishment"),
    ),
    "entries": (("ticket_id", "created_at"),),
    "events": (("ticket_id",),),
    "outbox": (("status", "created_at"), ("ticket_id",)),
    "blocks": (("kind", "value"),),
    "sessions": (("user_id",),),
    "scans": (("day",),),
    "survey_responses": (("created_at",),),
    "operator_sessions": (("operator_id",),),
    "kiosk_requests": (("created_at",),),  # purged after a week (hub/accounts/kiosk_requests.py)
}

# Unique across all tenants (these resolve the tenant of a public key).
GLOBAL_UNIQUE: Mapping[str, tuple[str, ...]] = {
    "tenants": ("slug",),
    "users": ("token_hash",),
    "password_links": ("token_hash",),
    "points": ("code",),
    "tickets": ("thread_token",),
    "kiosks": ("token_hash",),
    "operators": ("email",),
}

# Unique within one tenant.
TENANT_UNIQUE: Mapping[str, tuple[str, ...]] = {
    "tickets": ("number",),
    "events": ("seq",),
    "departments": ("slug",),
    "establishments": ("slug",),
    "kiosk_requests": ("key",),  # "<kiosk id>:<Idempotency-Key>": one ticket per key
    # One person may work for two businesses of an installation; an installation-wide key
    # also told any admin which addresses other businesses' staff use (a 409 on create).
    "users": ("email",),
}

# Found across tenants (`lookup_all`) but unique only within one: a login names an e-mail,
# and each account of it (one per business) is checked against the password.
GLOBAL_KEYS: Mapping[str, tuple[str, ...]] = {
    "users": ("email",),
}

# Installation-wide unique keys of earlier schema versions: their indexes are dropped on open.
RETIRED_UNIQUE: Mapping[str, tuple[str, ...]] = {
    "users": ("email",),  # schema 4: per business (TENANT_UNIQUE)
}
