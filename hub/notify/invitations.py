"""E-mail a set-password link (an invitation or a reset) to its user, straight away.

Not an outbox item: the outbox is about tickets (routing, escalation, retries, history).
This letter goes out while the admin waits, and the page tells them whether the mail
server took it; when it did not, they copy the link from the page instead.
"""

from __future__ import annotations

from hub.accounts.password_links import Purpose
from hub.accounts.team import LinkLetter
from hub.notify.render import Renderer, local_time
from hub.notify.transport import Outgoing, Transport


class LinkMailer:
    """Renders a LinkLetter in its user's language and hands it to the mail transport."""

    def __init__(self, transport: Transport, renderer: Renderer | None = None) -> None:
        self.transport = transport
        self.renderer = renderer or Renderer()

    async def __call__(self, letter: LinkLetter) -> bool:
        """Send the letter; True once the mail server accepted it (failures raise)."""
        context = {
            "invite": letter.purpose is Purpose.invite,
            "name": letter.name,
            "business": letter.business,
            "by": letter.by,
            "url": letter.url,
            "until": local_time(letter.expires_at, letter.timezone, letter.language),
            "email": letter.to,
        }
        rendered = self.renderer.email(letter.language, "set_password", context)
        message = Outgoing(
            channel="email",
            to=letter.to,
            text=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
        )
        await self.transport.send(message)
        return True
