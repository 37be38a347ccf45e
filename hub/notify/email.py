"""SmtpTransport: e-mail through any SMTP server with aiosmtplib (plain text + HTML)."""

from __future__ import annotations

import email.utils
import re
from email.message import EmailMessage

import aiosmtplib

from hub.notify.transport import DeliveryFailed, Outgoing
from hub.settings import Settings

# An enhanced status code about the address itself (RFC 3463: 5.1.x, bad mailbox or domain).
_ADDRESS_PROBLEM = re.compile(r"\b5\.1\.\d{1,3}\b")


def header_value(value: str, limit: int = 400) -> str:
    """A header value with no CR, LF or NUL (header injection is impossible), trimmed."""
    cleaned = " ".join(value.replace("\x00", " ").splitlines())
    return cleaned.replace("\r", " ").replace("\n", " ").strip()[:limit]


def build_message(message: Outgoing, sender: str) -> EmailMessage:
    """An RFC 5322 message: text part, optional HTML alternative, safe headers."""
    msg = EmailMessage()
    msg["Subject"] = header_value(message.subject or "SOS")
    msg["From"] = header_value(sender)
    msg["To"] = header_value(message.to)
    msg["Date"] = email.utils.formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "sos-hub.local"
    msg["Message-ID"] = email.utils.make_msgid(domain=header_value(domain, 200))
    # Every mail the hub sends is automatic (RFC 3834): out-of-office replies stay away.
    # No Reply-To: a business has no mailbox setting the hub could point answers at (the
    # reply e-mail tells the guest to write through the thread link instead).
    msg["Auto-Submitted"] = "auto-generated"
    if message.reference:
        msg["X-SOS-Hub-Item"] = header_value(message.reference, 100)
    msg.set_content(message.text)
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    return msg


class SmtpTransport:
    """Sends e-mail through HUB_SMTP_HOST (TLS modes: none, starttls, tls)."""

    channel = "email"

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        if not settings.smtp_host:
            raise ValueError("SMTP is not configured")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.sender = settings.smtp_from
        self.tls = settings.smtp_tls
        self.timeout = timeout

    async def send(self, message: Outgoing) -> str:
        """Hand the message to the SMTP server; its answer is the provider answer."""
        msg = build_message(message, self.sender)
        try:
            _refused, answer = await aiosmtplib.send(
                msg,
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise DeliveryFailed(f"SMTP: {exc}", permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx: try later. A 5xx refuses for good only when it is about the address
            # (5.1.x); a quota, an account or a policy answer ("550 5.4.5 Daily sending
            # quota exceeded", 535) clears within the retry window, so it is tried again.
            address = exc.code >= 500 and bool(_ADDRESS_PROBLEM.search(exc.message or ""))
            raise DeliveryFailed(f"SMTP: {exc}", permanent=address) from exc
        except aiosmtplib.SMTPException as exc:  # connecting, time-outs, a dropped line
            raise DeliveryFailed(f"SMTP: {exc}") from exc
        except OSError as exc:
            raise DeliveryFailed(f"SMTP server unreachable: {exc}") from exc
        return f"SMTP: {answer}".strip()
