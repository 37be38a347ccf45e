"""The `sos-hub` commands, run as real subprocesses against a SQLite file."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.app import create_app
from hub.demo import seed_demo
from hub.http.ratelimit import RateLimiter
from hub.settings import Settings
from hub.store.schema import SCHEMA_VERSION
from hub.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://sos.example.com"


def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_DATABASE_URL": db_url, "HUB_PUBLIC_URL": PUBLIC_URL, **extra}


def run(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON object a command printed: the whole stdout parses as exactly that."""
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    return out


def refused(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "x.db"


@pytest.fixture
def env(db: Path) -> dict[str, str]:
    assert db.is_absolute()  # so this URL has the four slashes of an absolute path
    return _env(f"sqlite:///{db}")


def test_tenant_create_prints_the_tenant_as_one_json_object(env: dict[str, str]) -> None:
    tenant = ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme Café"))
    assert tenant["slug"] == "acme" and tenant["name"] == "Acme Café"
    assert tenant["language"] == "es" and tenant["timezone"] == "UTC"
    assert isinstance(tenant["id"], str) and tenant["id"]
    tenant = ok_json(
        run(
            env,
            "tenant",
            "create",
            "--slug",
            "bcn",
            "--name",
            "B",
            "--language",
            "en",
            "--timezone",
            "Europe/Madrid",
        )
    )
    assert (tenant["language"], tenant["timezone"]) == ("en", "Europe/Madrid")


def test_a_taken_slug_exits_non_zero_with_a_readable_message(env: dict[str, str]) -> None:
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    refused(
        run(env, "tenant", "create", "--slug", "acme", "--name", "Acme again"),
        1,
        "acme",
        "already exists",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--slug", "Not A Slug", "--name", "x"), ("slug",)),
        (("--slug", "ok", "--name", "   "), ("name",)),
        (("--slug", "ok", "--name", "x", "--timezone", "Mars/Olympus"), ("time zone",)),
        (("--slug", "ok", "--name", "x", "--language", "español"), ("language",)),
    ],
)
def test_a_bad_tenant_field_is_refused_naming_it(
    env: dict[str, str], db: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    refused(run(env, "tenant", "create", *args), 1, *words)


async def test_user_create_prints_an_api_token_that_authenticates(
    env: dict[str, str], db: Path
) -> None:
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    user = ok_json(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "Boss@Acme.example",
            "--password",
            "long-enough-1",
            "--role",
            "manager",
        )
    )
    assert user["email"] == "boss@acme.example" and user["role"] == "manager"
    assert user["api_token"] and "password_hash" not in user and "token_hash" not in user

    settings = dataclasses.replace(Settings.from_env(env), secure_cookies=False)
    the_hub = create_app(settings)
    async with the_hub.quart.test_app():
        client = the_hub.quart.test_client()
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {user['api_token']}"})
        assert r.status_code == 200
        assert (await r.get_json())["user"]["email"] == "boss@acme.example"
        r = await client.post(
            "/api/v1/auth/login", json={"email": "boss@acme.example", "password": "long-enough-1"}
        )
        assert r.status_code == 200


def test_a_user_for_an_unknown_tenant_or_with_a_short_password_is_refused(
    env: dict[str, str],
) -> None:
    refused(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "nope",
            "--email",
            "a@b.example",
            "--password",
            "long-enough-1",
            "--role",
            "agent",
        ),
        1,
        "nope",
    )
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    refused(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "a@b.example",
            "--password",
            "short",
            "--role",
            "agent",
        ),
        1,
        "password",
    )
    refused(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "not-an-email",
            "--password",
            "long-enough-1",
            "--role",
            "agent",
        ),
        1,
        "email",
    )
    refused(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "a@b.example",
            "--password",
            "long-enough-1",
            "--role",
            "boss",
        ),
        2,
        "role",
    )
    ok_json(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "a@b.example",
            "--password",
            "long-enough-1",
            "--role",
            "agent",
        )
    )
    refused(
        run(
            env,
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "A@b.example",
            "--password",
            "long-enough-2",
            "--role",
            "admin",
        ),
        1,
        "already exists",
    )


def test_point_create_prints_the_point_with_its_public_url(env: dict[str, str]) -> None:
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    department = ok_json(run(env, "department", "create", "--tenant", "acme", "--name", "Pool bar"))
    assert (department["slug"], department["name"]) == ("pool-bar", "Pool bar")
    point = ok_json(
        run(
            env,
            "point",
            "create",
            "--tenant",
            "acme",
            "--code",
            "bar-1",
            "--label",
            "Bar terrace",
            "--department",
            "pool-bar",
        )
    )
    assert point["url"] == f"{PUBLIC_URL}/q/bar-1"
    assert (point["code"], point["label"], point["department"]) == (
        "bar-1",
        "Bar terrace",
        "pool-bar",
    )
    refused(
        run(env, "point", "create", "--tenant", "acme", "--code", "bar-1", "--label", "x"),
        1,
        "bar-1",
        "is taken",
    )
    refused(
        run(env, "point", "create", "--tenant", "acme", "--code", "bad code", "--label", "x"),
        1,
        "code",
    )


async def test_point_create_refuses_a_department_or_establishment_the_business_lacks(
    env: dict[str, str], db: Path
) -> None:
    """As the API refuses them (400 naming the field); the command did exit 0 and store both."""
    ok_json(run(env, "tenant", "create", "--slug", "casa", "--name", "Casa Sabores"))
    args = ("point", "create", "--tenant", "casa", "--code", "mesa-2", "--label", "Mesa 2")
    both = ("--department", "sala", "--establishment", "nowhere")
    refused(run(env, *args, *both), 1, "department", "'sala'")
    refused(run(env, *args, "--establishment", "nowhere"), 1, "establishment", "'nowhere'")
    store = SqliteStore(db)
    await store.open()
    try:  # nothing stored on the side
        tenant = await store.lookup("tenants", "slug", "casa")
        assert tenant is not None
        kept = [await store.count(tenant["id"], c) for c in PLACES_AND_POINTS]
        assert kept == [0, 0, 0]
    finally:
        await store.close()
    ok_json(run(env, "establishment", "create", "--tenant", "casa", "--name", "Nowhere"))
    ok_json(run(env, "department", "create", "--tenant", "casa", "--name", "Sala"))
    point = ok_json(run(env, *args, *both))
    assert (point["department"], point["establishment"]) == ("sala", "nowhere")


PLACES_AND_POINTS = ("departments", "establishments", "points")
ACTIONS = (
    ("serve",),
    ("demo",),
    ("tenant", "create"),
    ("tenant", "logo"),
    ("department", "create"),
    ("establishment", "create"),
    ("kiosk", "create"),
    ("user", "create"),
    ("point", "create"),
    ("operator", "create"),
)


def option_helps(text: str) -> dict[str, str]:
    """`--option: its help text` from an argparse help screen's "options:" section."""
    section = text.split("options:\n", 1)[1]
    helps: dict[str, str] = {}
    for entry in re.split(r"\n(?=  -)", section.strip("\n")):
        first, _, rest = entry.strip().partition("\n")
        signature, *said = re.split(r"\s{2,}", first, maxsplit=1)
        name = signature.split()[0].rstrip(",")
        helps[name] = " ".join([*said, rest]).strip()
    return helps


def test_every_command_and_option_says_what_it_is_for() -> None:
    """`sos-hub --help` lists every command with a line of its own; each option has help,
    with its choices (no need to be refused to learn them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    top = run(env, "--help").stdout
    for words in ACTIONS:
        listed = re.search(rf"^    {words[0]}\b(.*)\n(.*)$", top, re.M)
        assert listed is not None, (words, top)
        assert len((listed[1].strip() or listed[2]).strip()) > 10, (words, top)
        shown = run(env, *words, "--help")
        assert shown.returncode == 0, shown.stderr
        helps = option_helps(shown.stdout)
        missing = [o for o, said in helps.items() if o != "-h" and not said]
        assert len(helps) > 1 and not missing, (words, missing, shown.stdout)
        if len(words) == 2:  # the action is listed with its line in its command's help
            group = run(env, words[0], "--help").stdout
            assert re.search(rf"^    {words[1]}\s+\S", group, re.M), group
    kinds = " ".join(option_helps(run(env, "point", "create", "--help").stdout)["--kind"].split())
    assert "poster, flyer, coaster, receipt, table-tent, kiosk" in kinds
    roles = option_helps(run(env, "user", "create", "--help").stdout)["--role"]
    assert "agent, manager or admin" in " ".join(roles.split())


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("HUB_DATABASE_URL", "postgres://x"),
        ("HUB_DATABASE_URL", "sqlite:///"),
        ("HUB_SMTP_PORT", "smtp"),
        ("HUB_SMTP_PORT", "70000"),
        ("HUB_SMTP_TLS", "ssl"),
        ("HUB_REDIS_URL", "localhost:6379"),
        ("HUB_PUBLIC_URL", "sos.example.com"),
        ("HUB_RATE_LIMITS", "maybe"),
    ],
)
def test_a_bad_variable_exits_2_naming_it(
    env: dict[str, str], db: Path, var: str, value: str
) -> None:
    refused(
        run({**env, var: value}, "tenant", "create", "--slug", "acme", "--name", "Acme"), 2, var
    )
    assert not db.exists()


def test_a_database_that_cannot_be_opened_exits_2_naming_hub_database_url(
    tmp_path: Path,
) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not a database\n" * 100)
    for url in (f"sqlite:///{not_a_db}", f"sqlite:///{not_a_db}/inside.db"):
        refused(
            run(_env(url), "tenant", "create", "--slug", "acme", "--name", "Acme"),
            2,
            "HUB_DATABASE_URL",
        )


def test_relative_and_absolute_sqlite_urls_name_the_file_as_in_sqlalchemy(
    tmp_path: Path,
) -> None:
    relative = _env("sqlite:///data/rel.db")
    ok_json(run(relative, "tenant", "create", "--slug", "acme", "--name", "Acme", cwd=tmp_path))
    assert (tmp_path / "data" / "rel.db").is_file()
    absolute = _env(f"sqlite:////{str(tmp_path / 'abs' / 'abs.db').lstrip('/')}")
    assert absolute["HUB_DATABASE_URL"].startswith("sqlite:////")
    ok_json(run(absolute, "tenant", "create", "--slug", "acme", "--name", "Acme", cwd=ROOT))
    assert (tmp_path / "abs" / "abs.db").is_file()
    # the same file again: the slug is taken there, so this really is one database
    refused(run(absolute, "tenant", "create", "--slug", "acme", "--name", "Acme"), 1, "acme")


async def test_the_demo_is_seeded_only_once(db: Path) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        first = await seed_demo(store)
        second = await seed_demo(store)
        assert first == second and len(first) == 3
        tenant = await store.lookup("tenants", "slug", "hotel-mirador")
        assert tenant is not None
        tid = tenant["id"]
        counts = {c: await store.count(tid, c) for c in ("tickets", "users", "points")}
        assert counts == {"tickets": 12, "users": 3, "points": 6}
        rows = await store._read("SELECT count(*) FROM tenants", [])
        assert rows[0][0] == 1
        numbers = sorted(t["number"] for t in await store.find(tid, "tickets"))
        assert numbers == list(range(1, 13))
        # canned answers in both languages, one pointing a claim to the formal complaint form
        answers = await store.find(tid, "answers")
        assert {a["language"] for a in answers} == {"es", "en"}
        claims = [a for a in answers if a["category"] == "claim_new"]
        assert claims and all("hoja de reclamaciones" in a["text"] for a in claims)
    finally:
        await store.close()


# Words that gave away English data on the Spanish hotel's pages (names of places,
# departments, the kiosk, the rule, canned answers' titles, staff, guests).
ENGLISH = re.compile(
    r"\b(the|and|to|for|of|desk|reception|restaurant|receipt|pool|lobby|kiosk|terrace|guest|"
    r"thanks|apology|answer|warning|closing|form|complaint|question|kind words)\b",
    re.IGNORECASE,
)


async def test_the_demo_hotel_s_own_data_is_in_its_language_spanish(db: Path) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        await seed_demo(store)
        tenant = await store.lookup("tenants", "slug", "hotel-mirador")
        assert tenant is not None and tenant["language"] == "es"
        tid = tenant["id"]
        points = {p["code"]: p["label"] for p in await store.find(tid, "points")}
        # the codes the README and the tests use are unchanged
        assert {"bar-terrace", "reception-desk", "pool-bar"} <= points.keys()
        assert points["bar-terrace"] == "Terraza del bar"
        named = [
            *points.values(),
            *(d["name"] for d in await store.find(tid, "departments")),
            *(k["name"] for k in await store.find(tid, "kiosks")),
            *(k["welcome"] for k in await store.find(tid, "kiosks")),
            *(r["name"] for r in await store.find(tid, "rules")),
            *(a["title"] for a in await store.find(tid, "answers")),
            *(u["name"] for u in await store.find(tid, "users")),
            *(t["contact"]["name"] for t in await store.find(tid, "tickets") if t["contact"]),
        ]
        assert [n for n in named if ENGLISH.search(n)] == []
        assert {u["language"] for u in await store.find(tid, "users")} == {"es"}
        logins = {u["email"] for u in await store.find(tid, "users")}
        assert logins == {
            "direccion@hotel-mirador.example",
            "recepcion@hotel-mirador.example",
            "bar@hotel-mirador.example",
        }
    finally:
        await store.close()


async def test_the_demo_hotel_is_set_up_and_its_quality_club_operator_exists(db: Path) -> None:
    from hub.accounts.first_run import FirstRun
    from hub.demo import OPERATOR, PASSWORD, seed_operator
    from hub.installation.operators import Operators
    from hub.ports import INSTALLATION

    store = SqliteStore(db)
    await store.open()
    try:
        await seed_demo(store)
        assert await seed_operator(store) == await seed_operator(store) == ("operator", OPERATOR[0])
        assert await store.count(INSTALLATION, "operators") == 1
        tenant = await store.lookup("tenants", "slug", "hotel-mirador")
        assert tenant is not None
        # its manager lands on the console, as before the checklist existed
        checklist = await FirstRun(store, PUBLIC_URL).checklist(tenant)
        assert checklist.complete, checklist.to_json()
        operators = Operators(store, RateLimiter(Settings(rate_limits=False)))
        found = await operators.check_login(OPERATOR[0], PASSWORD, "127.0.0.1")
        assert found["name"] == OPERATOR[1] and found["tenant_id"] == INSTALLATION  # no business
    finally:
        await store.close()


async def test_the_schema_version_is_recorded_and_reopening_keeps_the_data(
    env: dict[str, str], db: Path
) -> None:
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    store = SqliteStore(db)
    await store.open()
    try:
        assert await store.schema_version() == SCHEMA_VERSION
    finally:
        await store.close()
    store = SqliteStore(db)
    await store.open()
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        tenant = await store.lookup("tenants", "slug", "acme")
        assert tenant is not None and tenant["name"] == "Acme"
    finally:
        await store.close()


async def test_an_older_file_is_migrated_on_open(db: Path) -> None:
    # a version-0 file: the meta table says 0 and an index added since is missing
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raw.execute("INSERT INTO meta VALUES ('schema_version', '0')")
        raw.execute(
            "CREATE TABLE tenants (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, doc TEXT NOT NULL)"
        )
        raw.execute(
            "INSERT INTO tenants VALUES ('t1', 't1', ?)",
            ['{"id": "t1", "tenant_id": "t1", "slug": "old", "name": "Old"}'],
        )
    raw.close()
    store = SqliteStore(db)
    await store.open()
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert (await store.lookup("tenants", "slug", "old") or {}).get("name") == "Old"
        rows = await store._read(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'ux_tenants_slug'", []
        )
        assert rows, "the unique slug index was not added"
        assert await store.count("t1", "tickets") == 0  # tables added since exist now
    finally:
        await store.close()
