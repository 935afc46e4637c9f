"""Pay a worker's fixed costs once, in the parent, before the process pool forks.

A pool worker would otherwise import the extraction and parse stages (numpy, pypdfium2, pdfplumber,
spaCy, rapidfuzz, dateparser) and load the spaCy pipeline from models/ on its first file. Forked workers
inherit the parent's memory, so what the parent has loaded they have too, at no cost. `gc.freeze()`
moves the loaded objects out of the collector's reach, so the workers' collections do not touch (and
copy) the inherited pages. Only the process pool calls this: a run with nothing to do (every file known)
loads nothing.
"""
from __future__ import annotations

import gc

_loaded = False


def parser_loaded() -> bool:
    """Whether this process has loaded the parser (preload_worker_state ran, or a fork of one that did)."""
    return _loaded


def preload_worker_state() -> None:
    """Import the stages a worker runs and load the spaCy pipeline in this process (idempotent)."""
    global _loaded
    try:
        import pipeline.extract  # noqa: F401  (engines, numpy, pypdfium2, pdfplumber)
        import pipeline.parse.parser  # noqa: F401  (spaCy, rapidfuzz, dateparser, vocabulary)
        from pipeline.parse.nlp import load_pipeline

        load_pipeline()
    except Exception:  # noqa: BLE001  a missing or broken model is reported by each document, with its reason
        return
    # Collected and frozen again on every call, also when loaded already: what this process made since the last
    # freeze then stays out of the forked workers' collections too (a long test process that skipped this on a
    # second pool start had its workers abort inside a collection).
    gc.collect()  # what is garbage now must not be frozen with the rest
    gc.freeze()
    _loaded = True
