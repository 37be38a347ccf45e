"""Printables: a business's access points as posters, flyers, coasters, receipts, table tents.

The use case the routes call. It reads the points, the business, their establishments and
logos (tenant-scoped, through the store), renders off the event loop with a bounded number
of renderings at once (WeasyPrint is CPU-bound and blocking: a burst of print requests must
not stall the consoles' sockets), and marks each point printed once its piece exists (the
first-run checklist ticks "print" from `printed_at`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from hub.accounts.branding import Branding, Logo
from hub.accounts.first_run import PRINTED_AT
from hub.accounts.services import point_json
from hub.clock import now_iso
from hub.errors import Conflicting, HubError, Invalid, NotFound
from hub.http.ratelimit import RateLimited
from hub.ports import Doc, Store
from hub.printables.content import Catalog, Piece, build_piece
from hub.printables.formats import FORMATS, OWN, TYPES, Format, Kind, format_for
from hub.printables.render import (
    ConverterMissing,
    convert,
    piece_size,
    png_resolution,
    write_pdf,
    write_runs_pdf,
)

log = logging.getLogger(__name__)

MAX_POINTS = 200  # one print run: 200 posters is a few minutes of one core
MAX_WAITING = 8  # print runs queued behind the ones rendering; more are told to come back
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}


class PrintUnavailable(HubError):
    """This hub cannot make PNG or SVG (poppler's pdftocairo is missing); PDF still works."""

    status = 503
    code = "unavailable"


@dataclass(frozen=True)
class Printed:
    content: bytes
    content_type: str
    filename: str


def check_format(name: str) -> Format:
    fmt = FORMATS.get(name)
    if fmt is None:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", field="format")
    return fmt


def check_type(name: str) -> str:
    if name not in TYPES:
        raise Invalid(f"type must be one of {', '.join(TYPES)}", field="type")
    return name


def parse_codes(text: str) -> list[str]:
    """`a,b,c` as a list of distinct codes, in order; Invalid naming `points`."""
    codes = list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    if not codes:
        raise Invalid("name at least one access point code, separated by commas", field="points")
    if len(codes) > MAX_POINTS:
        raise Invalid(
            f"at most {MAX_POINTS} access points in one print run (got {len(codes)})",
            field="points",
        )
    return codes


class Printables:
    """Renders a business's access points; one per request, or many in one PDF."""

    def __init__(
        self,
        store: Store,
        branding: Branding,
        catalogs: Mapping[str, Catalog],
        public_url: str,
        concurrency: int = 2,
    ) -> None:
        self.store = store
        self.branding = branding
        self.catalogs = catalogs
        self.public_url = public_url
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0

    async def print_point(self, tenant_id: str, code: str, fmt_name: str, kind: str) -> Printed:
        """One point's piece as PDF (print-ready), PNG or SVG (the piece alone)."""
        fmt, kind = check_format(fmt_name), check_type(kind)
        tenant = await self._tenant(tenant_id)
        point = await self._point(tenant_id, code, field="code")
        pieces = await self._pieces(tenant, [point])
        content = await self._render(fmt, pieces, kind)
        await self._mark_printed(tenant_id, [point])
        return Printed(content, CONTENT_TYPES[kind], f"{point['code']}-{fmt.name}.{kind}")

    async def print_points(
        self, tenant_id: str, codes: str, fmt_name: str, kind: str = "pdf"
    ) -> Printed:
        """Many points in one print-ready PDF: a page each, or several to an A4 sheet.
        `fmt_name` OWN: each point in the format of its kind (coasters as coasters...)."""
        own = fmt_name == OWN
        fmt, kind = (None if own else check_format(fmt_name)), check_type(kind)
        if kind != "pdf":
            raise Invalid("many points print as one PDF: type must be pdf", field="type")
        wanted = parse_codes(codes)
        tenant = await self._tenant(tenant_id)
        points = [await self._point(tenant_id, code, field="points") for code in wanted]
        pieces = await self._pieces(tenant, points)
        if fmt is None:
            runs: dict[str, list[Piece]] = {}  # in the order the kinds first come
            for point, piece in zip(points, pieces, strict=True):
                runs.setdefault(format_for(point.get("kind")), []).append(piece)
            content = await self._render_runs([(FORMATS[n], run) for n, run in runs.items()])
            named = next(iter(runs)) if len(runs) == 1 else OWN
        else:
            content = await self._render(fmt, pieces, "pdf")
            named = fmt.name
        await self._mark_printed(tenant_id, points)
        name = f"{points[0]['code']}-{named}.pdf" if len(points) == 1 else f"points-{named}.pdf"
        return Printed(content, CONTENT_TYPES["pdf"], name)

    async def _tenant(self, tenant_id: str) -> Doc:
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is None:
            raise NotFound("no such business")
        return tenant

    async def _point(self, tenant_id: str, code: str, *, field: str) -> Doc:
        found = await self.store.find(tenant_id, "points", {"code": code}, limit=1)
        if not found:  # another business's code too: it is none of this one's
            raise NotFound(f"no access point {code[:64]!r}", field=field)
        if not found[0].get("active", True):
            raise Conflicting(
                f"access point {code!r} is inactive: its QR leads nowhere; activate it first",
                field=field,
            )
        return found[0]

    async def _pieces(self, tenant: Doc, points: Sequence[Doc]) -> list[Piece]:
        """What each point's piece says (logos read once per establishment)."""
        tenant_id = tenant["id"]
        logo = await self.branding.logo(tenant_id)
        places: dict[str, tuple[Doc | None, Logo | None]] = {}
        pieces = []
        for point in points:
            slug = point.get("establishment")
            if slug and slug not in places:
                found = await self.store.find(tenant_id, "establishments", {"slug": slug}, limit=1)
                places[slug] = (
                    found[0] if found else None,
                    await self.branding.own_logo(tenant_id, slug),
                )
            place, place_logo = places.get(slug, (None, None)) if slug else (None, None)
            pieces.append(
                build_piece(
                    point,
                    tenant,
                    url=point_json(point, self.public_url)["url"],
                    catalogs=self.catalogs,
                    establishment=place,
                    logo=logo,
                    place_logo=place_logo,
                )
            )
        return pieces

    async def _render(self, fmt: Format, pieces: list[Piece], kind: str) -> bytes:
        """The run as `kind`, at most `concurrency` renderings at once, each in a thread;
        a long queue is refused (429) rather than left to time out."""
        async with self._slot():
            return await self._rendered(fmt, pieces, kind)

    async def _render_runs(self, runs: list[tuple[Format, list[Piece]]]) -> bytes:
        """Several runs, each in its format, in one PDF (one rendering slot, as one run)."""
        async with self._slot():
            return await asyncio.to_thread(write_runs_pdf, runs)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """One of the `concurrency` renderings; a long queue is refused (429)."""
        if self._waiting >= MAX_WAITING:
            raise RateLimited(15)
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()

    async def _rendered(self, fmt: Format, pieces: list[Piece], kind: str) -> bytes:
        """The run rendered: the PDF in a thread, then converted when PNG or SVG is asked."""
        started = time.monotonic()
        pdf = await asyncio.to_thread(write_pdf, fmt, pieces, print_ready=kind == "pdf")
        if kind == "pdf":
            content = pdf
        else:
            width, height = piece_size(fmt, pieces)
            try:
                content = await convert(
                    pdf,
                    kind,
                    png_resolution(width, height),
                    transparent=fmt.kind is Kind.coaster,
                )
            except ConverterMissing as exc:
                raise PrintUnavailable(f"{exc}: ask for type=pdf") from exc
            if kind == "svg":
                content = _titled(content, pieces[0])
        log.info(
            "printed %d %s as %s in %.2f s",
            len(pieces),
            fmt.name,
            kind,
            time.monotonic() - started,
        )
        return content

    async def _mark_printed(self, tenant_id: str, points: Sequence[Doc]) -> None:
        at = now_iso()
        for point in points:
            await self.store.update(tenant_id, "points", point["id"], {PRINTED_AT: at})


def _titled(svg: bytes, piece: Piece) -> bytes:
    """The SVG with a <title> naming the point: its text is drawn as outlines, so without
    one neither a person's file browser nor a screen reader could tell which point it is."""
    text = " · ".join([piece.code, *piece.labels[:1], piece.url])
    title = f"<title>{escape(text)}</title>".encode()
    start = svg.find(b"<svg")
    end = svg.find(b">", start) + 1 if start >= 0 else 0
    if end <= 0:
        return svg
    return svg[:end] + b"\n" + title + svg[end:]


__all__ = ["MAX_POINTS", "PrintUnavailable", "Printables", "Printed"]
