"""Triage: which category an SOS's text suggests, from words and phrases. Pure.

The care protocol (seeds/002) sorts what a customer writes before answering it: a question
(basic or complex), a claim (new, repeated, or disputing a resolution), a complaint (about
the service, or unrelated and insulting), a suggestion, praise. Staff confirm or change the
suggestion in one key; routing and statistics use only what staff confirmed.

Scoring, in order:
1. An insult (the filters' insult list, or an SOS held back as offensive) makes it
   `complaint_unrelated`: the protocol answers those with a private warning.
2. Every listed word or phrase found counts for its category, a phrase of n words n times
   (a business's own words once more); a longer phrase covers the shorter ones inside it
   ("sigue sin funcionar" is no "no funciona" too). A question mark counts for questions.
3. The group with most points wins (ties: claim, complaint, question, suggestion, praise:
   the one that costs more to miss), then the sub-type within it: a claim is repeated or
   disputed when such a phrase was found, else new; a question is complex when a complex
   subject was named, else basic.
Nothing found: no suggestion (None).

Word lists: wordlists/triage_<language>.txt (Spanish and English built in); a business adds
words per category and language and drops built-in ones (`Keywords`). Every language's list
is used on every text (the detected language of a short SOS is often wrong), so a dropped
word is dropped from every built-in list.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.errors import Invalid
from hub.tickets.filters import offensive_in
from hub.tickets.lexicon import WORDLISTS, Lexicon, Prepared, prepare, read_list
from hub.tickets.model import CATEGORY_GROUPS, CATEGORY_ORDER, category_group

BUILT_IN_LANGUAGES = ("es", "en")
# The languages a business may list words for: the customer pages' languages (CONTRACT.md).
LANGUAGES = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")
MAX_KEYWORDS = 100  # per category and language
MAX_KEYWORD_CHARS = 60
MAX_TOTAL = 1000  # all of a business's words, added and dropped
# Ties between groups go to the one it costs more to miss.
TIE_ORDER = ("claim", "complaint", "question", "suggestion", "praise")
_HAS_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Keywords:
    """A business's own word lists: words added per language and category, and built-in
    words it does not want counted, per language."""

    add: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    ignore: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        return {
            "keywords": {
                lang: {c: list(t) for c, t in cats.items()} for lang, cats in self.add.items()
            },
            "ignore": {lang: list(terms) for lang, terms in self.ignore.items()},
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> Keywords:
        """Read what `check_keywords` stored (anything else in the document is left out)."""
        doc = doc or {}
        add = {
            str(lang): {str(c): tuple(map(str, t)) for c, t in cats.items() if isinstance(t, list)}
            for lang, cats in (doc.get("keywords") or {}).items()
            if isinstance(cats, Mapping)
        }
        ignore = {
            str(lang): tuple(map(str, terms))
            for lang, terms in (doc.get("ignore") or {}).items()
            if isinstance(terms, list)
        }
        return cls(add, ignore)


def _term(raw: Any, where: str) -> str:
    """One word or phrase: spaces collapsed, 1 to MAX_KEYWORD_CHARS characters, a letter."""
    if not isinstance(raw, str):
        raise Invalid(f"{where}: each entry must be text", field=where)
    term = " ".join(raw.split())
    if not term or len(term) > MAX_KEYWORD_CHARS or not _HAS_WORD.search(term):
        raise Invalid(
            f"{where}: each entry needs a letter or digit and at most {MAX_KEYWORD_CHARS} "
            f"characters (got {term[:40]!r})",
            field=where,
        )
    return term


def _terms(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise Invalid(f"{where}: a list of words or phrases", field=where)
    if len(raw) > MAX_KEYWORDS:
        raise Invalid(f"{where}: at most {MAX_KEYWORDS} entries (got {len(raw)})", field=where)
    out: dict[str, str] = {}
    for item in raw:
        term = _term(item, where)
        out.setdefault(term.casefold(), term)
    return tuple(out.values())


def _language(lang: Any, where: str) -> str:
    if lang not in LANGUAGES:
        raise Invalid(
            f"{where}: unknown language {str(lang)[:20]!r}; one of {', '.join(LANGUAGES)}",
            field=where,
        )
    return str(lang)


def check_keywords(keywords: Mapping[str, Any], ignore: Mapping[str, Any]) -> Keywords:
    """A business's word lists as given to the API; Invalid names the wrong entry
    (`keywords.es.claim_new`, `ignore.fr`)."""
    add: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang, cats in keywords.items():
        _language(lang, f"keywords.{str(lang)[:20]}")
        if not isinstance(cats, Mapping):
            raise Invalid(
                f"keywords.{lang}: categories to lists of words", field=f"keywords.{lang}"
            )
        for category, raw in cats.items():
            where = f"keywords.{lang}.{str(category)[:40]}"
            if category not in CATEGORY_ORDER:
                raise Invalid(
                    f"{where}: unknown category; one of {', '.join(CATEGORY_ORDER)}", field=where
                )
            terms = _terms(raw, where)
            if terms:
                add.setdefault(lang, {})[category] = terms
    dropped: dict[str, tuple[str, ...]] = {}
    for lang, raw in ignore.items():
        where = f"ignore.{_language(lang, f'ignore.{str(lang)[:20]}')}"
        if terms := _terms(raw, where):
            dropped[lang] = terms
    total = sum(len(t) for cats in add.values() for t in cats.values())
    total += sum(len(t) for t in dropped.values())
    if total > MAX_TOTAL:
        raise Invalid(f"keywords: at most {MAX_TOTAL} words in all (got {total})", field="keywords")
    return Keywords(add, dropped)


@functools.cache
def built_in(language: str) -> dict[str, tuple[str, ...]]:
    """The built-in list of a language (empty for languages without one): category → terms."""
    if language not in BUILT_IN_LANGUAGES or not (WORDLISTS / f"triage_{language}.txt").exists():
        return {}
    sections = read_list(f"triage_{language}.txt")
    return {c: tuple(terms) for c, terms in sections.items() if c in CATEGORY_ORDER and terms}


@dataclass(frozen=True)
class Match:
    """A word or phrase found in the text, the category it counts for, and its weight."""

    phrase: str
    category: str
    weight: int


class Classifier:
    """The built-in word lists with a business's own (built once per version of them)."""

    def __init__(self, own: Keywords | None = None) -> None:
        own = own or Keywords()
        self.built_in = Lexicon()
        self.own = Lexicon()
        # Every list reads every text, so a dropped word is dropped from all of them.
        dropped = Lexicon((t, "x") for terms in own.ignore.values() for t in terms)
        for language in BUILT_IN_LANGUAGES:
            for category, terms in built_in(language).items():
                for term in terms:
                    if term not in dropped:
                        self.built_in.add(term, category)
        for categories in own.add.values():
            for category, terms in categories.items():
                for term in terms:
                    self.own.add(term, category)

    def matches(self, text: str | Prepared) -> list[Match]:
        """Every listed word or phrase in `text`, longest first; covered ones left out."""
        prepared = prepare(text) if isinstance(text, str) else text
        tokens = prepared.tokens
        hits = [(i, j, tag, 0) for i, j, tag in self.built_in.scan(tokens)]
        hits += [(i, j, tag, 1) for i, j, tag in self.own.scan(tokens)]
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0], -h[3]))
        taken: set[int] = set()
        out: list[Match] = []
        for i, j, category, bonus in hits:
            span = set(range(i, j))
            if span & taken:
                continue
            taken |= span
            phrase = prepared.text[tokens[i].start : tokens[j - 1].end]
            out.append(Match(phrase, category, (j - i) + bonus))
        return out

    def suggest(self, text: str, *, insulted: bool = False) -> str | None:
        """The suggested category of an SOS's text, or None when nothing points anywhere."""
        prepared = prepare(text)
        if insulted or any(f.kind == "insult" for f in offensive_in(prepared)):
            return "complaint_unrelated"
        return decide(self.matches(prepared), question_mark=("?" in text or "¿" in text))


def _points(matches: Iterable[Match]) -> dict[str, int]:
    points: dict[str, int] = {}
    for m in matches:
        points[m.category] = points.get(m.category, 0) + m.weight
    return points


def decide(matches: list[Match], *, question_mark: bool = False) -> str | None:
    """The group with most points, then its sub-type (see the module's docstring)."""
    points = _points(matches)
    groups = dict.fromkeys(CATEGORY_GROUPS, 0)
    for category, value in points.items():
        groups[category_group(category)] += value
    if question_mark:
        groups["question"] += 1
    best = max(TIE_ORDER, key=lambda g: (groups[g], -TIE_ORDER.index(g)))
    if groups[best] == 0:
        return None
    if best == "claim":
        repeated, disputed = points.get("claim_repeated", 0), points.get("claim_disputed", 0)
        if disputed and disputed >= repeated:
            return "claim_disputed"
        return "claim_repeated" if repeated else "claim_new"
    if best == "question":
        return "question_complex" if points.get("question_complex") else "question_basic"
    if best == "complaint":
        unrelated = points.get("complaint_unrelated", 0)
        return (
            "complaint_unrelated"
            if unrelated > points.get("complaint_service", 0)
            else ("complaint_service")
        )
    return best


@functools.cache
def default_classifier() -> Classifier:
    """The built-in lists alone (a business that never changed them)."""
    return Classifier()
