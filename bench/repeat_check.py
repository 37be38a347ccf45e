"""The repeat check's worst case per SOS: before (unbounded) and after (bounded work).

One sender has 50 open tickets of ~2,000 characters each, all made of the same words in
another order: every pair passes the cheap word check, none is a repeat, so the check
compares the new SOS with every candidate it looks at (and "edited copies": one text with
30% of its words changed, which the cheap checks turn away). Both sides have the earlier
texts prepared already (as a running hub's cache would), not the new one. "before" is the
comparison as it was (SequenceMatcher over whole 1,000-character keys, 50 candidates),
copied here; "after" is the hub's nearly_same over its REPEAT_CANDIDATES, and the whole
StoreGuard.screen on a real SQLite store (store queries and text filters included).

    python bench/repeat_check.py [--tickets 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import tempfile
import time
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from hub.clock import iso, new_id, now
from hub.moderation.guard import REPEAT_CANDIDATES, StoreGuard
from hub.ports import Doc
from hub.store.sqlite import SqliteStore
from hub.tickets.filters import COMPARE_CHARS, nearly_same, repeat_key
from hub.tickets.lexicon import RUN3, fold, prepare

_SENTENCE = (
    "the water in room two hundred and four is cold again and nobody at the front desk"
    " answers the phone please send someone up to look at the heating tonight"
)
WORDS = tuple(_SENTENCE.split())


def long_text(rnd: random.Random, chars: int = 2000) -> str:
    """The same few words in a random order, up to `chars` characters."""
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(rnd.choice(WORDS))
    return " ".join(out)[:chars]


@functools.lru_cache(maxsize=4096)
def edited(rnd: random.Random, base: str, share: float = 0.3) -> str:
    """`base` with about `share` of its words swapped for others: close, but no repeat."""
    return " ".join(rnd.choice(WORDS) if rnd.random() < share else w for w in base.split())


def _legacy_key(text: str) -> str:
    return " ".join(RUN3.sub(r"\1", t.word) for t in prepare(text).tokens)[:1000]


def legacy_nearly_same(a: str, b: str) -> bool:
    """The repeat comparison before the bound (hub/tickets/filters.py as it was)."""
    ka, kb = _legacy_key(a), _legacy_key(b)
    if not ka or not kb:
        return fold(a.strip()) == fold(b.strip())
    if ka == kb:
        return True
    wa, wb = ka.split(), kb.split()
    if 2 * sum((Counter(wa) & Counter(wb)).values()) / (len(wa) + len(wb)) < 0.75:
        return False
    chars = SequenceMatcher(None, ka, kb, autojunk=False)
    if chars.real_quick_ratio() < 0.8 or chars.quick_ratio() < 0.8:
        return False
    char_ratio = chars.ratio()
    word_ratio = SequenceMatcher(None, wa, wb, autojunk=False).ratio()
    return (char_ratio >= 0.9 and word_ratio >= 0.75) or (char_ratio >= 0.8 and word_ratio >= 0.8)


async def worst_per_sos(earlier: list[str], incoming: list[str]) -> tuple[float, float, float]:
    """Worst seconds per SOS: before (comparison), after (comparison), after (whole screen)."""
    # Both caches hold the earlier texts already, as they would in a running hub: each SOS
    # pays for preparing its own text and for the comparisons.
    for text in earlier:
        _legacy_key(text)
        repeat_key(text)
    before, compared, screened = [], [], []
    for text in incoming:
        start = time.perf_counter()
        merged = any(legacy_nearly_same(text, old) for old in earlier[:50])
        before.append(time.perf_counter() - start)
        repeat_key.cache_clear()
        for old in earlier:
            repeat_key(old)
        start = time.perf_counter()
        merged_now = any(nearly_same(text, old) for old in earlier[-REPEAT_CANDIDATES:])
        compared.append(time.perf_counter() - start)
        assert merged == merged_now, "before and after disagree"

    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        await store.open()
        try:
            tenant: Doc = {"id": new_id()}
            for n, text in enumerate(earlier):
                await store.insert(
                    tenant["id"],
                    "tickets",
                    {
                        "id": new_id(),
                        "number": n + 1,
                        "status": "new",
                        "text": text,
                        "contact": None,
                        "device_id": "bench-device",
                        "ip": "203.0.113.9",
                        "created_at": iso(now()),
                    },
                )
            guard = StoreGuard(store)
            for text in incoming:
                repeat_key.cache_clear()
                for old in earlier:
                    repeat_key(old)
                ticket = {
                    "id": new_id(),
                    "text": text,
                    "contact": None,
                    "device_id": "bench-device",
                    "ip": "203.0.113.9",
                    "created_at": iso(now()),
                }
                start = time.perf_counter()
                await guard.screen(tenant, ticket)
                screened.append(time.perf_counter() - start)
        finally:
            await store.close()
    return max(before), max(compared), max(screened)


async def main(tickets: int, runs: int) -> None:
    rnd = random.Random(7)
    base = long_text(rnd)
    scenarios = {
        "shuffled words": (
            [long_text(rnd) for _ in range(tickets)],
            [long_text(rnd) for _ in range(runs)],
        ),
        "edited copies": (
            [edited(rnd, base) for _ in range(tickets)],
            [edited(rnd, base) for _ in range(runs)],
        ),
    }
    print(
        f"{tickets} open tickets of ~2,000 characters from one sender, none a repeat of the "
        f"new SOS; worst of {runs} new SOS, in ms per SOS:"
    )
    print(f"  {'texts':<16}{'before':>10}{'after':>10}{'after, whole screen':>22}")
    for name, (earlier, incoming) in scenarios.items():
        before, after, screen = await worst_per_sos(earlier, incoming)
        print(f"  {name:<16}{before * 1000:>10.1f}{after * 1000:>10.1f}{screen * 1000:>22.1f}")
    print(
        f"before: SequenceMatcher over whole 1,000-character keys, 50 candidates (comparisons "
        f"only). after: {REPEAT_CANDIDATES} candidates, {COMPARE_CHARS}-character samples; "
        "'whole screen' is StoreGuard.screen on SQLite: store queries, blocks, text filters "
        "and the repeat check."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.runs))
