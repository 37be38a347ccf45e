"""A forward HTTP proxy that drops every `Sec-Fetch-*` request header, as some privacy
proxies and filtering middleboxes do, for browser tests of what the hub then judges by.

A real proxy on a loopback port, in a thread of its own; Chromium is pointed at it with
the context's `proxy` option (loopback included: `bypass` "<-loopback>"). Plain HTTP
requests are forwarded one per connection, without those headers; CONNECT (the console's
websocket) is tunnelled untouched.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

DROPPED = ("sec-fetch-", "proxy-connection:", "connection:", "keep-alive:")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until `reader` ends, then close `writer`."""
    with suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


async def _handle(
    client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, open_: set[asyncio.StreamWriter]
) -> None:
    """One request (or one CONNECT tunnel); every connection it opens is in `open_`."""
    open_.add(client_w)
    try:
        head = (await client_r.readuntil(b"\r\n\r\n")).decode("latin-1")
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        client_w.close()
        return
    first, *lines = head.split("\r\n")
    method, target, version = first.split(" ", 2)
    if method == "CONNECT":
        host, port = target.rsplit(":", 1)
        up_r, up_w = await asyncio.open_connection(host, int(port))
        open_.add(up_w)
        client_w.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await client_w.drain()
    else:
        url = urlsplit(target)
        up_r, up_w = await asyncio.open_connection(url.hostname, url.port or 80)
        open_.add(up_w)
        kept = [line for line in lines if line and not line.lower().startswith(DROPPED)]
        path = url.path + (f"?{url.query}" if url.query else "")
        request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
        up_w.write(request.encode("latin-1"))
        await up_w.drain()
    await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))


async def _serve(ready: threading.Event, held: dict[str, object]) -> None:
    """Serve until `held["stop"]` is set, then close every connection."""
    open_: set[asyncio.StreamWriter] = set()
    server = await asyncio.start_server(lambda r, w: _handle(r, w, open_), "127.0.0.1", 0)
    stop = asyncio.Event()
    held.update(loop=asyncio.get_running_loop(), stop=stop, port=server.sockets[0].getsockname()[1])
    ready.set()
    await stop.wait()
    server.close()
    for writer in open_:
        writer.close()
    await server.wait_closed()


@contextmanager
def stripping_proxy() -> Iterator[dict[str, str]]:
    """The proxy running; yields the Playwright `proxy` option that goes through it."""
    ready = threading.Event()
    held: dict[str, object] = {}
    thread = threading.Thread(target=lambda: asyncio.run(_serve(ready, held)), daemon=True)
    thread.start()
    assert ready.wait(10), "the proxy did not start"
    loop, stop = held["loop"], held["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
    try:
        yield {"server": f"http://127.0.0.1:{held['port']}", "bypass": "<-loopback>"}
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
