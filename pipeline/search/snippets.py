"""Snippets: the densest window of matched words in an item's text, matched words marked."""
from __future__ import annotations

import html
import re

WORD_RE = re.compile(r"[A-Za-z0-9ÆØÅæøåÄÖÜäöüÉéÈè]+")
WINDOW = 28


def is_match(word: str, plan, vocab) -> bool:
    w = word.lower()
    if w in plan.highlight_words:
        return True
    st = vocab.stem.get(w)
    if st is not None and st in plan.highlight_stems:
        return True
    for part in vocab.parts.get(w, ()):
        if vocab.stem.get(part) in plan.highlight_stems:
            return True
    return False


def make_snippet(text: str, plan, vocab, window: int = WINDOW) -> list[tuple[str, bool]]:
    """Segments (text, highlighted) of the best window of `text`."""
    text = " ".join(text.split())
    words = list(WORD_RE.finditer(text))
    if not words:
        return [(text[:200], False)] if text else []
    memo: dict[str, bool] = {}
    flags = []
    for m in words:
        word = m.group(0)
        flag = memo.get(word)
        if flag is None:
            flag = memo[word] = is_match(word, plan, vocab)
        flags.append(flag)
    best_start, best_key = 0, (-1, -1)
    hits = [i for i, f in enumerate(flags) if f]
    for i in hits:
        start = max(0, i - 4)
        span = words[start:start + window]
        matched = {m.group(0).lower() for m, f in zip(span, flags[start:start + window]) if f}
        key = (len(matched), sum(flags[start:start + window]))
        if key > best_key:
            best_key, best_start = key, start
    start_word = words[best_start]
    end_word = words[min(len(words), best_start + window) - 1]
    begin, end = start_word.start(), end_word.end()
    segments: list[tuple[str, bool]] = []
    if begin > 0:
        segments.append(("…", False))
    pos = begin
    for m, flag in zip(words[best_start:best_start + window], flags[best_start:best_start + window]):
        if not flag:
            continue
        if m.start() > pos:
            segments.append((text[pos:m.start()], False))
        segments.append((m.group(0), True))
        pos = m.end()
    if end > pos:
        segments.append((text[pos:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments


def render_plain(segments, left: str = "«", right: str = "»") -> str:
    return "".join(f"{left}{t}{right}" if h else t for t, h in segments)


def render_html(segments) -> str:
    return "".join(f"<mark>{html.escape(t)}</mark>" if h else html.escape(t) for t, h in segments)
