"""Delivery's pure parts: header hygiene, phone numbers, SMS encoding, ids, tokens, timings."""

from __future__ import annotations

import pytest

from hub.notify.ack import AckLinkInvalid, ack_token, read_ack_token
from hub.notify.delivery import DeliveryTuning
from hub.notify.email import build_message, header_value
from hub.notify.gsm import ESCAPE, GSM_BASIC, GSM_EXTENSION, gsm_safe, is_gsm7
from hub.notify.outbox import item_id
from hub.notify.render import excerpt, local_time
from hub.notify.sms import phone_number, sms_type
from hub.notify.transport import Outgoing
from hub.settings import ConfigError, Settings


def test_a_header_value_keeps_no_line_break_of_any_kind() -> None:
    hostile = "SOS\r\nBcc: x@evil.example\nX: 1\u2028Y: 2\x00"
    cleaned = header_value(hostile)
    assert not any(ch in cleaned for ch in "\r\n\u2028\x00")
    assert cleaned.startswith("SOS Bcc: x@evil.example")


def test_a_built_message_has_one_subject_and_no_injected_headers() -> None:
    message = build_message(
        Outgoing(
            channel="email",
            to="ana@acme.example\r\nBcc: x@evil.example",
            subject="Hi\r\nX-Evil: 1",
            text="body",
            html="<p>body</p>",
        ),
        "alerts@hub.test",
    )
    raw = message.as_string()
    assert "\nBcc:" not in raw and "\nX-Evil:" not in raw
    assert len(message.get_all("Subject", [])) == 1
    assert message.get_body(preferencelist=("html",)) is not None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+34 600 111 222", "34600111222"),
        ("0034600111222", "34600111222"),
        ("34600111222", "34600111222"),
        ("(+1) 202-555-0100", "12025550100"),
        ("call me", None),
        ("12", None),
        ("+34 600 111 222 333 444", None),
    ],
)
def test_phone_numbers_become_what_vonage_expects(raw: str, expected: str | None) -> None:
    assert phone_number(raw) == expected


def test_text_outside_the_gsm_alphabet_goes_as_unicode() -> None:
    assert sms_type("SOS #3 Bar: agua fría ñ") == "unicode"  # í is not in GSM 03.38
    assert sms_type("SOS #3 Bar: agua caliente ñ é") == "text"
    assert sms_type("Cena 30 € [mesa 4]") == "text"  # the extension table: escaped, still GSM


def test_the_alphabet_is_gsm_03_38() -> None:
    """The table the check uses, pinned at code points of 3GPP TS 23.038."""
    assert len(GSM_BASIC) == 128
    assert GSM_BASIC[0x00] == "@" and GSM_BASIC[0x1B] == ESCAPE and GSM_BASIC[0x24] == "¤"
    assert GSM_BASIC[0x40] == "¡" and GSM_BASIC[0x5D] == "Ñ" and GSM_BASIC[0x60] == "¿"
    assert GSM_BASIC[0x09] == "Ç" and GSM_BASIC[0x7F] == "à" and GSM_BASIC[0x1F] == "É"
    assert GSM_EXTENSION[0x65] == "€" and GSM_EXTENSION[0x3C] == "["
    assert is_gsm7("€ [ok] {1} ~ | ^ \\ ñ ü ß é")
    for outside in ("á", "í", "ó", "ú", "ç", "ã", "ê", "·", "…", "–", "“", "\u00a0", ESCAPE):
        assert not is_gsm7(outside), repr(outside)


def test_gsm_safe_spells_what_the_alphabet_lacks_and_keeps_what_has_no_spelling() -> None:
    assert gsm_safe("Reclamación nova · Recepción") == "Reclamacion nova - Recepcion"
    assert gsm_safe("Resolução contestée, l·l, œuvre") == "Resolucao contestée, l.l, oeuvre"
    assert gsm_safe("«Sí» – “ok”… n.\u00ba 3\u00a0€") == '"Si" - "ok"... n.o 3 €'
    assert gsm_safe("ñ ü ß é à Ç {x}") == "ñ ü ß é à Ç {x}"  # already GSM: unchanged
    assert gsm_safe("Cafe\u0301 Cai\u0301da") == "Café Caida"  # decomposed accents too
    assert gsm_safe("Привет 👋") == "Привет 👋"  # no GSM spelling: kept readable (unicode SMS)


def test_gsm_safe_never_spells_a_character_as_something_else() -> None:
    # a fraction reads as one: "½ hora" was "12 hora" (its slash, U+2044, was dropped)
    assert gsm_safe("½ hora, ¼ kg, ¾ l") == "1/2 hora, 1/4 kg, 3/4 l"
    # part of it has no GSM spelling (the degree sign): kept as written, not "20 C"
    assert gsm_safe("20 ℃") == "20 ℃"
    assert gsm_safe("m² ﬁ") == "m2 fi"  # what spells whole in GSM still does


def test_an_item_id_names_what_the_item_is_and_nothing_else() -> None:
    first = item_id("t1", "alert", 0, "email", "Ana@Acme.example ")
    assert first == item_id("t1", "alert", 0, "email", "ana@acme.example")
    assert first != item_id("t1", "escalation", 1, "email", "ana@acme.example")
    assert first != item_id("t2", "alert", 0, "email", "ana@acme.example")


def test_an_ack_token_round_trips_and_refuses_another_secret() -> None:
    token = ack_token("s3cret", "tenant-1", "item-1")
    assert read_ack_token("s3cret", token) == ("tenant-1", "item-1")
    with pytest.raises(AckLinkInvalid):
        read_ack_token("other", token)


def test_times_show_in_the_tenants_zone_across_daylight_saving() -> None:
    assert local_time("2026-03-29T00:30:00.000+00:00", "Europe/Madrid") == (
        "Mar 29, 2026, 01:30 (Europe/Madrid)"
    )
    assert local_time("2026-03-29T01:30:00.000+00:00", "Europe/Madrid") == (
        "Mar 29, 2026, 03:30 (Europe/Madrid)"
    )
    assert local_time("2026-03-29T01:30:00.000+00:00", "Not/AZone").endswith("(UTC)")


def test_times_are_written_the_recipients_way() -> None:
    moment = "2026-11-29T22:07:00.000+00:00"
    assert local_time(moment, "Europe/Madrid", "es") == "29 nov 2026, 23:07 (Europe/Madrid)"
    assert local_time(moment, "Europe/Madrid", "de") == "29. Nov. 2026, 23:07 (Europe/Madrid)"
    assert local_time(moment, "Europe/Madrid", "gl").startswith("29 de nov. de 2026")


def test_an_excerpt_cuts_at_a_word() -> None:
    assert excerpt("one two three four", 9) == "one two…"
    assert excerpt("short\ntext", 60) == "short text"


def test_delivery_timings_come_from_the_environment_and_keep_sends_inside_the_lease() -> None:
    settings = Settings.from_env(
        {
            "HUB_OUTBOX_LEASE": "6",
            "HUB_OUTBOX_STALE": "1",
            "HUB_OUTBOX_BACKOFF": "0.5,2,4",
            "HUB_ESCALATION_MINUTE": "0.5",
            "HUB_OUTBOX_RETRY_WINDOW": "7200",
        }
    )
    tuning = DeliveryTuning.from_settings(settings)
    assert tuning.backoff == (0.5, 2.0, 4.0) and tuning.retry_window == 7200.0
    assert tuning.send_timeout < tuning.send_deadline < tuning.lease
    assert tuning.minute == 0.5 and tuning.sweep_every == 0.25
    with pytest.raises(ConfigError, match="HUB_OUTBOX_LEASE"):
        Settings.from_env({"HUB_OUTBOX_LEASE": "soon"})
    with pytest.raises(ConfigError, match="HUB_TRANSLATE_PROVIDER"):
        Settings.from_env({"HUB_TRANSLATE_PROVIDER": "babelfish"})
