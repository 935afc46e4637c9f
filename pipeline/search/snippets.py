"""Snippets: the densest window of matched words on one page of an item, matched words (or the quoted
phrase) marked, and the page it comes from."""
from __future__ import annotations

import bisect
import html
import itertools
import re

WORD_RE = re.compile(r"[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉéÈè]+")
WINDOW = 28
# characters outside WORD_RE whose lower case is inside it (Kelvin sign -> k, Angstrom sign -> å)
CASE_FOLDS_INTO_WORDS = frozenset("\u212a\u212b")


def _phrase_spans(text: str, phrases: list[str]) -> list[tuple[int, int]]:
    spans = []
    for phrase in phrases:
        pattern = r"\s+".join(re.escape(w) for w in phrase.split())
        spans += [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def _flags(text: str, words: set[str], phrases: list[str]) -> tuple[list, list[bool], list]:
    """(tokens, is-match flag per token, phrase spans) of one page's normalised text. Without phrases the
    tokens are plain strings (no match objects: a page has thousands of words and most are not matches)."""
    if not phrases:
        lowered = text.lower()
        if len(lowered) == len(text) and not any(c in text for c in CASE_FOLDS_INTO_WORDS):
            # lower-casing kept every character in or out of a word: the same tokens, lower-cased at once
            tokens = WORD_RE.findall(lowered)
            return tokens, list(map(words.__contains__, tokens)), []
        tokens = WORD_RE.findall(text)
        return tokens, [t.lower() in words for t in tokens], []
    tokens = list(WORD_RE.finditer(text))
    spans = _phrase_spans(text, phrases)
    return tokens, [m.group(0).lower() in words or any(a <= m.start() < b for a, b in spans) for m in tokens], spans


def _best_start(tokens: list, flags: list[bool], window: int) -> tuple[tuple[int, int], int]:
    """(key, first token) of the best window: key = (distinct matched words, matches); windows start four
    tokens before a match, the first best one wins."""
    matched = list(itertools.compress(range(len(flags)), flags))
    words = [(t if isinstance(t, str) else t.group(0)).lower() for t in map(tokens.__getitem__, matched)]
    best_start, best_key = 0, (0, 0)
    first = 0
    for i in matched:
        start = max(0, i - 4)
        first = bisect.bisect_left(matched, start, first)
        end = bisect.bisect_left(matched, start + window, first)  # matches inside [start, start + window)
        key = (len(set(words[first:end])), end - first)
        if key > best_key:
            best_key, best_start = key, start
    return best_key, best_start


def _segments(text: str, start: int, flags: list[bool], spans: list, window: int) -> list[tuple[str, bool]]:
    """The window of `window` tokens from token `start`, matched words (and phrase gaps) marked."""
    chosen = list(itertools.islice(WORD_RE.finditer(text), start, start + window))
    begin, end = chosen[0].start(), chosen[-1].end()
    segments: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
    pos = begin
    for m, flag in zip(chosen, flags[start:start + window]):
        if not flag:
            continue
        if m.start() > pos:
            # a gap inside a phrase match stays marked ("taget til efterretning" is one mark)
            gap_in_phrase = any(a <= pos and m.start() <= b for a, b in spans) and segments and segments[-1][1]
            if gap_in_phrase:
                segments[-1] = (segments[-1][0] + text[pos:m.start()] + m.group(0), True)
                pos = m.end()
                continue
            segments.append((text[pos:m.start()], False))
        if segments and segments[-1][1] and pos == m.start():
            segments[-1] = (segments[-1][0] + m.group(0), True)
        else:
            segments.append((m.group(0), True))
        pos = m.end()
    if end > pos:
        segments.append((text[pos:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments


def best_snippet(pages: list[tuple[int, str]], words: set[str], phrases: list[str],
                 window: int = WINDOW) -> tuple[list[tuple[str, bool]], int | None]:
    """(segments, page) of the best window over an item's pages; the first page when nothing matches
    (a match in the title only). Windows are scored on every page; segments are built for the best only."""
    best = None
    for page, raw in pages:
        text = " ".join(raw.split())
        tokens, flags, spans = _flags(text, words, phrases)
        key, start = _best_start(tokens, flags, window) if tokens else ((0, 0), 0)
        if best is None or key > best[0]:
            best = (key, page, text, start, flags, spans, bool(tokens))
    if best is None:
        return [], None
    _, page, text, start, flags, spans, has_tokens = best
    if not has_tokens:
        return ([(text[:200], False)] if text else []), page
    return _segments(text, start, flags, spans, window), page


def render_plain(segments, left: str = "«", right: str = "»") -> str:
    return "".join(f"{left}{t}{right}" if h else t for t, h in segments)


def render_html(segments) -> str:
    return "".join(f"<mark>{html.escape(t)}</mark>" if h else html.escape(t) for t, h in segments)
