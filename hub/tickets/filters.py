"""Intake filters on the text of an SOS: offensive words, spam, near-duplicate repeats. Pure.

Offensive words come from glin-profanity's offline lists (English, Spanish) less the words a
genuine report needs (wordlists/exclude.txt), plus this project's supplements (es.txt,
en.txt) and each tenant's own words. Matching is by whole words after folding case and
accents (not ñ: "año" is no "ano"), so "Scunthorpe", "análisis" or "computadora" never match,
and allow-listed phrases ("Concha Espina", "Dick Van Dyke") protect the words inside them.
Light de-obfuscation: digits for letters ("g1l1p0llas"), stretched letters ("fuuuck"),
invisible characters inside a word.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from hub.tickets.lexicon import (
    RUN3,
    Prepared,
    builtin_lexicon,
    fold,
    offensive_lexicon,
    own_lexicon,
    prepare,
)

# The checks a tenant can turn on or off; "vulgar" also holds back mere swearing; "floods"
# holds back a stream of new SOS from one network (hub/moderation/floods.py).
DEFAULT_CHECKS: Mapping[str, bool] = {
    "offensive": True,
    "vulgar": False,
    "links": True,
    "contacts": True,
    "spam_phrases": True,
    "repeats": True,
    "bots": True,
    "floods": True,
}
CHECKS = tuple(DEFAULT_CHECKS)
REASONS = ("blocked", "honeypot", "too_fast", "offensive", "spam", "flood")
MIN_SUBMIT_SECONDS = 2.0
REPEAT_WINDOW_MINUTES = 10
SIMILARITY = 0.9  # character ratio above which two texts are "nearly the same"


@dataclass(frozen=True)
class Finding:
    """Why a filter objects: insult | vulgar | link | email | phone | phrase, and where."""

    kind: str
    start: int
    end: int
    text: str


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def _allowed(prepared: Prepared, allow: Sequence[str]) -> list[tuple[int, int]]:
    tokens = prepared.tokens
    hits = builtin_lexicon("allow.txt", "allow").scan(tokens)
    hits += own_lexicon(tuple(allow), "allow").scan(tokens)
    return [(tokens[i].start, tokens[j - 1].end) for i, j, _ in hits]


def find_offensive(
    text: str, words: Sequence[str] = (), allow: Sequence[str] = ()
) -> list[Finding]:
    """Offensive words and phrases in `text` (a tenant's own `words` count as insults)."""
    return offensive_in(prepare(text), words, allow)


def offensive_in(
    prepared: Prepared, words: Sequence[str] = (), allow: Sequence[str] = ()
) -> list[Finding]:
    """`find_offensive` on a text already split into words (one split for several scans)."""
    tokens = prepared.tokens
    spans = _allowed(prepared, allow)
    hits = offensive_lexicon().scan(tokens) + own_lexicon(tuple(words), "insult").scan(tokens)
    out = []
    for i, j, tag in hits:
        start, end = tokens[i].start, tokens[j - 1].end
        if not _overlaps(start, end, spans):
            out.append(Finding(tag, start, end, prepared.text[start:end]))
    return sorted(set(out), key=lambda f: (f.start, f.end, f.kind))


def mask(text: str, findings: Iterable[Finding]) -> str:
    """Hide the letters of each found word but its first: "gilipollas" -> "g*********"."""
    chars = list(unicodedata.normalize("NFC", text))
    for finding in findings:
        first = True
        for k in range(finding.start, min(finding.end, len(chars))):
            c = chars[k]
            if c.isalnum() or c == "*":
                if not first:
                    chars[k] = "*"
                first = False
            elif unicodedata.category(c) != "Cf":
                first = True
    return "".join(chars)


def mask_offensive(text: str, words: Sequence[str] = (), allow: Sequence[str] = ()) -> str:
    """`text` with every offensive word masked."""
    return mask(text, find_offensive(text, words, allow))


# Spam: links, contact details in the text, known phrases.
_GENERIC_TLDS = (
    "com|net|org|info|biz|io|xyz|top|site|online|shop|store|club|app|link|click|vip|bet"
    "|ru|cn|tk|ly|gl|gg|ws|cc|su|pw|icu|buzz|win|loan"
)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
# Country domains (.es, .me, .co, .it …) read like words after a missing space ("fría.es
# inaceptable"): bare ones count only with a path (wa.me/34600…); generic ones always.
_DOMAIN = re.compile(
    rf"(?i)(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_GENERIC_TLDS})\b(?:/\S*)?"
)
_PATH_LINK = re.compile(r"(?i)(?<![\w@.\-/])(?:[a-z0-9-]+\.)+[a-z]{2,24}/[\w\-./?%&=+#~]+")
# The local part is bounded (RFC 5321: 64): an unbounded one made "a.a.a.…" texts cost
# quadratic time, and screening runs on every SOS and thread message.
_EMAIL = re.compile(r"(?i)(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_EMAIL_SPELLED = re.compile(
    r"(?i)\b[\w.+-]{1,64}\s*[\[(]\s*(?:at|arroba)\s*[\])]\s*[\w-]+"
    r"(?:\s*(?:[\[(]\s*(?:dot|punto)\s*[\])]|\.)\s*[\w-]+)+"
)
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .\-]?\d){8,14}(?!\w)")
_DATE_START = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def phone_tail(value: str) -> str:
    """The last nine digits: the same number with or without its country code."""
    return re.sub(r"\D", "", value)[-9:]


def _matches(patterns: Sequence[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    return [m for pattern in patterns for m in pattern.finditer(text)]


def _contact_matches(
    prepared: Prepared, contact: Mapping[str, Any] | None
) -> list[tuple[str, re.Match[str]]]:
    """E-mail addresses and phone numbers in the text, except the sender's own and dates."""
    own_email = str((contact or {}).get("email") or "").strip().lower()
    own_phone = phone_tail(str((contact or {}).get("phone") or ""))
    found: list[tuple[str, re.Match[str]]] = [
        ("email", m)
        for m in _matches((_EMAIL, _EMAIL_SPELLED), prepared.clean)
        if not own_email or m.group().lower() != own_email
    ]
    found += [
        ("phone", m)
        for m in _PHONE.finditer(prepared.clean)
        if not _DATE_START.match(m.group())
        and (not own_phone or phone_tail(m.group()) != own_phone)
    ]
    return found


def find_spam(
    text: str,
    *,
    checks: Mapping[str, bool] = DEFAULT_CHECKS,
    contact: Mapping[str, Any] | None = None,
    phrases: Sequence[str] = (),
    allow: Sequence[str] = (),
) -> list[Finding]:
    """Links, phone numbers and e-mail addresses (not the sender's own), spam phrases."""
    prepared = prepare(text)
    spans = _allowed(prepared, allow)
    matches: list[tuple[str, re.Match[str]]] = []
    if checks.get("links", False):
        matches += [("link", m) for m in _matches((_URL, _DOMAIN, _PATH_LINK), prepared.clean)]
    if checks.get("contacts", False):
        matches += _contact_matches(prepared, contact)
    places = [(kind, *prepared.span(m.start(), m.end())) for kind, m in matches]
    if checks.get("spam_phrases", False):
        tokens = prepared.tokens
        hits = builtin_lexicon("spam.txt", "phrase").scan(tokens)
        hits += own_lexicon(tuple(phrases), "phrase").scan(tokens)
        places += [("phrase", tokens[i].start, tokens[j - 1].end) for i, j, _ in hits]
    found = {
        Finding(kind, start, end, prepared.text[start:end])
        for kind, start, end in places
        if not _overlaps(start, end, spans)
    }
    return sorted(found, key=lambda f: (f.start, f.end, f.kind))


@dataclass(frozen=True)
class FilterConfig:
    """A tenant's filter settings (stored in the "configs" collection)."""

    checks: Mapping[str, bool] = field(default_factory=lambda: dict(DEFAULT_CHECKS))
    words: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    spam_phrases: tuple[str, ...] = ()
    repeat_window_minutes: int = REPEAT_WINDOW_MINUTES
    mask_for_agents: bool = False
    # Networks (CIDR) whose SOS are never counted nor held back as a flood: an integrator's
    # server forwarding a web form, the staff's own Wi-Fi (hub/moderation/floods.py).
    trusted_networks: tuple[str, ...] = ()

    def on(self, check: str) -> bool:
        return bool(self.checks.get(check, DEFAULT_CHECKS.get(check, False)))

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> FilterConfig:
        """Read a stored config, filling in defaults for anything missing."""
        doc = doc or {}
        checks = {
            **DEFAULT_CHECKS,
            **{k: bool(v) for k, v in (doc.get("checks") or {}).items() if k in DEFAULT_CHECKS},
        }
        return cls(
            checks=checks,
            words=tuple(doc.get("words") or ()),
            allow=tuple(doc.get("allow") or ()),
            spam_phrases=tuple(doc.get("spam_phrases") or ()),
            repeat_window_minutes=int(doc.get("repeat_window_minutes") or REPEAT_WINDOW_MINUTES),
            mask_for_agents=bool(doc.get("mask_for_agents", False)),
            trusted_networks=tuple(doc.get("trusted_networks") or ()),
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "checks": {k: self.on(k) for k in CHECKS},
            "words": list(self.words),
            "allow": list(self.allow),
            "spam_phrases": list(self.spam_phrases),
            "repeat_window_minutes": self.repeat_window_minutes,
            "mask_for_agents": self.mask_for_agents,
            "trusted_networks": list(self.trusted_networks),
        }


@dataclass(frozen=True)
class Screening:
    """What the text filters say: a reason to hold the SOS back (or None), and why."""

    reason: str | None
    findings: tuple[Finding, ...] = ()


def screen_text(
    text: str, config: FilterConfig, contact: Mapping[str, Any] | None = None
) -> Screening:
    """Offensive first, then spam; every finding is returned, whether it holds back or not."""
    offensive = find_offensive(text, config.words, config.allow)
    spam = find_spam(
        text,
        checks=config.checks,
        contact=contact,
        phrases=config.spam_phrases,
        allow=config.allow,
    )
    findings = tuple(offensive + spam)
    # The name a customer signs with is never screened: real surnames are on the lists
    # (Morón, Bastardo); it is masked for agents where the business asks (hub.moderation).
    if (config.on("offensive") and any(f.kind == "insult" for f in offensive)) or (
        config.on("vulgar") and offensive
    ):
        return Screening("offensive", findings)
    if spam:
        return Screening("spam", findings)
    return Screening(None, findings)


# The repeat check runs on the event loop for every SOS: its work is bounded, whatever the texts.
COMPARE_CHARS = 500  # the most characters of each text the character comparison sees
COMPARE_WORDS = 120  # the most words of each text the word comparison sees
MIN_LENGTH_RATIO = 0.66  # below this, no ratio can reach the thresholds in nearly_same


@functools.lru_cache(maxsize=4096)
def repeat_key(text: str) -> str:
    """The words of a text, folded, without punctuation or stretched letters.

    Cached: one sender's recent texts are compared with every new SOS of theirs.
    """
    words = (RUN3.sub(r"\1", t.word) for t in prepare(text).tokens)
    return " ".join(words)  # whole: the linear checks see all of it, SequenceMatcher a sample


def repeat_sample(key: str, limit: int = COMPARE_CHARS) -> str:
    """At most `limit` characters of a repeat key: its start and its end, where a repeat
    with a typo or a "please" added still matches and two different messages already differ."""
    if len(key) <= limit:
        return key
    head = limit * 3 // 5
    return key[:head] + " " + key[len(key) - (limit - head - 1) :]


def _sample_words(words: list[str], limit: int = COMPARE_WORDS) -> list[str]:
    head = limit * 3 // 5
    return words if len(words) <= limit else words[:head] + words[len(words) - (limit - head) :]


def nearly_same(a: str, b: str) -> bool:
    """Whether two texts say the same thing: equal once folded, or a typo or two apart.

    Cheap checks first (equal keys, lengths, shared words); SequenceMatcher, quadratic in the
    worst case, only ever sees `repeat_sample`s of at most COMPARE_CHARS characters.
    """
    ka, kb = repeat_key(a), repeat_key(b)
    if not ka or not kb:
        return fold(a.strip()) == fold(b.strip())
    if ka == kb:
        return True
    if min(len(ka), len(kb)) < MIN_LENGTH_RATIO * max(len(ka), len(kb)):
        return False
    wa, wb = ka.split(), kb.split()
    # An upper bound of the word ratio below, at the cost of two Counters: most pairs stop here.
    if 2 * sum((Counter(wa) & Counter(wb)).values()) / (len(wa) + len(wb)) < 0.75:
        return False
    # "music too loud" vs "music too low" differ by two letters but not in meaning: words
    # count too, and first: a few hundred words at most, far cheaper than characters.
    words = SequenceMatcher(None, _sample_words(wa), _sample_words(wb), autojunk=False)
    if words.real_quick_ratio() < 0.75 or words.quick_ratio() < 0.75:
        return False
    word_ratio = words.ratio()
    if word_ratio < 0.75:
        return False
    chars = SequenceMatcher(None, repeat_sample(ka), repeat_sample(kb), autojunk=False)
    needed = 0.8 if word_ratio >= 0.8 else SIMILARITY
    if chars.real_quick_ratio() < needed or chars.quick_ratio() < needed:
        return False
    return chars.ratio() >= needed
