"""What customers say: the most frequent words and phrases of a period's tickets.

Bounded work: the latest SAMPLE tickets of the period and filter are read (the answer says
how many and whether the period had more), their text and survey comment split into words,
stop words of the business's languages (Spanish and English always) dropped. A word or a
phrase (two or three words in a row, within one sentence) counts once per ticket: its count
is the number of tickets that say it: its `url` lists exactly those (/admin/stats/said,
the same period and sample), `console_url` opens the staff console searching the text
(all dates: the console has no period filter).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from stop_words import get_stop_words

from hub.clock import iso
from hub.exports.filters import TicketFilter
from hub.ports import Doc, Store
from hub.tickets.repository import TICKETS
from hub.tickets.stats import Period

SAMPLE = 2000  # tickets read at most: the latest of the period
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MIN_LETTERS = 3
PHRASE_MIN_COUNT = 2  # a phrase one ticket said is no trend
LANGUAGE_NAMES = {
    "en": "english",
    "es": "spanish",
    "ca": "catalan",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
}
ALWAYS = ("es", "en")
# Words the lists drop that say something about a business: a hotel's rooms, a bill, praise.
KEEP = frozenset({"room", "rooms", "bill", "good", "great", "best", "bien", "bueno", "buena"})
GALICIAN = Path(__file__).with_name("stopwords_gl.txt")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SENTENCE = re.compile(r"[.!?;:,()\[\]\"«»¿¡\n]+")


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """One language's stop words (empty for a language without a list)."""
    if language == "gl":
        lines = GALICIAN.read_text(encoding="utf-8").splitlines()
        return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))
    name = LANGUAGE_NAMES.get(language)
    return frozenset(w.lower() for w in get_stop_words(name)) - KEEP if name else frozenset()


def stop_words_for(languages: Iterable[str]) -> frozenset[str]:
    """Spanish and English always, and the business's own languages."""
    found: set[str] = set()
    for language in {*ALWAYS, *languages}:
        found |= stop_words(language)
    return frozenset(found)


def sentences(text: str) -> list[list[str]]:
    """Lower-case words, sentence by sentence (a phrase never spans two)."""
    text = unicodedata.normalize("NFC", text).lower()
    return [WORD.findall(part) for part in SENTENCE.split(text)]


def ticket_terms(text: str, stops: frozenset[str]) -> tuple[set[str], set[str]]:
    """The words and the two- and three-word phrases one text says (each once)."""
    words: set[str] = set()
    phrases: set[str] = set()
    for sentence in sentences(text):
        kept = [w if len(w) >= MIN_LETTERS and w not in stops else None for w in sentence]
        words.update(w for w in kept if w)
        for size in (2, 3):
            for i in range(len(kept) - size + 1):
                run = kept[i : i + size]
                if all(run):
                    phrases.add(" ".join(w for w in run if w))
    return words, phrases


def _top(counts: Counter[str], limit: int, minimum: int = 1) -> list[tuple[str, int]]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(t, c) for t, c in ranked if c >= minimum][:limit]


def console_link(text: str, wanted: TicketFilter) -> str:
    """The staff console searching this text (and the point, when one was asked): all the
    business's tickets that contain it, whatever their date."""
    params = {"q": text, **({"point": wanted.point} if wanted.point else {})}
    return "/console?" + urlencode(params)


def said_link(text: str, period: Period, wanted: TicketFilter) -> str:
    """The page listing exactly the tickets counted for this text: the same period, filter
    and sample (/admin/stats/said)."""
    params = {"q": text, "from": iso(period.start), "to": iso(period.end)}
    for name in ("point", "category", "establishment"):
        if getattr(wanted, name):
            params[name] = getattr(wanted, name)
    return "/admin/stats/said?" + urlencode(params)


def count_terms(texts: Iterable[str], stops: frozenset[str]) -> tuple[Counter[str], Counter[str]]:
    words: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    for text in texts:
        said, phrased = ticket_terms(text, stops)
        words.update(said)
        phrases.update(phrased)
    return words, phrases


def texts_of(ticket: Doc) -> str:
    """What the customer wrote: the SOS and the survey comment."""
    survey = ticket.get("survey") or {}
    return "\n".join(str(t) for t in (ticket.get("text"), survey.get("comment")) if t)


async def latest_tickets(
    store: Store, tenant_id: str, period: Period, wanted: TicketFilter, sample: int
) -> tuple[list[Doc], bool]:
    """The latest `sample` tickets of the period that fit, and whether there were more."""
    found = await store.find(
        tenant_id,
        TICKETS,
        {**wanted.where(), "created_at": {"lt": iso(period.end)}},
        sort="created_at",
        descending=True,
        limit=sample + 1,
    )
    start = iso(period.start)
    inside = [d for d in found if str(d["created_at"]) >= start]
    more = len(inside) > sample
    return [d for d in inside[:sample] if wanted.keeps(d)], more


def _items(
    pairs: Sequence[tuple[str, int]], period: Period, wanted: TicketFilter
) -> list[dict[str, Any]]:
    return [
        {
            "text": t,
            "count": c,
            "url": said_link(t, period, wanted),
            "console_url": console_link(t, wanted),
        }
        for t, c in pairs
    ]


async def tickets_saying(
    store: Store,
    tenant: Doc,
    period: Period,
    wanted: TicketFilter,
    text: str,
    sample: int = SAMPLE,
) -> tuple[list[Doc], bool]:
    """The tickets behind one word or phrase, newest first: the ones `top_words` counted
    for it (the same sample, the same splitting), and whether the period had more."""
    tickets, more = await latest_tickets(store, tenant["id"], period, wanted, sample)
    languages = [str(x) for x in tenant.get("languages") or [] if isinstance(x, str)]
    stops = stop_words_for(languages)
    wanted_text = " ".join(w for s in sentences(text) for w in s)
    found = []
    for ticket in tickets:
        said, phrased = ticket_terms(texts_of(ticket), stops)
        if wanted_text in said or wanted_text in phrased:
            found.append(ticket)
    return found, more


async def top_words(
    store: Store,
    tenant: Doc,
    period: Period,
    wanted: TicketFilter,
    limit: int = DEFAULT_LIMIT,
    sample: int = SAMPLE,
) -> dict[str, Any]:
    """The period's most said words and phrases (see the module's docstring)."""
    tickets, more = await latest_tickets(store, tenant["id"], period, wanted, sample)
    languages = [str(x) for x in tenant.get("languages") or [] if isinstance(x, str)]
    stops = stop_words_for(languages)
    words, phrases = count_terms((texts_of(t) for t in tickets), stops)
    return {
        "from": iso(period.start),
        "to": iso(period.end),
        "tickets": len(tickets),
        "sample": sample,
        "sampled": more,  # true: only the latest `sample` tickets of the period were read
        "stop_words": sorted({*ALWAYS, *languages}),
        "words": _items(_top(words, limit), period, wanted),
        "phrases": _items(_top(phrases, limit, PHRASE_MIN_COUNT), period, wanted),
    }
