"""Query analysis: what a query means, decided against the stored vocabulary (`search_vocab`).

A query is an AND of terms (or an OR of such ANDs when the user writes OR/ELLER between words):

- a **word** matches the corpus words that are its inflected forms (same Snowball stem, or same lookup lemma
  as the word) and the compounds that have one of those forms as a real constituent
  (`lokalplan` -> `lokalplanforslaget`, never `handlingsplan`). Constituents are only used for words of at
  least 5 letters (short words such as `fort` are too often accidental pieces of other words).
- a word that matches nothing is tried, in order, as an old spelling (`paaroerende` -> `pårørende`), as a
  compound written as one word whose parts both exist (`skolebestyrelsesvalg` -> `skolebestyrelse valg`),
  and as a typo one edit away from a corpus word (`klimatilpasing`). Each such expansion is reported. When
  none applies, the word matches nothing (0 hits) and the closest corpus word is offered as a suggestion.
- two adjacent words that the corpus also writes as one compound (`pårørende politik` ->
  `pårørendepolitik`) also match that compound (reported).
- a **"quoted phrase"** matches items whose text contains the phrase itself.
- a **case number** or similar identifier (`22-013125`, `27.00`, `18/13756`) matches `case_number` in any
  printed form (letters and digits compared) or as a leading part (`27.00` = a KLE group); it is never split
  into number fragments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.search.text import STOPWORDS, skeleton, tokens
from pipeline.search.vocabulary import SqlVocabulary, Vocabulary

CASE_RE = re.compile(r"^(?=.*\d)[0-9A-Za-zÆØÅæøå]+(?:[-./][0-9A-Za-zÆØÅæøå]+)+$")
PHRASE_RE = re.compile(r'"([^"]*)"')
OR_WORDS = {"OR", "ELLER"}
MAX_TERMS = 20          # distinct words + phrases + case numbers in one query
MAX_QUERY_CHARS = 500
MAX_WORD = 40           # longer tokens cannot be corpus words (the index skips them too)
MIN_CONSTITUENT = 5     # letters a word needs before it may match as a compound's constituent
_STOP = frozenset(STOPWORDS)


class QueryError(ValueError):
    """The query cannot be run as given (too long, too many words); the message is for the user (Danish)."""


@dataclass
class Term:
    """One AND-ed condition: a set of word ids with weights, a case number, or a phrase check."""
    label: str                                           # what the user typed
    kind: str = "word"                                   # word | phrase_word | case | phrase
    weights: dict[int, float] = field(default_factory=dict)   # wid -> weight (idf included)
    words: set[str] = field(default_factory=set)         # matched surface words (for highlighting)
    case: str | None = None                              # typed case number
    phrase: str | None = None                            # lower-cased, whitespace-normalised

    @property
    def empty(self) -> bool:
        return self.kind in ("word", "phrase_word") and not self.weights


@dataclass
class QueryPlan:
    text: str
    groups: list[list[Term]] = field(default_factory=list)   # OR of ANDs
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> replacement used instead
    also: list[str] = field(default_factory=list)            # extra forms searched ("søgte også efter")
    suggestions: dict[str, str] = field(default_factory=dict)  # unknown word -> closest corpus word

    @property
    def corrected_query(self) -> str | None:
        if not self.corrections:
            return None
        out = self.text
        for wrong, right in self.corrections.items():
            out = re.sub(rf"(?i)(?<![\wæøå]){re.escape(wrong)}(?![\wæøå])", right, out)
        return out

    @property
    def suggested_query(self) -> str | None:
        if not self.suggestions:
            return None
        out = self.text
        for wrong, right in self.suggestions.items():
            out = re.sub(rf"(?i)(?<![\wæøå]){re.escape(wrong)}(?![\wæøå])", right, out)
        return out

    @property
    def empty(self) -> bool:
        return not any(self.groups)

    @property
    def terms(self) -> list[Term]:
        return [t for group in self.groups for t in group]

    @property
    def highlight_words(self) -> set[str]:
        return {w for t in self.terms if t.kind == "word" for w in t.words}

    @property
    def phrases(self) -> list[str]:
        return [t.phrase for t in self.terms if t.phrase]


def split_query(text: str) -> list[list[tuple[str, str]]]:
    """OR-groups of (kind, value) with kind word | phrase | case, in typed order."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Søgningen er for lang (højst {MAX_QUERY_CHARS} tegn).")
    groups: list[list[tuple[str, str]]] = [[]]
    pos = 0
    for match in list(PHRASE_RE.finditer(text)) + [None]:
        chunk = text[pos:match.start()] if match else text[pos:]
        for raw in chunk.split():
            if raw in OR_WORDS:
                groups.append([])
                continue
            stripped = raw.strip(",;:()[]!?'«»").rstrip(".")
            if CASE_RE.match(stripped):
                groups[-1].append(("case", stripped))
            else:
                groups[-1].extend(("word", w) for w in tokens(stripped) if w not in _STOP)
        if match:
            phrase = " ".join(match.group(1).lower().split())
            if phrase:
                groups[-1].append(("phrase", phrase))
            pos = match.end()
    groups = [list(dict.fromkeys(g)) for g in groups if g]
    if sum(len(g) for g in groups) > MAX_TERMS:
        raise QueryError(f"Søgningen har for mange ord (højst {MAX_TERMS}).")
    return groups


INFLECTION_ENDINGS = frozenset({"", "e", "en", "et", "er", "erne", "ene", "ens", "ets", "ernes", "es", "s", "n", "r",
                                "t", "ne", "te", "de", "ede", "ende"})


def word_matches(vocab: Vocabulary, word: str) -> tuple[dict[int, float], set[str]]:
    """(wid -> weight, surface words) for a word's inflected forms and the compounds it is a constituent of."""
    if len(word) > MAX_WORD:
        return {}, set()
    if not word.isalpha():  # numbers and codes: the token itself only
        rows = vocab.exact(word)
        return {r[0]: vocab.idf(r[2]) for r in rows}, {r[1] for r in rows}
    stem = vocab.stems([word])[word]
    lemma = vocab.lemma(word)
    stems = {stem}
    if lemma:
        stems |= vocab.stems_of_lemma(lemma)
    stem_list = sorted(stems)
    constituents = len(word) >= MIN_CONSTITUENT and len(stem) >= 3
    if constituents:
        rows = vocab.with_stems(stem_list, as_part=True)
        rows += _prefix_compounds(vocab, {word, lemma} - {None}, {r[1] for r in rows})
    else:
        rows = vocab.with_stems(stem_list, as_part=False)
    weights = {}
    for wid, surface, df, st in rows:
        factor = 1.0 if surface == word else 0.9 if st in stems else 0.7
        weights[wid] = factor * vocab.idf(df)
    return weights, {r[1] for r in rows}


def _prefix_compounds(vocab: Vocabulary, bases: set[str], seen: set[str]) -> list[tuple]:
    """Corpus words that begin with the word (or its base form) followed by an inflection ending, or by a
    linking s/e and another corpus word: "affaldsdag", "hundigevej", "jobcentret" (center -> centr-)."""
    prefixes = set()
    for base in bases:
        if len(base) >= MIN_CONSTITUENT:
            prefixes.add(base)
            if base.endswith(("er", "el")):  # Danish drops the e before an ending: center -> centret
                prefixes.add(base[:-2] + base[-1])
    if not prefixes:
        return []
    rows = vocab.starting_with(sorted(prefixes))
    candidates = []
    for row in rows:
        if row[1] in seen:
            continue
        rests = [row[1][len(p):] for p in prefixes if row[1].startswith(p)]
        candidates.append((row, rests))
    tails = {r[k:] for _, rests in candidates for r in rests for k in (0, 1) if len(r) - k >= 3}
    known = vocab.known(sorted(tails)) if tails else set()
    out = []
    for row, rests in candidates:
        if any(r in INFLECTION_ENDINGS or r in known or (r[:1] in ("s", "e") and r[1:] in known) for r in rests):
            out.append(row)
    return out


def _folded(vocab: Vocabulary, word: str) -> str | None:
    """The corpus's own spelling of an old/ASCII spelling (aa/å, oe/ø, ae/æ), most frequent first."""
    return vocab.same_skeleton(skeleton(word), word)


def _split_compound(vocab: Vocabulary, word: str) -> tuple[str, str] | None:
    """A word written as one that the corpus only has as two words: a base-form head (optionally with a
    linking s/e) and a tail, both at least 5 letters and both corpus words ("frivilligfest" -> "frivillig fest";
    never "skolereform" -> "skoler form": "skoler" is an inflected form, "form" too short)."""
    if len(word) < 10 or not word.isalpha():
        return None
    candidates = []
    for i in range(5, len(word) - 4):
        head, tail = word[:i], word[i:]
        heads = [head] + ([head[:-1]] if head[-1] in "se" and len(head) > 5 else [])
        candidates += [(h, tail) for h in heads]
    lemmas = vocab.lemmas(sorted({p for c in candidates for p in c}))
    base = {w for w, lem in lemmas.items() if lem == w}
    known = set(lemmas)
    good = [(h, t) for h, t in candidates if h in base and t in known]
    return max(good, key=lambda c: min(len(c[0]), len(c[1]))) if good else None


def _closest(vocab: Vocabulary, word: str) -> tuple[str, int] | None:
    """(closest corpus word, edit distance) among words of similar length, or None."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    if len(word) < 4 or not word.isalpha():
        return None
    choices = vocab.of_length(len(word) - 2, len(word) + 2)
    found = process.extract(word, choices, scorer=DamerauLevenshtein.distance, limit=5, score_cutoff=2)
    if not found:
        return None
    best = min(found, key=lambda m: (m[1], m[2]))  # fewest edits, then most frequent (choices sorted by df)
    return best[0], int(best[1])


def _joined(vocab: Vocabulary, a: str, b: str) -> str | None:
    """The compound the corpus writes for two adjacent query words, if any (a+b, a+s+b, a+e+b)."""
    forms = [a + link + b for link in ("", "s", "e")]
    return vocab.most_frequent(forms)


def analyse(con, text: str, plain: bool = False, vocab: Vocabulary | None = None) -> QueryPlan:
    """Turn a query string into AND-ed terms. `plain=True`: the typed words only, no expansions (a baseline).
    `vocab`: the vocabulary held in memory by a long-running reader (default: lookups in SQL)."""
    plan = QueryPlan(text=text)
    vocab = vocab.on(con) if vocab else SqlVocabulary(con)
    for group in split_query(text):
        terms: list[Term] = []
        words = [v for k, v in group if k == "word"]
        for kind, value in group:
            if kind == "case":
                terms.append(Term(label=value, kind="case", case=value))
            elif kind == "phrase":
                terms += _phrase_terms(vocab, value)
            else:
                terms += _word_terms(vocab, value, plan, plain)
        if not plain:
            _add_joined_pairs(vocab, words, terms, plan)
        plan.groups.append(terms)
    return plan


def _phrase_terms(vocab: Vocabulary, phrase: str) -> list[Term]:
    """A phrase: each of its (non-stop) words in exactly this form, plus the phrase checked in the item's text."""
    terms = []
    for word in dict.fromkeys(w for w in tokens(phrase) if w not in _STOP):
        rows = vocab.exact(word) if len(word) <= MAX_WORD else []
        terms.append(Term(label=word, kind="phrase_word", weights={r[0]: vocab.idf(r[2]) for r in rows},
                          words={r[1] for r in rows}))
    return terms + [Term(label=f'"{phrase}"', kind="phrase", phrase=phrase)]


def _word_terms(vocab: Vocabulary, word: str, plan: QueryPlan, plain: bool) -> list[Term]:
    if plain:
        rows = vocab.exact(word)
        return [Term(label=word, weights={r[0]: vocab.idf(r[2]) for r in rows}, words={r[1] for r in rows})]
    weights, words = word_matches(vocab, word)
    if weights:
        return [Term(label=word, weights=weights, words=words)]
    folded = _folded(vocab, word)
    if folded:
        weights, words = word_matches(vocab, folded)
        plan.corrections[word] = folded
        return [Term(label=folded, weights=weights, words=words)]
    parts = _split_compound(vocab, word)
    if parts:
        plan.corrections[word] = " ".join(parts)
        return [Term(label=p, weights=w, words=s) for p in parts for w, s in [word_matches(vocab, p)]]
    close = _closest(vocab, word)
    if close and close[1] == 1 and len(word) >= 6:
        weights, words = word_matches(vocab, close[0])
        plan.corrections[word] = close[0]
        return [Term(label=close[0], weights=weights, words=words)]
    if close:
        plan.suggestions[word] = close[0]
    return [Term(label=word)]


def _add_joined_pairs(vocab: Vocabulary, words: list[str], terms: list[Term], plan: QueryPlan) -> None:
    """(a AND b) OR ab == (a OR ab) AND (b OR ab): the joined compound's ids join both words' terms."""
    by_label = {t.label: t for t in terms if t.kind == "word"}
    for a, b in zip(words, words[1:]):
        joined = _joined(vocab, a, b)
        ta, tb = by_label.get(plan.corrections.get(a, a)), by_label.get(plan.corrections.get(b, b))
        if not joined or ta is None or tb is None:
            continue
        weights, surface = word_matches(vocab, joined)
        for term in (ta, tb):
            for wid, w in weights.items():
                term.weights[wid] = max(term.weights.get(wid, 0.0), w)
            term.words |= surface
        plan.also.append(joined)
