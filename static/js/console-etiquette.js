// The reply etiquette, told from the words of a reply: the same rules as the server's
// hub/tickets/etiquette.py, on the phrase lists it hands the page (no list is typed here).
// At each word the longest phrase wins; "answer" is a clause of at least `answer_min_words`
// words in which no phrase appears.

const CLAUSE = /[.!?;:,¡¿\n]+/;
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

/** Lower case without accents, curly apostrophes straightened (as the server folds). */
export function fold(text) {
  return String(text || "")
    .replace(/[’‘]/g, "'")
    .normalize("NFKD")
    .replace(/\p{Mn}/gu, "")
    .toLowerCase();
}

/** A detector for `lexicon` ({steps, phrases: {phrase: step}, ignored, answer_min_words}). */
export function detector(lexicon) {
  const table = new Map(Object.entries(lexicon.phrases || {}));
  const longest = Math.max(1, ...[...table.keys()].map((p) => p.split(" ").length));
  const steps = lexicon.steps || [];
  const minWords = lexicon.answer_min_words || 5;
  /** The steps `text` covers, in the protocol's order. */
  return function detect(text) {
    const found = new Set();
    for (const clause of fold(text).split(CLAUSE)) {
      const tokens = clause.match(WORD) || [];
      let matched = false;
      let i = 0;
      while (i < tokens.length) {
        let size = Math.min(longest, tokens.length - i);
        for (; size > 0; size -= 1) {
          const step = table.get(tokens.slice(i, i + size).join(" "));
          if (step !== undefined) {
            if (step !== lexicon.ignored) found.add(step);
            matched = true;
            break;
          }
        }
        i += size > 0 ? size : 1;
      }
      if (!matched && tokens.length >= minWords) found.add("answer");
    }
    return steps.filter((s) => found.has(s));
  };
}
