"""Settings.from_env(): the only reader of os.environ, validated at start.

Each setting is one field of `Settings` that names its variable and its parser:

    store_busy_timeout: float = setting(5.0, "HUB_STORE_BUSY_TIMEOUT", _seconds)

`from_env` reads every such field the same way; the few rules that tie two variables
together (a secret key in scale-out, SMTP and Vonage credentials in pairs, the SMTP TLS
default, Secure cookies) are the rules in `_CHECKS_AFTER`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

T = TypeVar("T")
# A parser gets the variable's value (stripped unless the setting is raw) and the variable's
# name, and returns the field's value or raises ConfigError naming the variable.
Parser = Callable[[str, str], Any]


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class _Reads:
    """Which variable fills a field, and how its text becomes the field's value."""

    var: str
    parse: Parser
    raw: bool  # True: taken as given (not stripped), set by any non-empty value


def _reads(var: str, parse: Parser, raw: bool) -> dict[str, _Reads]:
    return {"env": _Reads(var, parse, raw)}


def setting(default: T, var: str, parse: Parser | None = None, *, raw: bool = False) -> T:
    """A Settings field read from `var` (unset or blank: `default`); parse defaults to text."""
    return field(default=default, metadata=_reads(var, parse or _text, raw))


# --- parsers: (value, variable name) -> field value; every error names the variable ---


def _text(value: str, var: str) -> str:
    return value


def _database_url(db: str, var: str) -> str:
    if not db.startswith(("sqlite:///", "mongodb://", "mongodb+srv://")):
        raise ConfigError(f"{var} must start with sqlite:/// or mongodb:// (got {db!r})")
    if db.startswith("sqlite:///") and (len(db) == len("sqlite:///") or db.endswith("/")):
        raise ConfigError(f"{var} names no SQLite file (got {db!r})")
    return db


def _redis_url(url: str, var: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{var} must start with redis:// (got {url!r})")
    return url


def _http_url(raw: str, var: str) -> SplitResult:
    """An http(s) URL with a host (and, when given, a numeric port)."""
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 (raises ValueError on a non-numeric port)
    except ValueError:
        raise ConfigError(f"{var} has a bad port (got {raw!r})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{var} must be an http(s) URL (got {raw!r})")
    return parts


def _url(raw: str, var: str) -> str:
    _http_url(raw, var)
    return raw


def _base_url(raw: str, var: str) -> str:
    """A checked http(s) URL without its trailing slash (paths are appended to it)."""
    return _url(raw, var).rstrip("/")


def _origin(raw: str, var: str) -> str:
    """scheme://host[:port], as browsers send it in Origin (a path would never match)."""
    parts = _http_url(raw.rstrip("/"), var)
    if parts.path or parts.query or parts.fragment:
        raise ConfigError(f"{var} must list origins like https://host:port (got {raw!r})")
    return f"{parts.scheme}://{parts.netloc}"


def _origins(raw: str, var: str) -> tuple[str, ...]:
    return tuple(_origin(o.strip(), var) for o in raw.split(",") if o.strip())


def _networks(raw: str, var: str) -> tuple[str, ...]:
    nets = []
    for part in raw.split(","):
        try:
            nets.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise ConfigError(
                f"{var} must list IP addresses or networks (bad: {part.strip()!r})"
            ) from None
    return tuple(nets)


def _port(raw: str, var: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a port number (got {raw!r})") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{var} must be between 1 and 65535 (got {port})")
    return port


def _count(raw: str, var: str) -> int:
    """A whole number of at least 1."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ConfigError(f"{var} must be a whole number >= 1 (got {raw!r})")
    return int(raw)


def _seconds(raw: str, var: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a number of seconds (got {raw!r})") from None
    if not 0 < value < 10**7:
        raise ConfigError(f"{var} must be a positive number of seconds (got {raw!r})")
    return value


def _hours(raw: str, var: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a number of hours (got {raw!r})") from None
    if not 0 < value <= 24 * 366:
        raise ConfigError(f"{var} must be a positive number of hours, at most a year (got {raw!r})")
    return value


def _seconds_list(raw: str, var: str) -> tuple[float, ...]:
    return tuple(_seconds(part, var) for part in raw.split(","))


def _switch(raw: str, var: str) -> bool:
    value = raw.lower()
    if value not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{var} must be on or off (got {value!r})")
    return value in ("on", "true", "1", "yes")


def _choice(*options: str) -> Parser:
    """One of `options`, case-insensitive."""
    listed = ", ".join(options[:-1]) + " or " + options[-1]

    def parse(raw: str, var: str) -> str:
        value = raw.lower()
        if value not in options:
            raise ConfigError(f"{var} must be {listed} (got {value!r})")
        return value

    return parse


DEFAULT_HOST_URL = "http://127.0.0.1:8000"  # `sos-hub serve` with no --host, no --port


def served_url(host: str, port: int) -> str:
    """The address a browser on this computer opens a hub listening on host:port at (a hub
    on every interface, 0.0.0.0 or ::, is reached here at the loopback one)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:  # an IPv6 literal goes in brackets
        host = f"[{host.strip('[]')}]"
    return f"http://{host}:{port}"


def _new_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Settings:
    """Everything the hub reads from its environment, already checked."""

    database_url: str = setting("sqlite:///./var/hub.db", "HUB_DATABASE_URL", _database_url)
    redis_url: str | None = setting(None, "HUB_REDIS_URL", _redis_url)
    # the socket.io pub/sub channel; one per deployment
    redis_channel: str = setting("sos-hub", "HUB_REDIS_CHANNEL")
    secret_key: str = field(
        default_factory=_new_key, metadata=_reads("HUB_SECRET_KEY", _text, raw=True)
    )
    public_url: str = setting(DEFAULT_HOST_URL, "HUB_PUBLIC_URL", _base_url)
    # False: HUB_PUBLIC_URL is unset, and a served hub takes its own address (serving_on)
    public_url_given: bool = False
    smtp_host: str | None = setting(None, "HUB_SMTP_HOST", raw=True)
    smtp_port: int = setting(25, "HUB_SMTP_PORT", _port, raw=True)
    smtp_user: str | None = setting(None, "HUB_SMTP_USER", raw=True)
    smtp_password: str | None = setting(None, "HUB_SMTP_PASSWORD", raw=True)
    smtp_from: str = setting("sos-hub@localhost", "HUB_SMTP_FROM", raw=True)
    smtp_tls: str = setting("none", "HUB_SMTP_TLS", _choice("none", "starttls", "tls"))
    vonage_api_key: str | None = setting(None, "HUB_VONAGE_API_KEY", raw=True)
    vonage_api_secret: str | None = setting(None, "HUB_VONAGE_API_SECRET", raw=True)
    vonage_from: str = setting("SOS hub", "HUB_VONAGE_FROM", raw=True)
    vonage_host: str | None = setting(None, "HUB_VONAGE_HOST", raw=True)
    translate_url: str | None = setting(None, "HUB_TRANSLATE_URL", _url)
    translate_key: str | None = setting(None, "HUB_TRANSLATE_KEY", raw=True)
    # auto: Apertium for the pairs it can route, the HTTP API of HUB_TRANSLATE_URL for the rest
    translate_provider: str = setting(
        "auto",
        "HUB_TRANSLATE_PROVIDER",
        _choice("auto", "apertium", "libretranslate", "deepl", "none"),
    )
    # off: no language models loaded (saves their ~370 MB process); an SOS keeps the
    # language of its page or the one its API caller named
    language_detection: bool = setting(True, "HUB_LANGUAGE_DETECTION", _switch)
    # Delivery: the RQ queue, how long a claim on an outbox item lasts, when a pending item
    # counts as lost (the sweeper re-enqueues it), the length of an escalation "minute" in
    # seconds (shortened only by tests and demos), and the waits between attempts.
    rq_queue: str = setting("sos-hub", "HUB_RQ_QUEUE")
    outbox_lease: float = setting(60.0, "HUB_OUTBOX_LEASE", _seconds)
    outbox_stale: float = setting(120.0, "HUB_OUTBOX_STALE", _seconds)
    # How often each hub looks for kiosks gone silent (hub/accounts/kiosk_watch.py)
    kiosk_check_every: float = setting(30.0, "HUB_KIOSK_CHECK_EVERY", _seconds)
    escalation_minute: float = setting(60.0, "HUB_ESCALATION_MINUTE", _seconds)
    # Waits between attempts after a transient failure (the last repeats), for as long as
    # the retry window (from the item's creation or a manager's re-send) lasts: a provider
    # away for hours loses nothing; a permanent refusal fails at once.
    outbox_backoff: tuple[float, ...] = setting(
        (15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0), "HUB_OUTBOX_BACKOFF", _seconds_list
    )
    outbox_retry_window: float = setting(86400.0, "HUB_OUTBOX_RETRY_WINDOW", _seconds)
    rate_limits: bool = setting(True, "HUB_RATE_LIMITS", _switch)
    # how long an invitation's or a password reset's one-time set-password link works: hours
    invite_hours: float = setting(72.0, "HUB_INVITE_HOURS", _hours)
    # follows HUB_PUBLIC_URL's scheme; HUB_INSECURE_COOKIES turns it off (_cookies_rule)
    secure_cookies: bool = True
    allowed_origins: tuple[str, ...] = setting((), "HUB_ALLOWED_ORIGINS", _origins)
    trusted_proxies: tuple[str, ...] = setting((), "HUB_TRUSTED_PROXIES", _networks)
    # open socket.io connections one address may hold
    sockets_per_address: int = setting(500, "HUB_SOCKETS_PER_ADDRESS", _count)
    # How long a store call may wait (a locked SQLite file, an unreachable MongoDB) before the
    # request gets 503 with Retry-After instead of hanging: seconds.
    store_timeout: float = setting(3.0, "HUB_STORE_TIMEOUT", _seconds)
    secret_key_was_generated: bool = False

    @property
    def store_kind(self) -> str:
        """'sqlite' or 'mongodb', from the database URL's scheme."""
        mongo = self.database_url.startswith(("mongodb://", "mongodb+srv://"))
        return "mongodb" if mongo else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file named by a SQLAlchemy-style URL (3 slashes relative, 4 absolute)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of the public URL: the origin browsers send."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def serving_on(self, host: str, port: int) -> Settings:
        """These settings for a hub listening on host:port: without HUB_PUBLIC_URL, links and
        the accepted socket origin are that address (`serve` and `demo` alike), not the
        default's port 8000, where nothing may listen."""
        if self.public_url_given:
            return self
        url = served_url(host, port)
        return replace(self, public_url=url, secure_cookies=False)  # a plain-http address

    def public(self, path: str) -> str:
        """An absolute URL under HUB_PUBLIC_URL."""
        return self.public_url.rstrip("/") + path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the HUB_* variables; raise ConfigError naming the bad one."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            if "env" in f.metadata:
                _read(f.metadata["env"], f.name, env, values)
            if f.name in _CHECKS_AFTER:
                _CHECKS_AFTER[f.name](values, env)
        return cls(**values)  # type: ignore[arg-type]


def _read(reads: _Reads, name: str, env: Mapping[str, str], values: dict[str, object]) -> None:
    """Parse one variable into values[name]; unset or blank leaves the field's default."""
    given = env.get(reads.var, "")
    if not reads.raw:
        given = given.strip()
    if given:
        values[name] = reads.parse(given, reads.var)


# --- rules that tie variables together: each runs right after the last field it depends on
# (so with several bad variables, the first in field order is named) and may fill derived values


def _secret_key_rule(values: dict[str, object], env: Mapping[str, str]) -> None:
    if "secret_key" not in values:
        if "redis_url" in values:
            # each instance and worker would sign cookies and /ack links with its own key
            raise ConfigError("HUB_SECRET_KEY must be set when HUB_REDIS_URL is (scale-out)")
        values["secret_key_was_generated"] = True


def _smtp_rule(values: dict[str, object], env: Mapping[str, str]) -> None:
    if "smtp_tls" not in values and "smtp_user" in values:
        values["smtp_tls"] = "starttls"  # a login is never sent in clear by default
    _both("HUB_SMTP_USER", "HUB_SMTP_PASSWORD", env)


def _vonage_rule(values: dict[str, object], env: Mapping[str, str]) -> None:
    _both("HUB_VONAGE_API_KEY", "HUB_VONAGE_API_SECRET", env)


def _public_url_rule(values: dict[str, object], env: Mapping[str, str]) -> None:
    values["public_url_given"] = "public_url" in values


def _cookies_rule(values: dict[str, object], env: Mapping[str, str]) -> None:
    # Browsers drop Secure cookies over plain http: follow the public URL's scheme.
    public_url = str(values.get("public_url", Settings.public_url))
    values["secure_cookies"] = urlsplit(public_url).scheme == "https"
    if env.get("HUB_INSECURE_COOKIES", "") in ("1", "true", "yes"):
        values["secure_cookies"] = False


_CHECKS_AFTER: dict[str, Callable[[dict[str, object], Mapping[str, str]], None]] = {
    "secret_key": _secret_key_rule,
    "public_url": _public_url_rule,
    "smtp_tls": _smtp_rule,
    "vonage_host": _vonage_rule,
    "secret_key_was_generated": _cookies_rule,  # the last field: nothing can fail after it
}


def _both(first: str, second: str, env: Mapping[str, str]) -> None:
    """Two variables that only work together: name the missing one."""
    have = {var: bool(env.get(var, "").strip()) for var in (first, second)}
    if have[first] != have[second]:
        missing = first if not have[first] else second
        other = second if missing == first else first
        raise ConfigError(f"{missing} must be set when {other} is")
