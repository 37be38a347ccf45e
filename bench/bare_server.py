"""Bare python-socketio baseline for bench/fanout.py.

A ``socketio.AsyncServer`` inside ``socketio.ASGIApp`` under uvicorn, with
nothing of the hub around it: no Quart, no store, no filters, no
translation.  It speaks the same surface the benchmark uses on the hub:

* Socket.IO namespace ``/staff``; the connect ``auth`` payload must be
  ``{"token": <--token>}``; every client joins one room.
* ``POST /api/v1/sos`` (any JSON body) -> emits one ``ticket.created``
  event, shaped like a hub ticket and padded to ``--payload-bytes`` of
  JSON, to that room, then answers 201 ``{"id", "number", "status",
  "thread_url"}``.
* ``GET /healthz`` -> 200 ``{"status": "ok"}``.

Like the hub, it tunes the garbage collector once it has started:
``gc.freeze()`` and ``gc.set_threshold(50_000, 10, 10)``, so that the
comparison measures python-socketio and the hub's own work, not two
different collector settings.

Run: ``python bench/bare_server.py --port 8765``
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import socketio
import uvicorn

ROOM = "tenant:bench"
NAMESPACE = "/staff"


def raise_nofile(target: int = 65536) -> int:
    """Raise the open-files limit (the hard one too when allowed, e.g. as root)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
            return target
        except (ValueError, OSError):
            pass
    want = min(target, hard) if hard != resource.RLIM_INFINITY else target
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def make_ticket(number: int, text: str, seq: int, public_url: str, payload_bytes: int) -> dict:
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    ticket = {
        "id": uuid.uuid4().hex,
        "number": number,
        "status": "new",
        "text": text,
        "language": "en",
        "translations": {},
        "anonymous": True,
        "contact": None,
        "point": {"code": "bench1", "label": "Bench"},
        "kiosk": None,
        "department": None,
        "category": None,
        "assignee": None,
        "created_at": now,
        "updated_at": now,
        "first_response_at": None,
        "resolved_at": None,
        "thread_url": f"{public_url}/t/{uuid.uuid4().hex}",
        "seq": seq,
    }
    # pad (or not) so that the JSON payload is about payload_bytes long
    size = len(json.dumps(ticket, separators=(",", ":")))
    if payload_bytes and size < payload_bytes:
        ticket["description"] = "x" * max(0, payload_bytes - size - len(',"description":""'))
    return ticket


async def read_body(receive) -> bytes:
    """The whole request body, however many ASGI messages it came in."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def respond(send, status: int, obj) -> None:
    """Send `obj` as a JSON response."""
    body = json.dumps(obj).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def tune_gc():
    # the same collector tuning the hub applies after its start-up
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)
    print(
        f"bare_server: gc.freeze() kept {gc.get_freeze_count()} objects out of the collector;"
        f" threshold {gc.get_threshold()}",
        file=sys.stderr,
        flush=True,
    )


@dataclass
class SosEndpoint:
    """POST /api/v1/sos: numbers a fake ticket, emits it to the room, answers 201."""

    sio: socketio.AsyncServer
    public_url: str
    payload_bytes: int
    number: int = 0
    seq: int = 0

    async def __call__(self, receive, send) -> None:
        raw = await read_body(receive)
        try:
            data = json.loads(raw or b"{}")
            text = str(data.get("text", ""))[:2000]
        except (ValueError, AttributeError):
            await respond(send, 400, {"error": {"code": "invalid", "message": "bad json"}})
            return
        self.number += 1
        self.seq += 1
        ticket = make_ticket(self.number, text, self.seq, self.public_url, self.payload_bytes)
        await self.sio.emit("ticket.created", ticket, room=ROOM, namespace=NAMESPACE)
        await respond(
            send,
            201,
            {
                "id": ticket["id"],
                "number": ticket["number"],
                "status": "new",
                "thread_url": ticket["thread_url"],
            },
        )


def build_app(token: str, public_url: str, payload_bytes: int):
    sio = socketio.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)
    post_sos = SosEndpoint(sio, public_url, payload_bytes)

    @sio.event(namespace=NAMESPACE)
    async def connect(sid, environ, auth):
        if not isinstance(auth, dict) or auth.get("token") != token:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await sio.enter_room(sid, ROOM, namespace=NAMESPACE)

    async def http_app(scope, receive, send):
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and method == "GET":
            await respond(send, 200, {"status": "ok", "store": "none", "redis": "off"})
        elif path == "/api/v1/sos" and method == "POST":
            await post_sos(receive, send)
        else:
            await respond(send, 404, {"error": {"code": "not_found", "message": path}})

    return socketio.ASGIApp(sio, other_asgi_app=http_app, on_startup=tune_gc)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--token", default="bench")
    p.add_argument(
        "--payload-bytes",
        type=int,
        default=700,
        help="pad the ticket.created JSON payload to about this many bytes (default 700)",
    )
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("bare_server: refusing to listen anywhere but loopback", file=sys.stderr)
        return 2
    raise_nofile()
    public_url = f"http://{args.host}:{args.port}"
    app = build_app(args.token, public_url, args.payload_bytes)
    # uvicorn defaults otherwise (auto loop -> uvloop, auto ws -> websockets
    # sans-I/O), without the access log, as a production hub would run
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        backlog=4096,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
