"""Word lists and whole-word matching for the filters: folding, tokens, phrase lexicons.

glin-profanity's offline lists are read from the installed package's data files; the
project's own lists live in wordlists/ (plain text: `[section]`, comma-separated terms).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WORDLISTS = Path(__file__).parent / "wordlists"
GLIN_LANGUAGES = ("english", "spanish")

_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
RUN3 = re.compile(r"(.)\1{2,}")
_LEET = str.maketrans("0134578", "oieastb")
_RANK = {"phrase": 1, "allow": 1, "vulgar": 1, "insult": 2}
_VALID_ENTRY = re.compile(r"^[\w\s'’-]+$")


def fold(text: str) -> str:
    """Lower case without accents, except that ñ stays ñ (Spanish "año" is not "ano")."""
    text = unicodedata.normalize("NFC", text.casefold()).replace("ñ", "\0")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("\0", "ñ")


@dataclass(frozen=True)
class Token:
    """A word of the text: where it is, and the folded forms it may stand for."""

    start: int
    end: int
    word: str
    forms: frozenset[str]


@functools.cache
def _lookalikes() -> dict[int, str]:
    """Greek and Cyrillic letters that read as a Latin one (Cyrillic "р" as "p"), from
    Unicode's confusables (confusable_homoglyphs): a str.translate table."""
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for code in (*range(0x0370, 0x0400), *range(0x0400, 0x0530)):
        if not chr(code).isalpha():
            continue
        found = confusables.is_confusable(chr(code), preferred_aliases=["latin"]) or []
        latin = [g["c"] for f in found for g in f["homoglyphs"] if g["c"].isascii()]
        if latin and len(latin[0]) == 1 and latin[0].isalnum():
            table[code] = latin[0].lower()
    return table


def _mixed_script(word: str) -> bool:
    """Latin letters and Greek or Cyrillic ones in one word: how a filtered word is dressed
    up to pass ("рuta" with a Cyrillic "р"), never how a language writes one."""
    return (
        not word.isascii()
        and any("a" <= c <= "z" for c in word)
        and any(0x0370 <= ord(c) < 0x0530 for c in word)
    )


class _CompatTable(dict[int, int]):
    """str.translate table: a character's compatibility form when it is one character
    (full-width "ｗ" -> "w", "＠" -> "@", "．" -> "."; the ideographic "。" -> "."), else
    itself. Length-preserving, so positions in the text still hold. Filled as characters are
    met, up to COMPAT_CACHE of them."""

    def __missing__(self, code: int) -> int:
        form = "." if code == 0x3002 else unicodedata.normalize("NFKC", chr(code))
        value = ord(form) if len(form) == 1 else code
        if len(self) < COMPAT_CACHE:
            self[code] = value
        return value


COMPAT_CACHE = 4096
_COMPAT = _CompatTable()


def _variants(word: str) -> frozenset[str]:
    forms = {word}
    if _mixed_script(word):
        forms.add(word.translate(_lookalikes()))
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        forms.add(word.translate(_LEET))
    for form in list(forms):
        if RUN3.search(form):
            forms.add(RUN3.sub(r"\1", form))
            forms.add(RUN3.sub(r"\1\1", form))
    return frozenset(forms)


@dataclass(frozen=True)
class Prepared:
    text: str  # NFC: every position below refers to it
    clean: str  # without invisible characters, in compatibility forms: the spam patterns
    pos: Sequence[int]  # clean index -> text index
    tokens: tuple[Token, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.pos[start], self.pos[end - 1] + 1


@functools.lru_cache(maxsize=256)
def prepare(text: str) -> Prepared:
    """The text's words, folded, with their places (immutable: one SOS's text is prepared
    once, though the spam, word and category filters each ask for it)."""
    text = unicodedata.normalize("NFC", text)
    # The category of each distinct character, not of every character: most texts have none.
    invisible = {c for c in set(text) if unicodedata.category(c) == "Cf"}
    pos: Sequence[int]
    if invisible:
        kept = [(i, c) for i, c in enumerate(text) if c not in invisible]
        clean = "".join(c for _, c in kept)
        pos = tuple(i for i, _ in kept)
    else:
        clean, pos = text, range(len(text))
    if not clean.isascii():  # a link or address in full-width letters is still one
        clean = clean.translate(_COMPAT)
    tokens = []
    for m in _WORD.finditer(clean):
        raw = m.group()
        word, forms = _word_forms(raw) if len(raw) <= CACHED_WORD else _fold_word(raw)
        start, end = pos[m.start()], pos[m.end() - 1] + 1
        tokens.append(Token(start, end, word, forms))
    return Prepared(text, clean, pos, tuple(tokens))


def _fold_word(raw: str) -> tuple[str, frozenset[str]]:
    """A word as written -> its folded form and the forms it may stand for."""
    word = fold(raw)
    return word, _variants(word)


# The same words come back SOS after SOS: folding is per character, the cache is per word.
# Only words of a real language's length are kept, so that a sender's made-up long "words"
# can neither fill memory (16,384 × a 2,000-character word) nor push the real ones out.
CACHED_WORD = 32
_word_forms = functools.lru_cache(maxsize=16384)(_fold_word)


class Lexicon:
    """Phrases of folded words, indexed by their first word, each with a tag (its tier)."""

    def __init__(self, entries: Iterable[tuple[str, str]] = ()) -> None:
        self._by_first: dict[str, dict[tuple[str, ...], str]] = {}
        for phrase, tag in entries:
            self.add(phrase, tag)

    @staticmethod
    def words(phrase: str) -> tuple[str, ...]:
        return tuple(fold(w) for w in _WORD.findall(unicodedata.normalize("NFC", phrase)))

    def add(self, phrase: str, tag: str) -> None:
        """Add a phrase; a phrase listed twice keeps its stronger tag (insult over vulgar)."""
        words = self.words(phrase)
        if not words:
            return
        tags = self._by_first.setdefault(words[0], {})
        old = tags.get(words)
        if old is None or _RANK.get(tag, 0) > _RANK.get(old, 0):
            tags[words] = tag

    def __contains__(self, phrase: object) -> bool:
        words = self.words(str(phrase))
        return bool(words) and words in self._by_first.get(words[0], {})

    def scan(self, tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
        """(first token, token after the last, tag) of every phrase found in `tokens`."""
        by_first = self._by_first
        if not by_first:  # a tenant's own list, mostly empty
            return []
        found: set[tuple[int, int, str]] = set()
        for i, token in enumerate(tokens):
            for form in token.forms:
                phrases = by_first.get(form)
                if phrases is None:  # most words start no phrase
                    continue
                for words, tag in phrases.items():
                    n = len(words)
                    if i + n <= len(tokens) and all(
                        words[k] in tokens[i + k].forms for k in range(1, n)
                    ):
                        found.add((i, i + n, tag))
        return sorted(found)


def read_list(name: str) -> dict[str, list[str]]:
    """A project word list: `[section]` headers, comma-separated terms, `#` comments."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for raw in (WORDLISTS / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, [])
        elif line:
            sections[current].extend(t.strip() for t in line.split(",") if t.strip())
    return sections


def glin_words(languages: Sequence[str] = GLIN_LANGUAGES) -> list[str]:
    """glin-profanity's offline word lists, read from the installed package's data files."""
    spec = find_spec("glin_profanity")
    if spec is None or not spec.submodule_search_locations:
        log.warning("glin-profanity is not installed: only the project's word lists are used")
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "dictionaries"
    words: list[str] = []
    for language in languages:
        data: Any = json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
        entries = data.get("words", []) if isinstance(data, dict) else data
        words.extend(w for w in entries if isinstance(w, str) and _VALID_ENTRY.match(w))
    return words


def _flat(sections: Mapping[str, list[str]]) -> list[str]:
    return [t for terms in sections.values() for t in terms]


@functools.cache
def offensive_lexicon() -> Lexicon:
    """glin-profanity's words (vulgar, with plurals) less exclusions, plus the supplements."""
    excluded = Lexicon((t, "x") for t in _flat(read_list("exclude.txt")))
    lexicon = Lexicon()
    for word in glin_words():
        if word in excluded:
            continue
        lexicon.add(word, "vulgar")
        if " " not in word.strip() and not word.endswith("s"):
            lexicon.add(word + "s", "vulgar")
    for name in ("es.txt", "en.txt"):
        for tier, terms in read_list(name).items():
            for term in terms:
                lexicon.add(term, tier if tier in ("insult", "vulgar") else "insult")
    return lexicon


@functools.cache
def builtin_lexicon(name: str, tag: str) -> Lexicon:
    return Lexicon((t, tag) for t in _flat(read_list(name)))


@functools.lru_cache(maxsize=512)
def own_lexicon(terms: tuple[str, ...], tag: str) -> Lexicon:
    return Lexicon((t, tag) for t in terms)
