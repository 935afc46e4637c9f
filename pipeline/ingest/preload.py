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


def preload_worker_state() -> None:
    """Import the stages a worker runs and load the spaCy pipeline in this process (idempotent)."""
    try:
        import pipeline.extract  # noqa: F401  (engines, numpy, pypdfium2, pdfplumber)
        import pipeline.parse.parser  # noqa: F401  (spaCy, rapidfuzz, dateparser, vocabulary)
        from pipeline.parse.nlp import load_pipeline

        load_pipeline()
    except Exception:  # noqa: BLE001  a missing or broken model is reported by each document, with its reason
        return
    gc.collect()  # what is garbage now must not be frozen with the rest
    gc.freeze()
