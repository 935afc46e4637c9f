"""Snippets: the densest window of matched words on one page of an item, matched words (or the quoted
phrase) marked, and the page it comes from."""
from __future__ import annotations

import html
import re

WORD_RE = re.compile(r"[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉéÈè]+")
WINDOW = 28


def _phrase_spans(text: str, phrases: list[str]) -> list[tuple[int, int]]:
    spans = []
    for phrase in phrases:
        pattern = r"\s+".join(re.escape(w) for w in phrase.split())
        spans += [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def _window(text: str, words: set[str], phrases: list[str], window: int):
    """(key, segments) of the best window of one page's text; key = (distinct matches, matches)."""
    text = " ".join(text.split())
    tokens = list(WORD_RE.finditer(text))
    if not tokens:
        return (0, 0), ([(text[:200], False)] if text else [])
    spans = _phrase_spans(text, phrases)
    flags = [m.group(0).lower() in words or any(a <= m.start() < b for a, b in spans) for m in tokens]
    best_start, best_key = 0, (0, 0)
    for i in (i for i, f in enumerate(flags) if f):
        start = max(0, i - 4)
        span = list(zip(tokens[start:start + window], flags[start:start + window]))
        key = (len({m.group(0).lower() for m, f in span if f}), sum(f for _, f in span))
        if key > best_key:
            best_key, best_start = key, start
    chosen = tokens[best_start:best_start + window]
    begin, end = chosen[0].start(), chosen[-1].end()
    segments: list[tuple[str, bool]] = [("…", False)] if begin > 0 else []
    pos = begin
    for m, flag in zip(chosen, flags[best_start:best_start + window]):
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
    return best_key, segments


def best_snippet(pages: list[tuple[int, str]], words: set[str], phrases: list[str],
                 window: int = WINDOW) -> tuple[list[tuple[str, bool]], int | None]:
    """(segments, page) of the best window over an item's pages; the first page when nothing matches
    (a match in the title only)."""
    best = None
    for page, text in pages:
        key, segments = _window(text, words, phrases, window)
        if best is None or key > best[0]:
            best = (key, segments, page)
    if best is None:
        return [], None
    return best[1], best[2]


def render_plain(segments, left: str = "«", right: str = "»") -> str:
    return "".join(f"{left}{t}{right}" if h else t for t, h in segments)


def render_html(segments) -> str:
    return "".join(f"<mark>{html.escape(t)}</mark>" if h else html.escape(t) for t, h in segments)
