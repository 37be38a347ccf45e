"""Run the ASGI app under uvicorn (websockets, graceful SIGTERM)."""

from __future__ import annotations

import logging

import uvicorn

from hub.app import create_app
from hub.settings import Settings


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT; uvicorn lets in-flight requests finish and closes sockets."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hub = create_app(settings)
    config = uvicorn.Config(
        hub.asgi,
        host=host,
        port=port,
        lifespan="on",
        ws="websockets-sansio",
        log_level="warning",
        timeout_graceful_shutdown=10,
        backlog=4096,
    )
    uvicorn.Server(config).run()
