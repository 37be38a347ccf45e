"""Build the delivery side from settings: job queue, transports, translator, services.

Called by the composition root (hub/app.py) and by the worker's job context, so both
processes wire the same parts the same way.
"""

from __future__ import annotations

from hub.clock import now
from hub.jobs import InProcessJobQueue, JobQueue, RQJobQueue
from hub.notify.channels import email_configured, sms_configured
from hub.notify.delivery import Clock, DeliveryTuning, Sender
from hub.notify.dispatch import DeliveryService
from hub.notify.email import SmtpTransport
from hub.notify.listener import DeliveryListener
from hub.notify.sms import VonageTransport
from hub.notify.transport import Transport
from hub.ports import BlobStore, Publisher, Store
from hub.settings import Settings
from hub.translate.detect import detect_language, no_detection
from hub.translate.providers import Translator, build_translator
from hub.translate.service import TranslationService

JOB_NAMES = ("route_ticket", "send_item", "deliver_reply")


def build_queue(settings: Settings) -> JobQueue:
    """RQ on HUB_REDIS_URL in scale-out mode, the in-process runner otherwise."""
    if settings.redis_url:
        return RQJobQueue(settings.redis_url, settings.rq_queue)
    return InProcessJobQueue()


def build_transports(settings: Settings, tuning: DeliveryTuning) -> dict[str, Transport | None]:
    """The configured transports; None for a channel with no provider configured."""
    timeout = tuning.send_timeout
    email = SmtpTransport(settings, timeout=timeout) if email_configured(settings) else None
    sms = VonageTransport(settings, timeout=int(timeout)) if sms_configured(settings) else None
    return {"email": email, "sms": sms}


def build_delivery(
    settings: Settings,
    store: Store,
    publisher: Publisher,
    queue: JobQueue,
    *,
    translator: Translator | None = None,
    tuning: DeliveryTuning | None = None,
    clock: Clock = now,
    blobs: BlobStore | None = None,
) -> tuple[DeliveryService, DeliveryListener]:
    """The delivery service (jobs, sweeper) and the listener TicketService tells."""
    tuning = tuning or DeliveryTuning.from_settings(settings)
    transports = build_transports(settings, tuning)
    sender = Sender(
        settings=settings,
        store=store,
        publisher=publisher,
        queue=queue,
        email=transports["email"],
        sms=transports["sms"],
        tuning=tuning,
        clock=clock,
    )
    translation = TranslationService(
        store,
        publisher,
        translator or build_translator(settings),
        detect=detect_language if settings.language_detection else no_detection,
    )
    service = DeliveryService(sender, translation, blobs)
    if isinstance(queue, InProcessJobQueue):
        for name in JOB_NAMES:
            queue.register(name, getattr(service, name))
    return service, DeliveryListener(store, queue, clock, tuning.minute)
