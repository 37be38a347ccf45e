"""Settings.from_env: defaults, what each variable sets, and a message naming every bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import ConfigError, Settings


def test_nothing_set_means_embedded_mode_with_safe_defaults() -> None:
    s = Settings.from_env({})
    assert s.database_url == "sqlite:///./var/hub.db"
    assert s.store_kind == "sqlite" and s.sqlite_path == Path("var/hub.db")
    assert s.redis_url is None
    assert s.rate_limits is True
    assert s.smtp_host is None and s.smtp_port == 25 and s.smtp_tls == "none"
    assert s.vonage_api_key is None and s.translate_url is None
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.secure_cookies is False  # browsers drop Secure cookies over the default http
    assert len(s.secret_key) >= 32 and s.secret_key_was_generated
    assert Settings.from_env({}).secret_key != s.secret_key  # never a fixed, guessable key


def test_the_variables_of_the_contract_are_read() -> None:
    s = Settings.from_env(
        {
            "HUB_DATABASE_URL": "mongodb://db.internal:27017/sos",
            "HUB_REDIS_URL": "redis://cache:6379/1",
            "HUB_SECRET_KEY": "k" * 40,
            "HUB_PUBLIC_URL": "https://sos.example.com/",
            "HUB_SMTP_HOST": "mail.example.com",
            "HUB_SMTP_PORT": "587",
            "HUB_SMTP_USER": "hub",
            "HUB_SMTP_PASSWORD": "pw",
            "HUB_SMTP_FROM": "SOS <sos@example.com>",
            "HUB_VONAGE_API_KEY": "key",
            "HUB_VONAGE_API_SECRET": "secret",
            "HUB_VONAGE_FROM": "Hotel",
            "HUB_VONAGE_HOST": "127.0.0.1:8443",
            "HUB_TRANSLATE_URL": "https://translate.example.com",
            "HUB_TRANSLATE_KEY": "tk",
            "HUB_RATE_LIMITS": "off",
        }
    )
    assert s.store_kind == "mongodb" and s.database_url == "mongodb://db.internal:27017/sos"
    assert s.redis_url == "redis://cache:6379/1"
    assert s.secret_key == "k" * 40 and not s.secret_key_was_generated
    assert s.public_url == "https://sos.example.com"
    assert s.public("/q/bar") == "https://sos.example.com/q/bar"
    assert s.public_origin == "https://sos.example.com"
    assert s.secure_cookies is True
    assert (s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_password) == (
        "mail.example.com",
        587,
        "hub",
        "pw",
    )
    assert s.smtp_from == "SOS <sos@example.com>"
    assert s.smtp_tls == "starttls"  # a user is set and no HUB_SMTP_TLS: never send it in clear
    assert (s.vonage_api_key, s.vonage_api_secret, s.vonage_from, s.vonage_host) == (
        "key",
        "secret",
        "Hotel",
        "127.0.0.1:8443",
    )
    assert (s.translate_url, s.translate_key) == ("https://translate.example.com", "tk")
    assert s.rate_limits is False


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///relative/hub.db", Path("relative/hub.db")),
        ("sqlite:///./var/x.db", Path("var/x.db")),
        ("sqlite:////srv/sos/hub.db", Path("/srv/sos/hub.db")),
    ],
)
def test_sqlite_urls_name_files_as_sqlalchemy_does(url: str, path: Path) -> None:
    s = Settings.from_env({"HUB_DATABASE_URL": url})
    assert s.store_kind == "sqlite" and s.sqlite_path == path


def test_smtp_tls_defaults_to_none_without_a_user_and_can_be_chosen() -> None:
    assert Settings.from_env({"HUB_SMTP_HOST": "mx"}).smtp_tls == "none"
    for value in ("none", "starttls", "tls", " TLS "):
        assert Settings.from_env({"HUB_SMTP_TLS": value}).smtp_tls == value.strip().lower()


@pytest.mark.parametrize(
    ("value", "on"),
    [("on", True), ("off", False), ("OFF", False), ("0", False), ("1", True), ("", True)],
)
def test_rate_limits_switch(value: str, on: bool) -> None:
    assert Settings.from_env({"HUB_RATE_LIMITS": value}).rate_limits is on


def test_set_password_links_last_72_hours_unless_told_otherwise() -> None:
    assert Settings.from_env({}).invite_hours == 72
    assert Settings.from_env({"HUB_INVITE_HOURS": " 0.5 "}).invite_hours == 0.5


def test_session_cookies_are_secure_exactly_when_the_public_url_is_https() -> None:
    assert Settings.from_env({"HUB_PUBLIC_URL": "http://192.168.1.10:8000"}).secure_cookies is False
    assert Settings.from_env({"HUB_PUBLIC_URL": "https://sos.example.com"}).secure_cookies is True
    insecure = {"HUB_PUBLIC_URL": "https://sos.example.com", "HUB_INSECURE_COOKIES": "1"}
    assert Settings.from_env(insecure).secure_cookies is False


BAD: list[tuple[str, str, dict[str, str]]] = [
    ("HUB_DATABASE_URL", "postgres://x", {}),
    ("HUB_DATABASE_URL", "sqlite://relative.db", {}),
    ("HUB_DATABASE_URL", "sqlite:///", {}),
    ("HUB_DATABASE_URL", "sqlite:////", {}),
    ("HUB_DATABASE_URL", "sqlite:///var/", {}),
    ("HUB_REDIS_URL", "localhost:6379", {}),
    ("HUB_PUBLIC_URL", "sos.example.com", {}),
    ("HUB_PUBLIC_URL", "ftp://sos.example.com", {}),
    ("HUB_PUBLIC_URL", "https://", {}),
    ("HUB_PUBLIC_URL", "https://sos.example.com:port", {}),
    ("HUB_SMTP_PORT", "smtp", {}),
    ("HUB_SMTP_PORT", "0", {}),
    ("HUB_SMTP_PORT", "65536", {}),
    ("HUB_SMTP_PORT", "25.5", {}),
    ("HUB_SMTP_TLS", "ssl", {}),
    ("HUB_SMTP_PASSWORD", "", {"HUB_SMTP_USER": "hub"}),
    ("HUB_VONAGE_API_SECRET", "", {"HUB_VONAGE_API_KEY": "key"}),
    ("HUB_VONAGE_API_KEY", "", {"HUB_VONAGE_API_SECRET": "secret"}),
    ("HUB_TRANSLATE_URL", "translate.example.com", {}),
    ("HUB_TRANSLATE_URL", "file:///etc/passwd", {}),
    ("HUB_RATE_LIMITS", "maybe", {}),
    ("HUB_INVITE_HOURS", "0", {}),
    ("HUB_INVITE_HOURS", "three days", {}),
    ("HUB_INVITE_HOURS", "100000", {}),
    ("HUB_ALLOWED_ORIGINS", "kiosk.example.com", {}),
    ("HUB_ALLOWED_ORIGINS", "https://ok.example.com,https://x.example.com/path", {}),
    ("HUB_SECRET_KEY", "", {"HUB_REDIS_URL": "redis://127.0.0.1:6379/0"}),
]


@pytest.mark.parametrize(("var", "value", "others"), BAD, ids=[f"{v}={x!r}" for v, x, _ in BAD])
def test_a_bad_variable_is_refused_with_a_message_naming_it(
    var: str, value: str, others: dict[str, str]
) -> None:
    env = {**others, var: value} if value else dict(others)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert var in str(caught.value)


def test_the_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_SMTP_PORT", "2525")
    assert Settings.from_env().smtp_port == 2525
    monkeypatch.setenv("HUB_SMTP_PORT", "nope")
    with pytest.raises(ConfigError, match="HUB_SMTP_PORT"):
        Settings.from_env()
