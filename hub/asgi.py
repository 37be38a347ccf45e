"""The ASGI entry point (`uvicorn hub.asgi:app`): socket.io wrapping Quart, on one port."""

from __future__ import annotations

from hub.app import create_app
from hub.settings import Settings

app = create_app(Settings.from_env()).asgi
