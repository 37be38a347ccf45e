"""Offline language detection with lingua, over the languages guests write in.

DETECTED is what an SOS can be detected as: the eight languages of the pages and the most
common tourist languages. One lingua detector holds all of them, its models preloaded:
290–380 MB resident and about 3.5 s of CPU to load (measured here over several runs, 13
languages, high accuracy mode; low accuracy mode takes 20 MB but calls "hola" Swedish); a
detection then takes under a millisecond. A minimum relative distance makes it answer
None for text too short or too mixed to tell ("ok").

Loading holds the GIL the whole time (measured: the event loop froze for as long), so the
hub's web process never loads it itself: `DetectorProcess` (detector_process.py) loads it
in a child process, started with the hub, and answers over a pipe. Until it is ready,
intake does not detect (`detect_if_ready`) and the routing job waits for it at most
LOAD_WAIT seconds (`detect_language`), then goes on with the language the SOS was given.
A worker (`sos-hub worker`) loads it in-process before forking its jobs (`warm_up`).

Lingua has no Galician. A Galician sentence comes out as Spanish, Portuguese, Catalan or
nothing; `galician` then counts words that only Galician writes ("non", "unha", "moi",
"grazas", "xa", "hai" …) against words only Spanish or only Portuguese writes. It is a
heuristic: a short Galician text without one of those words stays Spanish or Portuguese.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

from hub.i18n import SUPPORTED
from hub.translate.detector_process import DetectorProcess

log = logging.getLogger(__name__)

# lingua's languages, as ISO 639-1: the pages' languages (but Galician), then tourists'.
LINGUA = ("es", "en", "fr", "de", "it", "pt", "ca", "nl", "pl", "ru", "zh", "ja", "ar")
DETECTED = (*LINGUA, "gl")
# What an SOS's language can be: the pages' (the customer's pick) and the detector's. An SOS
# or a routing rule naming any other is refused: no ticket could ever carry it.
TICKET_LANGUAGES = tuple(dict.fromkeys((*SUPPORTED, *DETECTED)))
MIN_RELATIVE_DISTANCE = 0.15
# How long after the detection process started jobs may wait for its models (the first
# SOS after a start) before going on with the language they were given: alerts must not
# wait for a nicety. One deadline for all, so a backlog never waits once per SOS.
LOAD_WAIT = 5.0
# How long an SOS may wait at intake for the child's answer (a millisecond when it gets a
# core): past it the SOS goes in without a language and the routing job detects it.
INTAKE_WAIT = 0.1

_detector: Any = None
_lock = threading.Lock()


def _words(text: str) -> list[str]:
    return text.split()


# Words each language writes and the other two (Galician, Spanish, Portuguese) do not.
GALICIAN_WORDS = frozenset(
    _words(
        """non unha unhas moi moito moita moitos moitas grazas xa hai coa coas polo pola polos
    polas dende ata aínda vostede vostedes hoxe onte mañá fai fan teño tedes podedes estades
    sodes agardando agardar agardo agardamos auga cando tamén máis iso ningunha ninguén
    algunha alguén nosa noso nosas nosos vosa voso túa miña súa fillo filla fillos fillas
    xente traballo xanela dun dunha nun nunha vén veñen lle lles á ás ó ós fíxose
    fixemos xantar cea almorzo camareiro xardín rúa cheo chea"""
    )
)
SPANISH_WORDS = frozenset(
    _words(
        """el la los las y muy mucho mucha muchos muchas una unas gracias ya hay agua cuando
    también más eso esto nadie alguien nuestra nuestro nuestras nuestros hijo hija hijos
    hace hasta desde usted ustedes hoy ayer mañana aún todavía del al ha han he hemos
    llevamos ventana trabajo gente habéis podéis estáis sois"""
    )
)
PORTUGUESE_WORDS = frozenset(
    _words(
        """não muito muita muitos muitas uma umas obrigado obrigada já há tem têm pelo pela
    pelos pelas você vocês ainda até hoje ontem também quarto nossa nosso nossas nossos
    ninguém alguém filho filha isso minha tua sua dum numa num lhe lhes quando água mais
    em com estão"""
    )
)
# Words Galician shares with Portuguese only, and with Spanish only: a text with both kinds,
# and none of the above, is Galician ("A porta da terraza": porta/da, and terraza).
SHARED_WITH_PORTUGUESE = frozenset(
    _words(
        """o os do dos da das ao aos porta portas outra outro outras outros chegou vai vou
    estou agora pode podes quero temos pouco pouca noite isto almofada quente cheira ruído"""
    )
)
SHARED_WITH_SPANISH = frozenset(
    _words(
        """en con terraza baño baños fría frío habitación cuarto toalla toallas ducha sucia
    sucio cristal ascensor media traer calefacción"""
    )
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def galician(text: str, guess: str | None) -> bool:
    """Whether `text`, which lingua took for `guess` (es, pt, ca or unsure), is Galician."""
    if guess not in ("es", "pt", "ca", None):
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    gl = sum(w in GALICIAN_WORDS for w in words)
    gl += min(
        sum(w in SHARED_WITH_PORTUGUESE for w in words),
        sum(w in SHARED_WITH_SPANISH for w in words) + ("ñ" in text.lower()),
    )
    es = sum(w in SPANISH_WORDS for w in words)
    pt = sum(w in PORTUGUESE_WORDS for w in words) + sum(text.count(c) for c in "ãõçÃÕÇ")
    return gl >= 1 and gl > es and gl > pt


def _build() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in LINGUA]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .with_preloaded_language_models()
        .build()
    )


def detector() -> Any:
    """This process's detector, built now if it is not yet: seconds, holding the GIL, so
    never in the hub's web process (it uses `DetectorProcess`)."""
    global _detector
    with _lock:
        if _detector is None:
            _detector = _build()
        return _detector


def ready() -> bool:
    """Whether this process has built its detector (a detection then takes a millisecond)."""
    return _detector is not None


def warm_up() -> None:
    """Build the detector now (a worker does so before forking its jobs)."""
    detector()


def detect_sync(text: str, languages: Iterable[str] | None = None) -> str | None:
    """The ISO 639-1 code of the text's language (one of DETECTED), or None if unsure.

    `languages`, when given, limits the answer: a text in another language gives None.
    """
    if not text.strip():
        return None
    found = detector().detect_language_of(text)
    code = str(found.iso_code_639_1.name).lower() if found is not None else None
    if galician(text, code):
        code = "gl"
    if languages is not None and code not in {c.lower()[:2] for c in languages if c}:
        return None
    return code


_process: DetectorProcess | None = None
_process_lock = threading.Lock()


def detector_process() -> DetectorProcess:
    """This process's detection child, started now if there is none (or it ended)."""
    global _process
    with _process_lock:
        if _process is None or not _process.alive:
            _process = DetectorProcess()
        return _process


def stop_detection() -> None:
    """End this process's detection child, if it has one, and wait for it: a process that
    started one and lives on (a test session) ends it cleanly rather than at its own exit."""
    global _process
    with _process_lock:
        child, _process = _process, None
    if child is not None:
        child.stop()


async def _ask(text: str, languages: list[str] | None, wait: float) -> str | None:
    try:
        return await detector_process().detect(text, languages, wait)
    except (EOFError, OSError, ValueError):  # the child ended: the next call starts another
        log.warning("the language detection process ended; starting another")
        return None


async def detect_language(
    text: str, languages: Iterable[str] | None = None, wait: float = LOAD_WAIT
) -> str | None:
    """The text's language (jobs): in-process when this process has the models (a worker),
    else in the child process, waiting for it to load them until `wait` seconds after it
    started."""
    wanted = list(languages) if languages is not None else None
    if not text.strip():
        return None
    if ready():
        return await asyncio.to_thread(detect_sync, text, wanted)
    return await _ask(text, wanted, wait)


async def no_detection(text: str) -> str | None:
    """Detection turned off (HUB_LANGUAGE_DETECTION=off): the given language stays."""
    return None


def start_detection() -> None:
    """Start loading the models in the child process now (the hub's start): by the first
    SOS they are ready. Returns at once; nothing to do where this process has them."""
    if not ready():
        detector_process()


async def detect_if_ready(text: str) -> str | None:
    """Detect at intake only when the models are loaded; never make an SOS wait.

    Until then it answers None (and starts the child if the hub did not): the routing job
    detects a little later (hub/translate/service.py), as it does for every SOS.
    """
    if not text.strip():
        return None
    if ready():
        return await asyncio.to_thread(detect_sync, text)
    if not detector_process().ready():
        return None
    try:
        # In this task (`wait_for` would start another): the request goes out at its
        # first step, while the intake screens the SOS (hub/tickets/services.py).
        async with asyncio.timeout(INTAKE_WAIT):
            return await _ask(text, None, 0.0)
    except TimeoutError:  # the child is starved of CPU: the routing job detects later
        return None
