"""Which delivery channels this hub can send on, read from its settings.

One answer for every part that speaks of SMS and e-mail: the transports built for sending,
the pages that promise alerts and replies (rules, console, checklist) and the re-send of
what was skipped for want of a channel. A page must never say a message goes out on a
channel the hub has no service for.
"""

from __future__ import annotations

from hub.settings import Settings

CHANNELS = ("email", "sms")


def email_configured(settings: Settings) -> bool:
    """A mail server is named (HUB_SMTP_HOST)."""
    return bool(settings.smtp_host)


def sms_configured(settings: Settings) -> bool:
    """Vonage's key and secret are both given (HUB_VONAGE_API_KEY, HUB_VONAGE_API_SECRET)."""
    return bool(settings.vonage_api_key and settings.vonage_api_secret)


def configured(settings: Settings) -> tuple[str, ...]:
    """The channels with a service, in CHANNELS' order."""
    ready = {"email": email_configured(settings), "sms": sms_configured(settings)}
    return tuple(c for c in CHANNELS if ready[c])


def unconfigured(settings: Settings) -> tuple[str, ...]:
    """The channels with no service: whatever is addressed to them is skipped unsent."""
    ready = configured(settings)
    return tuple(c for c in CHANNELS if c not in ready)
