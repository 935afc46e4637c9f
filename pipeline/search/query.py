"""Query analysis: split the query into words, phrases and case numbers, then expand every word.

Each query word becomes a *main* group; its expansions are weighted alternatives inside a *sub* group
(the score of a sub group is its best-matching alternative, so five inflections of one word do not
count five times). Compound parts get sub groups of their own under the same main group.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.search import inflections, spelling, typos
from pipeline.search.text import STOPWORDS, danish_letters, tokens

CASE_RE = re.compile(r"^(\d{2}\.\d{2}(\.\d{2})?([-.][0-9A-Za-zÆØÅæøå-]+)?|\d{4}-\d{3,}|\d{2}/\d+)$")
PHRASE_RE = re.compile(r'"([^"]+)"')
_STOP = frozenset(STOPWORDS)


@dataclass
class QueryPlan:
    text: str
    words: list[str] = field(default_factory=list)             # analysed query words (after correction)
    phrases: list[str] = field(default_factory=list)           # lower-cased, whitespace-normalised
    case_numbers: list[str] = field(default_factory=list)
    # (sub, main, termid, weight incl. idf)
    clauses: list[tuple[int, int, int, float]] = field(default_factory=list)
    mains: int = 0
    highlight_stems: set[str] = field(default_factory=set)
    highlight_words: set[str] = field(default_factory=set)
    corrections: dict[str, str] = field(default_factory=dict)  # original word -> replacement

    @property
    def corrected_query(self) -> str | None:
        if not self.corrections:
            return None
        out = self.text
        for wrong, right in self.corrections.items():
            out = re.sub(rf"(?i)(?<![\wæøå]){re.escape(wrong)}(?![\wæøå])", right, out)
        return out

    @property
    def empty(self) -> bool:
        return not self.clauses and not self.case_numbers and not self.phrases


def split_query(text: str) -> tuple[list[str], list[str], list[str]]:
    """(words, phrases, case numbers) of a raw query string."""
    phrases = [" ".join(p.lower().split()) for p in PHRASE_RE.findall(text)]
    rest = PHRASE_RE.sub(" ", text)
    words, cases = [], []
    for raw in rest.split():
        stripped = raw.strip(",;:()[]!?'")
        if CASE_RE.match(stripped.rstrip(".")):
            cases.append(stripped.rstrip("."))
        else:
            words += tokens(stripped)
    for phrase in phrases:
        words += tokens(phrase)
    return words, phrases, cases


def expand_word(word: str, vocab, stem: str | None = None) -> tuple[dict[str, float], list[tuple[str, ...]], str | None]:
    """(alternatives word -> weight, compound part groups, correction) for one query word.

    `stem` is the word's Snowball stem; a word whose stem is an index term counts as known.
    """
    alternatives = {word: 1.0}
    correction = None
    known = vocab.known(word) or (stem is not None and stem in vocab.terms)
    folded = spelling.fold_variants(word, vocab)
    for variant in folded:
        alternatives[variant] = 1.0 if not known else 0.95
    if not known and not folded and word.isalpha():
        parts = vocab.splitter.split(word) if vocab.splitter else ()
        if not parts:
            fixed = typos.correct(word, vocab)
            if fixed:
                correction = fixed
                alternatives = {fixed: 1.0}
    elif not known and folded:
        correction = folded[0]
    for base in list(alternatives):
        for variant, weight in inflections.inflection_variants(base, vocab).items():
            alternatives.setdefault(variant, weight * alternatives[base])
    head = correction or word
    parts = vocab.parts.get(head) or (vocab.splitter.split(head) if vocab.splitter else ())
    groups = [tuple([p] + list(inflections.inflection_variants(p, vocab))) for p in parts]
    return alternatives, groups, correction


def analyse(con, text: str, vocab, plain: bool = False) -> QueryPlan:
    """Turn a query string into weighted index terms. `plain=True`: the words' own stems only."""
    words, phrases, cases = split_query(text)
    plan = QueryPlan(text=text, phrases=phrases, case_numbers=cases)
    words = [w for w in dict.fromkeys(words) if w not in _STOP]
    sub = 0
    word_stems = inflections.stems(con, words, vocab) if words else {}
    for main, word in enumerate(words):
        if plain:
            alternatives, groups, correction = {word: 1.0}, [], None
        else:
            alternatives, groups, correction = expand_word(word, vocab, word_stems.get(word))
        if correction:
            plan.corrections[word] = correction
        plan.words.append(correction or word)
        part_weight = 0.5 if not vocab.known(word) else 0.35
        sub_groups = [(alternatives, 1.0)] + [({p: 1.0 for p in g}, part_weight) for g in groups]
        all_words = [w for alts, _ in sub_groups for w in alts]
        stem_of = inflections.stems(con, all_words, vocab)
        for alts, group_weight in sub_groups:
            best: dict[int, float] = {}
            for alt, weight in alts.items():
                st = stem_of.get(alt)
                if st is None or st not in vocab.terms:
                    continue
                termid, idf = vocab.terms[st]
                best[termid] = max(best.get(termid, 0.0), weight * group_weight * idf)
                plan.highlight_stems.add(st)
                plan.highlight_words.add(alt)
            for termid, weight in best.items():
                plan.clauses.append((sub, main, termid, weight))
            sub += 1
    if not plain:
        sub = _joined_pairs(con, words, vocab, plan, sub)
    plan.mains = len(words) + len(cases)
    return plan


def _joined_pairs(con, words: list[str], vocab, plan: QueryPlan, sub: int) -> int:
    """Adjacent query words written as one compound ("pårørende politik" -> "pårørendepolitik")."""
    for main, (a, b) in enumerate(zip(words, words[1:])):
        for link in ("", "s", "e"):
            joined = a + link + b
            candidates = [joined] + spelling.fold_variants(joined, vocab)
            known = [c for c in candidates if vocab.known(c)]
            if not known:
                continue
            stem_of = inflections.stems(con, known, vocab)
            for word in known:
                st = stem_of.get(word)
                if st in vocab.terms:
                    termid, idf = vocab.terms[st]
                    plan.clauses.append((sub, main, termid, idf))
                    plan.highlight_stems.add(st)
            sub += 1
            break
    return sub


def display_word(word: str) -> str:
    return danish_letters(word)
