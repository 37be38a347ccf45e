"""Settings.from_env(): the only reader of os.environ, validated at start."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything the hub reads from its environment, already checked."""

    database_url: str = "sqlite:///./var/hub.db"
    redis_url: str | None = None
    redis_channel: str = "sos-hub"  # the socket.io pub/sub channel; one per deployment
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "sos-hub@localhost"
    smtp_tls: str = "none"
    vonage_api_key: str | None = None
    vonage_api_secret: str | None = None
    vonage_from: str = "SOS hub"
    vonage_host: str | None = None
    translate_url: str | None = None
    translate_key: str | None = None
    # auto: the HTTP API when HUB_TRANSLATE_URL is set, else Apertium when installed, else none
    translate_provider: str = "auto"
    rate_limits: bool = True
    # Delivery: the RQ queue, how long a claim on an outbox item lasts, when a pending item
    # counts as lost (the sweeper re-enqueues it), the waits between attempts, and the length
    # of an escalation "minute" in seconds (shortened only by tests and demos).
    rq_queue: str = "sos-hub"
    outbox_lease: float = 60.0
    outbox_stale: float = 120.0
    outbox_backoff: tuple[float, ...] = (15.0, 60.0)
    escalation_minute: float = 60.0
    secure_cookies: bool = True
    allowed_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    sockets_per_address: int = 500  # open socket.io connections one address may hold
    # How long a store call may wait (a locked SQLite file, an unreachable MongoDB) before the
    # request gets 503 with Retry-After instead of hanging: seconds.
    store_timeout: float = 3.0
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

    def public(self, path: str) -> str:
        """An absolute URL under HUB_PUBLIC_URL."""
        return self.public_url.rstrip("/") + path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the HUB_* variables; raise ConfigError naming the bad one."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}

        db = env.get("HUB_DATABASE_URL", "").strip()
        if db:
            if not db.startswith(("sqlite:///", "mongodb://", "mongodb+srv://")):
                raise ConfigError(
                    "HUB_DATABASE_URL must start with sqlite:/// or mongodb:// "
                    f"(got {db!r})"
                )
            if db.startswith("sqlite:///") and (len(db) == len("sqlite:///") or db.endswith("/")):
                raise ConfigError(f"HUB_DATABASE_URL names no SQLite file (got {db!r})")
            values["database_url"] = db

        redis_url = env.get("HUB_REDIS_URL", "").strip()
        if redis_url:
            if not redis_url.startswith(("redis://", "rediss://", "unix://")):
                raise ConfigError(f"HUB_REDIS_URL must start with redis:// (got {redis_url!r})")
            values["redis_url"] = redis_url
        channel = env.get("HUB_REDIS_CHANNEL", "").strip()
        if channel:
            values["redis_channel"] = channel

        key = env.get("HUB_SECRET_KEY", "")
        if key:
            values["secret_key"] = key
        elif redis_url:
            # each instance and worker would sign cookies and /ack links with its own key
            raise ConfigError("HUB_SECRET_KEY must be set when HUB_REDIS_URL is (scale-out)")
        else:
            values["secret_key_was_generated"] = True

        public = env.get("HUB_PUBLIC_URL", "").strip()
        if public:
            _http_url(public, "HUB_PUBLIC_URL")
            values["public_url"] = public.rstrip("/")

        if env.get("HUB_SMTP_HOST"):
            values["smtp_host"] = env["HUB_SMTP_HOST"]
        if env.get("HUB_SMTP_PORT"):
            values["smtp_port"] = _port(env["HUB_SMTP_PORT"], "HUB_SMTP_PORT")
        for name in ("user", "password", "from"):
            var = f"HUB_SMTP_{name.upper()}"
            if env.get(var):
                values[f"smtp_{name}"] = env[var]
        tls = env.get("HUB_SMTP_TLS", "").strip().lower()
        if tls:
            if tls not in ("none", "starttls", "tls"):
                raise ConfigError(f"HUB_SMTP_TLS must be none, starttls or tls (got {tls!r})")
            values["smtp_tls"] = tls
        elif env.get("HUB_SMTP_USER"):
            values["smtp_tls"] = "starttls"
        _both("HUB_SMTP_USER", "HUB_SMTP_PASSWORD", env)

        for name in ("api_key", "api_secret", "from", "host"):
            var = f"HUB_VONAGE_{name.upper()}"
            if env.get(var):
                values[f"vonage_{name}"] = env[var]
        _both("HUB_VONAGE_API_KEY", "HUB_VONAGE_API_SECRET", env)
        if env.get("HUB_TRANSLATE_URL", "").strip():
            translate = env["HUB_TRANSLATE_URL"].strip()
            _http_url(translate, "HUB_TRANSLATE_URL")
            values["translate_url"] = translate
        if env.get("HUB_TRANSLATE_KEY"):
            values["translate_key"] = env["HUB_TRANSLATE_KEY"]
        provider = env.get("HUB_TRANSLATE_PROVIDER", "").strip().lower()
        if provider:
            if provider not in ("auto", "apertium", "libretranslate", "deepl", "none"):
                raise ConfigError(
                    "HUB_TRANSLATE_PROVIDER must be auto, apertium, libretranslate, deepl or none"
                    f" (got {provider!r})"
                )
            values["translate_provider"] = provider

        if env.get("HUB_RQ_QUEUE", "").strip():
            values["rq_queue"] = env["HUB_RQ_QUEUE"].strip()
        for var, name in (
            ("HUB_OUTBOX_LEASE", "outbox_lease"),
            ("HUB_OUTBOX_STALE", "outbox_stale"),
            ("HUB_ESCALATION_MINUTE", "escalation_minute"),
            ("HUB_STORE_TIMEOUT", "store_timeout"),
        ):
            if env.get(var, "").strip():
                values[name] = _seconds(env[var], var)
        if env.get("HUB_OUTBOX_BACKOFF", "").strip():
            values["outbox_backoff"] = tuple(
                _seconds(part, "HUB_OUTBOX_BACKOFF")
                for part in env["HUB_OUTBOX_BACKOFF"].split(",")
            )

        limits = env.get("HUB_RATE_LIMITS", "").strip().lower() or "on"
        if limits not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
            raise ConfigError(f"HUB_RATE_LIMITS must be on or off (got {limits!r})")
        values["rate_limits"] = limits in ("on", "true", "1", "yes")

        origins = env.get("HUB_ALLOWED_ORIGINS", "").strip()
        if origins:
            values["allowed_origins"] = tuple(
                _origin(o.strip(), "HUB_ALLOWED_ORIGINS") for o in origins.split(",") if o.strip()
            )
        proxies = env.get("HUB_TRUSTED_PROXIES", "").strip()
        if proxies:
            import ipaddress

            nets = []
            for raw in proxies.split(","):
                try:
                    nets.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
                except ValueError:
                    raise ConfigError(
                        "HUB_TRUSTED_PROXIES must list IP addresses or networks"
                        f" (bad: {raw.strip()!r})"
                    ) from None
            values["trusted_proxies"] = tuple(nets)
        if env.get("HUB_SOCKETS_PER_ADDRESS", "").strip():
            raw = env["HUB_SOCKETS_PER_ADDRESS"].strip()
            if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
                raise ConfigError(
                    f"HUB_SOCKETS_PER_ADDRESS must be a whole number >= 1 (got {raw!r})"
                )
            values["sockets_per_address"] = int(raw)
        # Browsers drop Secure cookies over plain http: follow the public URL's scheme.
        public_scheme = urlsplit(str(values.get("public_url", cls.public_url))).scheme
        values["secure_cookies"] = public_scheme == "https"
        if env.get("HUB_INSECURE_COOKIES", "") in ("1", "true", "yes"):
            values["secure_cookies"] = False
        return cls(**values)  # type: ignore[arg-type]


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


def _origin(raw: str, var: str) -> str:
    """scheme://host[:port], as browsers send it in Origin (a path would never match)."""
    parts = _http_url(raw.rstrip("/"), var)
    if parts.path or parts.query or parts.fragment:
        raise ConfigError(f"{var} must list origins like https://host:port (got {raw!r})")
    return f"{parts.scheme}://{parts.netloc}"


def _both(first: str, second: str, env: Mapping[str, str]) -> None:
    """Two variables that only work together: name the missing one."""
    have = {var: bool(env.get(var, "").strip()) for var in (first, second)}
    if have[first] != have[second]:
        missing = first if not have[first] else second
        other = second if missing == first else first
        raise ConfigError(f"{missing} must be set when {other} is")


def _port(raw: str, var: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a port number (got {raw!r})") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{var} must be between 1 and 65535 (got {port})")
    return port


def _seconds(raw: str, var: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a number of seconds (got {raw!r})") from None
    if not 0 < value < 10**7:
        raise ConfigError(f"{var} must be a positive number of seconds (got {raw!r})")
    return value
