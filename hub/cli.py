"""The `sos-hub` command: tenant create/logo, department/establishment/kiosk/user/point/operator
create, serve, worker, demo."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from hub.accounts.model import POINT_KINDS, Role
from hub.errors import HubError, Invalid
from hub.i18n import SUPPORTED
from hub.ports import Store
from hub.settings import ConfigError, Settings

ROLES = tuple(role.value for role in Role)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[Any]]) -> Any:
    from hub.store import open_store

    async def run() -> Any:
        store = open_store(settings)
        try:
            await store.open()
        except Exception as exc:  # unwritable path, unreachable server, foreign file …
            await store.close()
            raise ConfigError(
                f"HUB_DATABASE_URL: cannot open {settings.database_url}: {exc}"
            ) from exc
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _tenant_create(settings: Settings, args: argparse.Namespace) -> None:
    from hub.accounts.services import create_tenant, public_tenant

    doc = _with_store(
        settings,
        lambda store: create_tenant(
            store,
            slug=args.slug,
            name=args.name,
            language=args.language,
            timezone=args.timezone,
            sla_hours=args.sla_hours,
        ),
    )
    _print_json(public_tenant(doc))


def _tenant_logo(settings: Settings, args: argparse.Namespace) -> None:
    from hub.accounts.branding import logo_url, public_logo_url, remove_logo, set_logo
    from hub.accounts.services import tenant_by_slug

    try:
        content = None if args.remove else Path(args.file).read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {args.file}: {exc.strerror}", field="file") from None

    async def work(store: Store) -> Any:
        tenant = await tenant_by_slug(store, args.tenant)
        if content is None:
            await remove_logo(store, tenant)
            return {"slug": tenant["slug"], "logo_url": None}
        updated = await set_logo(store, tenant, content)
        # absolute, as the API's logo_url: whoever runs this pastes it elsewhere
        return {
            "slug": tenant["slug"],
            "logo_url": public_logo_url(settings.public, logo_url(updated)),
        }

    _print_json(_with_store(settings, work))


def _kiosk_create(settings: Settings, args: argparse.Namespace) -> None:
    from hub.accounts.kiosks import create_kiosk, kiosk_json
    from hub.accounts.services import tenant_by_slug

    async def work(store: Store) -> Any:
        tenant = await tenant_by_slug(store, args.tenant)
        fields = {"name": args.name, "point": args.point, "departments": args.department or []}
        kiosk, token = await create_kiosk(store, tenant, fields)
        pair_url = (await _addressed(settings, store)).public(f"/kiosk#device_token={token}")
        return {**kiosk_json(kiosk), "device_token": token, "pair_url": pair_url}

    _print_json(_with_store(settings, work))


def _user_create(settings: Settings, args: argparse.Namespace) -> None:
    from hub.accounts.model import public_user
    from hub.accounts.passwords import hash_password, hash_token
    from hub.accounts.services import create_user, tenant_by_slug

    async def work(store: Store) -> tuple[Any, str]:
        tenant = await tenant_by_slug(store, args.tenant)
        return await create_user(
            store,
            tenant,
            email=args.email,
            password=args.password,
            role=args.role,
            name=args.name,
            language=args.language,
            hash_password=hash_password,
            hash_token=hash_token,
        )

    user, token = _with_store(settings, work)
    _print_json({**public_user(user), "tenant_id": user["tenant_id"], "api_token": token})


def _point_create(settings: Settings, args: argparse.Namespace) -> None:
    """As `POST /api/v1/points`: the same service checks it (an unknown department or
    establishment is refused naming it, never created on the side)."""
    from hub.accounts.services import point_json, tenant_by_slug
    from hub.accounts.setup import Setup

    async def work(store: Store) -> Any:
        tenant = await tenant_by_slug(store, args.tenant)
        fields = {
            "code": args.code,
            "label": args.label,
            "department": args.department,
            "establishment": args.establishment,
            "kind": args.kind,
        }
        point = await Setup(store, on_change=_nobody_listens).add_point(tenant["id"], fields)
        return point_json(point, (await _addressed(settings, store)).public_url)

    _print_json(_with_store(settings, work))


def _place_create(collection: str) -> Callable[[Settings, argparse.Namespace], None]:
    """`department create` / `establishment create`: as the API's, through the same service."""

    def create(settings: Settings, args: argparse.Namespace) -> None:
        from hub.accounts.services import tenant_by_slug
        from hub.accounts.setup import Setup, place_json

        async def work(store: Store) -> Any:
            tenant = await tenant_by_slug(store, args.tenant)
            fields = {"name": args.name, "slug": args.slug}
            setup = Setup(store, on_change=_nobody_listens)
            return await setup.add_place(tenant["id"], collection, fields)

        _print_json(place_json(_with_store(settings, work), collection))

    return create


async def _nobody_listens(_tenant_id: str) -> None:
    """No kiosk is connected to a command: there is no one to tell of a change."""


def _operator_create(settings: Settings, args: argparse.Namespace) -> None:
    from hub.accounts.passwords import hash_password
    from hub.installation.operators import create_operator, public_operator

    async def work(store: Store) -> Any:
        doc = await create_operator(
            store,
            email=args.email,
            password=args.password,
            name=args.name,
            hash_password=hash_password,
        )
        return {
            **public_operator(doc),
            "url": (await _addressed(settings, store)).public("/operator"),
        }

    _print_json(_with_store(settings, work))


async def _addressed(settings: Settings, store: Store) -> Settings:
    """The settings whose links a command prints: without HUB_PUBLIC_URL, a hub serving this
    store took its own address from its --host/--port (Settings.serving_on) and recorded it;
    the links are under that one, as the hub's API gives them. Said on standard error."""
    from hub.installation.address import recorded_public_url

    if settings.public_url_given:
        return settings
    recorded = await recorded_public_url(store)
    if recorded:
        note = (
            f"HUB_PUBLIC_URL is not set: links are under {recorded}, "
            "where a hub last served this database"
        )
        settings = dataclasses.replace(settings, public_url=recorded)
    else:
        note = (
            "HUB_PUBLIC_URL is not set and no hub has served this database yet: links assume "
            f"{settings.public_url} (sos-hub serve's default address)"
        )
    sys.stderr.write(f"sos-hub: {note}\n")
    return settings


def _served(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings of a hub about to listen on --host/--port, its address recorded in its
    store (which must open: otherwise exit 2 naming HUB_DATABASE_URL)."""
    from hub.installation.address import record_public_url

    settings = settings.serving_on(args.host, args.port)
    _with_store(settings, lambda store: record_public_url(store, settings.public_url))
    return settings


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    from hub.installation.address import Reach, reach_of
    from hub.serve import serve

    settings = _served(settings, args)
    reach = reach_of(settings.public_url)
    if reach is not Reach.internet:
        who = "this computer" if reach is Reach.this_computer else "devices on this network"
        sys.stderr.write(
            f"sos-hub: links and QR codes start with {settings.public_url}, which only {who} "
            "can open: set HUB_PUBLIC_URL to the hub's public address before printing "
            '(README, "The public address")\n'
        )
    serve(settings, host=args.host, port=args.port)


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    from worker.main import run_worker

    run_worker(settings)


def _demo(settings: Settings, args: argparse.Namespace) -> None:
    from hub.demo import KIOSK_TOKEN, seed_demo, seed_operator
    from hub.serve import serve

    settings = _served(settings, args)
    logins = _with_store(settings, lambda store: seed_demo(store))
    operator = _with_store(settings, seed_operator)
    base = settings.public_url
    lines = [
        "",
        "SOS hub demo — Hotel Mirador",
        f"  staff console:  {base}/console",
        f"  customer pages: {base}/q/bar-terrace   {base}/q/reception-desk   {base}/q/pool-bar",
        f"  kiosk screen:   {base}/kiosk#device_token={KIOSK_TOKEN}",
        f"  API (OpenAPI):  {base}/openapi.json",
        f"  operator:       {base}/operator   (the quality club: every business, none's tickets)",
        "  logins (password for all: demo-pass-2026):",
        *[f"    {role:<8} {email}" for role, email in [*logins, operator]],
        "",
    ]
    sys.stderr.write("\n".join(lines) + "\n")
    serve(settings, host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sos-hub",
        description="SOS hub: run the hub, or set up businesses, staff and access points "
        "from the command line. Configuration comes from HUB_* environment variables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the hub (web + socket.io)", description="Run the hub (web + socket.io)."
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.set_defaults(func=_serve)

    sub.add_parser(
        "worker",
        help="run an RQ worker with its scheduler (scale-out mode, HUB_REDIS_URL)",
        description="Run an RQ worker with its scheduler (scale-out mode, HUB_REDIS_URL).",
    ).set_defaults(func=_worker)

    demo = sub.add_parser(
        "demo",
        help="seed a demo hotel (once) and serve it",
        description="Seed a demo hotel (once) and serve it; prints its URLs and logins.",
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    demo.set_defaults(func=_demo)

    tenant = _group(sub, "tenant", "create a business, or set its logo")
    tc = _action(tenant, "create", "create a business (tenant); prints it as JSON")
    tc.add_argument("--slug", required=True, help="its short name in URLs: letters, digits, -")
    tc.add_argument("--name", required=True, help="the business's name, as guests see it")
    tc.add_argument(
        "--language",
        default="es",
        help="its main language: " + ", ".join(SUPPORTED) + " (es)",
    )
    tc.add_argument("--timezone", default="UTC", help="an IANA time zone, e.g. Europe/Madrid (UTC)")
    tc.add_argument(
        "--sla-hours", type=int, default=48, help="hours within which it promises to reply (48)"
    )
    tc.set_defaults(func=_tenant_create)
    tl = _action(tenant, "logo", "set (or --remove) the logo customer pages show")
    tl.add_argument("--tenant", required=True, help="the business's slug")
    what = tl.add_mutually_exclusive_group(required=True)
    what.add_argument("--file", help="a PNG, JPEG, WebP or GIF image of at most 60 KB")
    what.add_argument("--remove", action="store_true", help="remove the logo")
    tl.set_defaults(func=_tenant_logo)

    for collection, word, article, example in (
        ("departments", "department", "a", "Reception"),
        ("establishments", "establishment", "an", "Hotel Mirador Beach"),
    ):
        places = _group(sub, word, f"create {article} {word} of a business")
        dc = _action(places, "create", f"create {article} {word}; prints it as JSON")
        dc.add_argument("--tenant", required=True, help="the business's slug")
        dc.add_argument("--name", required=True, help=f"its name, e.g. {example!r}")
        dc.add_argument("--slug", help="its short name (default: from the name)")
        dc.set_defaults(func=_place_create(collection))

    kiosk = _group(sub, "kiosk", "create a kiosk (a touchscreen in a hall)")
    kc = _action(
        kiosk, "create", "create a kiosk; prints it with its device_token and pairing link"
    )
    kc.add_argument("--tenant", required=True, help="the business's slug")
    kc.add_argument("--name", required=True, help="its name, as staff see it")
    kc.add_argument("--point", required=True, help="the access point code the kiosk stands at")
    kc.add_argument("--department", action="append", help="a department slug it offers (repeat)")
    kc.set_defaults(func=_kiosk_create)

    user = _group(sub, "user", "create a staff user")
    uc = _action(user, "create", "create a staff user; prints it with its api_token")
    uc.add_argument("--tenant", required=True, help="the business's slug")
    uc.add_argument("--email", required=True, help="their login e-mail")
    uc.add_argument("--password", required=True, help="their password")
    uc.add_argument(
        "--role", required=True, choices=ROLES, help="agent, manager or admin (manages users too)"
    )
    uc.add_argument("--name", help="their name, as colleagues and customers see it")
    uc.add_argument("--language", help="their pages' language: " + ", ".join(SUPPORTED))
    uc.set_defaults(func=_user_create)

    point = _group(sub, "point", "create a QR access point")
    pc = _action(
        point, "create", "create a QR access point, checked as the API checks it; prints its url"
    )
    pc.add_argument("--tenant", required=True, help="the business's slug")
    pc.add_argument("--code", required=True, help="1-40 letters, digits, - and _; in its QR link")
    pc.add_argument("--label", required=True, help="where it is, as guests and staff see it")
    pc.add_argument(
        "--department",
        help="the slug of one of the business's departments (sos-hub department create)",
    )
    pc.add_argument(
        "--establishment",
        help="the slug of one of the business's establishments (sos-hub establishment create)",
    )
    pc.add_argument(
        "--kind",
        default="poster",
        choices=POINT_KINDS,
        help="what it is printed on: " + ", ".join(POINT_KINDS) + " (poster)",
    )
    pc.set_defaults(func=_point_create)

    operator = _group(sub, "operator", "create an operator of this installation")
    oc = _action(
        operator,
        "create",
        "create an operator of this installation (superadmin: opens and suspends "
        "businesses, belongs to none); prints it as JSON",
    )
    oc.add_argument("--email", required=True, help="their login e-mail")
    oc.add_argument("--password", required=True, help="their password")
    oc.add_argument("--name", help="their name")
    oc.set_defaults(func=_operator_create)
    return parser


def _group(sub: Any, name: str, summary: str) -> Any:
    """A command with actions (`tenant create`), listed in `sos-hub --help` with `summary`."""
    group = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
    return group.add_subparsers(dest="action", required=True, metavar="ACTION")


def _action(group: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """One action of a command, its one-line `summary` in the group's help and its own."""
    parser: argparse.ArgumentParser = group.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + "."
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sos-hub` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        args.func(settings, args)
    except ConfigError as exc:
        sys.stderr.write(f"sos-hub: configuration error: {exc}\n")
        return 2
    except HubError as exc:
        sys.stderr.write(f"sos-hub: {exc.message}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
