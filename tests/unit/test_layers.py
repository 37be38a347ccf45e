"""Which way imports point (docs/architecture.md): checked on the source, not remembered."""

from __future__ import annotations

import ast
from pathlib import Path

HUB = Path(__file__).resolve().parents[2] / "hub"
DRIVERS = (
    "quart",
    "quart_auth",
    "quart_schema",
    "socketio",
    "engineio",
    "motor",
    "pymongo",
    "aiosqlite",
    "redis",
    "rq",
    "aiosmtplib",
    "vonage",
    "httpx",
)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def offenders(folder: str, banned: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted((HUB / folder).rglob("*.py")):
        bad = sorted(m for m in imports(path) if m.split(".")[0] in banned or m in banned)
        if bad:
            out[str(path.relative_to(HUB))] = bad
    return out


def test_routes_never_import_the_composition_root() -> None:
    assert offenders("routes", ("hub.app",)) == {}


def test_the_ticket_domain_imports_no_framework_driver_or_worker() -> None:
    assert offenders("tickets", (*DRIVERS, "worker")) == {}


def test_the_hub_never_imports_the_worker() -> None:
    # `sos-hub worker` is an entry point like the routes: it may start the worker's loop.
    found = offenders(".", ("worker",))
    assert found.pop("cli.py", None) == ["worker.main"]
    assert found == {}


def store_uses(path: Path) -> list[int]:
    """Lines of `path` that reach for a `.store` attribute (the store behind the services)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "store"
    ]


def test_routes_reach_the_store_only_through_the_hubs_services() -> None:
    found = {
        str(path.relative_to(HUB)): lines
        for path in sorted((HUB / "routes").rglob("*.py"))
        if (lines := store_uses(path))
    }
    assert found == {}


def calls_of(path: Path, name: str) -> list[int]:
    """Lines of `path` calling something named `name` (a function or a method)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                out.append(node.lineno)
    return out


def test_every_door_hands_its_sos_to_the_one_intake_path() -> None:
    routes = sorted((HUB / "routes").rglob("*.py"))
    submitting = {p.name for p in routes if calls_of(p, "submit_sos")}
    assert submitting == {"intake.py"}
    doors = {p.name for p in routes if calls_of(p, "submit") and p.name != "intake.py"}
    assert doors == {"api.py", "customer.py", "kiosks.py"}
