"""The reply etiquette (the channel protocol in the source documents), pure.

For chat the protocol asks: greet, introduce yourself, receive the request (acknowledge),
answer, check that the answer solved it, say goodbye thanking the customer, and send the
satisfaction survey. Each step is told from phrases, in Spanish and English (an agent may
write either): a step is covered when one of its phrases appears in the reply as whole
words, after folding case and accents. At each word the longest phrase wins, so "I'm
sorry" acknowledges rather than introduces and "gracias por su visita" says goodbye.
"Answer" is the one step without phrases: a clause (between punctuation marks) of at least
ANSWER_MIN_WORDS words in which no phrase of another step appears.

The console ticks the checklist as the agent types with the same rules (static/js/
console-etiquette.js), reading these lists from the page (`lexicon()`): one copy of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

STEPS = ("greet", "introduce", "acknowledge", "answer", "closing_check", "farewell", "survey")
ANSWER_MIN_WORDS = 5
IGNORED = "_"  # phrases that only stop a shorter one from counting ("I'm glad" is no name)

# Word lists read better packed than one phrase a line.
# fmt: off
PHRASES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "es": {
        "greet": (
            "hola", "buenos dias", "buenas tardes", "buenas noches", "buenas", "estimado",
            "estimada", "estimados", "bienvenido", "bienvenida",
        ),
        "introduce": (
            "soy", "me llamo", "mi nombre es", "le atiende", "te atiende", "le escribe",
            "te escribe", "al habla", "le saluda", "te saluda",
        ),
        "acknowledge": (
            "gracias", "muchas gracias", "gracias por", "gracias por avisar",
            "gracias por avisarnos", "gracias por escribirnos", "gracias por contarnos", "siento",
            "sentimos", "lo siento", "lo sentimos", "lamento", "lamentamos", "disculpa",
            "disculpe", "disculpas", "perdon", "perdona", "perdone", "entiendo", "entendemos",
            "comprendo", "comprendemos", "tiene razon", "tienes razon", "soy consciente",
            "somos conscientes", "tomamos nota", "tomo nota",
        ),
        "closing_check": (
            "se ha solucionado", "se ha resuelto", "esta solucionado", "esta resuelto",
            "queda resuelto", "queda solucionado", "te ha quedado claro", "le ha quedado claro",
            "te sirve", "le sirve", "funciona ahora", "todo bien", "todo en orden", "algo mas",
            "resuelve tu duda", "resuelve su duda", "avisanos si", "avisenos si", "dinos si",
            "diganos si",
        ),
        "farewell": (
            "un saludo", "saludos", "un abrazo", "atentamente", "cordialmente", "hasta pronto",
            "hasta luego", "hasta la proxima", "adios", "nos vemos", "que tenga un buen dia",
            "que tengas un buen dia", "buen dia", "feliz dia", "feliz estancia", "disfrute",
            "disfruta", "gracias por su visita", "gracias por tu visita", "gracias por usar",
            "gracias por utilizar", "gracias por confiar", "gracias por elegirnos",
            "gracias por alojarse", "gracias por alojarte",
        ),
        "survey": (
            "encuesta", "cuestionario", "valora", "valore", "valoranos", "valorenos", "valorar",
            "valoracion", "puntua", "puntuanos", "puntuar", "danos tu opinion", "denos su opinion",
            "deja tu opinion", "deje su opinion", "que tal lo hemos hecho", "como lo hemos hecho",
            "cuentanos que tal",
        ),
    },
    "en": {
        "greet": (
            "hello", "hi", "hey", "good morning", "good afternoon", "good evening", "dear",
            "greetings", "welcome",
        ),
        "introduce": (
            "my name is", "i'm", "i am", "speaking", "you're talking to", "you are talking to",
        ),
        "acknowledge": (
            "thank you", "thanks", "thank you for", "thanks for", "sorry", "i'm sorry",
            "i am sorry", "we're sorry", "we are sorry", "i'm afraid", "i am afraid", "apologies",
            "we apologise", "we apologize", "i apologise", "i apologize", "i understand",
            "we understand", "you're right", "you are right", "understood", "noted",
        ),
        "closing_check": (
            "did this solve", "does this solve", "did that solve", "does that solve",
            "has this solved", "is it solved", "is it sorted", "is that ok", "is that okay",
            "is everything ok", "is everything okay", "is everything alright", "anything else",
            "does that help", "does this help", "did that help", "did this help",
            "is it working now", "is that clear", "did this fix", "let us know if",
            "let me know if",
        ),
        "farewell": (
            "kind regards", "best regards", "warm regards", "regards", "best wishes",
            "all the best", "goodbye", "bye", "see you", "have a nice day", "have a good day",
            "have a great day", "have a nice evening", "have a good evening", "enjoy your stay",
            "take care", "thanks for using", "thank you for using", "thanks for choosing",
            "thank you for choosing", "thanks for staying", "thank you for staying", "sincerely",
            "cheers",
        ),
        "survey": (
            "survey", "questionnaire", "rate us", "rate our", "rate your experience",
            "how did we do", "how would you rate", "your rating", "leave a review",
            "share your opinion", "tell us how we did", "give us your feedback",
        ),
        IGNORED: (
            "i'm glad", "i am glad", "i'm happy", "i am happy", "i'm sure", "i am sure",
        ),
    },
}
# fmt: on

_CLAUSE = re.compile(r"[.!?;:,¡¿\n]+")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def fold(text: str) -> str:
    """Lower case without accents, curly apostrophes straightened ("Sí, ¿Qué?" -> "si, ¿que?")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[tuple[str, ...], str], int]:
    table: dict[tuple[str, ...], str] = {}
    for steps in PHRASES.values():
        for step, phrases in steps.items():
            for phrase in phrases:
                table[tuple(words(phrase))] = step
    return table, max(len(k) for k in table)


def phrase_steps() -> dict[str, str]:
    """Every phrase (folded words joined by a space) and the step it stands for."""
    table, _ = _table()
    return {" ".join(key): step for key, step in table.items()}


def detect(text: str) -> list[str]:
    """The etiquette steps `text` covers, in the protocol's order."""
    table, longest = _table()
    found: set[str] = set()
    for clause in _CLAUSE.split(fold(text)):
        tokens = _WORD.findall(clause)
        matched = False
        i = 0
        while i < len(tokens):
            for size in range(min(longest, len(tokens) - i), 0, -1):
                step = table.get(tuple(tokens[i : i + size]))
                if step is not None:
                    if step != IGNORED:
                        found.add(step)
                    matched, i = True, i + size
                    break
            else:
                i += 1
        if not matched and len(tokens) >= ANSWER_MIN_WORDS:
            found.add("answer")
    return ordered(found)


def ordered(steps: Iterable[str]) -> list[str]:
    """Known steps, each once, in the protocol's order."""
    wanted = set(steps)
    return [s for s in STEPS if s in wanted]


def check_steps(steps: Sequence[str]) -> list[str]:
    """Steps ticked by hand: each must be one of STEPS (ValueError names the first that is not)."""
    for step in steps:
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r}; the steps are {', '.join(STEPS)}")
    return ordered(steps)


def lexicon() -> dict[str, Any]:
    """The rules as data for the console's script, so it ticks exactly what the server would."""
    return {
        "steps": list(STEPS),
        "phrases": phrase_steps(),
        "ignored": IGNORED,
        "answer_min_words": ANSWER_MIN_WORDS,
    }


def report(replies: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per agent: how many replies, and the share of them that covered each step.

    `replies` are stored staff messages (`author_id`, `author_name`, `etiquette`); an agent is
    told by id (older messages by name) and shown by the name on their latest reply.
    """
    agents: dict[str, dict[str, Any]] = {}
    totals = dict.fromkeys(STEPS, 0)
    count = 0
    for reply in sorted(replies, key=lambda r: str(r.get("created_at") or "")):
        key = str(reply.get("author_id") or f"name:{reply.get('author_name') or ''}")
        agent = agents.setdefault(
            key,
            {
                "id": reply.get("author_id"),
                "name": None,
                "replies": 0,
                "covered": dict.fromkeys(STEPS, 0),
            },
        )
        agent["name"] = reply.get("author_name") or agent["name"]
        agent["replies"] += 1
        count += 1
        for step in ordered(reply.get("etiquette") or ()):
            agent["covered"][step] += 1
            totals[step] += 1
    rows = [
        {
            "id": a["id"],
            "name": a["name"],
            "replies": a["replies"],
            "steps": _shares(a["covered"], a["replies"]),
        }
        for a in agents.values()
    ]
    rows.sort(key=lambda r: (-r["replies"], str(r["name"] or "").casefold()))
    return {
        "steps": list(STEPS),
        "agents": rows,
        "overall": {"replies": count, "steps": _shares(totals, count)},
    }


def _shares(covered: Mapping[str, int], replies: int) -> dict[str, float | None]:
    return {s: round(covered[s] / replies, 3) if replies else None for s in STEPS}
