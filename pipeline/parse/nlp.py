"""Assemble, save and load the Danish spaCy pipeline under models/ (a tracked folder)."""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.attrs import LOWER, NORM

import pipeline.parse.components  # noqa: F401  (registers the factories)

MODEL_NAME = "minutes_da"
# pipeline order; each component's requires/assigns are in pipeline/parse/components.py
COMPONENTS = ["minutes_lexicon", "minutes_structure", "minutes_front_matter", "minutes_sections",
              "minutes_entities", "minutes_items", "minutes_decisions", "minutes_meeting"]


def default_model_dir() -> Path:
    """models/minutes_da in the project checkout (override with MINUTES_MODEL_DIR)."""
    env = os.environ.get("MINUTES_MODEL_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / MODEL_NAME


def assemble_pipeline() -> spacy.Language:
    """spacy.blank('da') with the printed-word tokenizer + our components + the (disabled, lazily
    loaded) lookup lemmatizer."""
    nlp = spacy.blank("da", config={"nlp": {"tokenizer": {"@tokenizers": "minutes_word_tokenizer"}}})
    for name in COMPONENTS:
        nlp.add_pipe(name)
    nlp.add_pipe("minutes_lookup_lemmatizer", name="lemmatizer")
    nlp.get_pipe("lemmatizer").initialize()  # the outcome-lemma subset saved with the model
    nlp.disable_pipe("lemmatizer")  # saved as disabled: used for single decisions and search, not whole documents
    nlp.meta["name"] = MODEL_NAME
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = ("Danish municipal minutes: layout Doc, item segmentation, sections, front matter, "
                               "entities, decision semantics; Danish lexicon as pattern files")
    return nlp


def build_pipeline(target: Path | None = None) -> Path:
    """Write the pipeline to `target` (default models/minutes_da). Deterministic: the same sources give
    the same bytes, so the tracked models/ folder only changes when a component or pattern does."""
    target = target or default_model_dir()
    nlp = assemble_pipeline()
    target.parent.mkdir(parents=True, exist_ok=True)
    # write beside the target, then rename: a worker loading the model never sees half a pipeline
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    umask = os.umask(0)  # mkdtemp makes the folder 0700: other users' ingests must read the model
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    nlp.to_disk(staging, exclude=["vocab", "tokenizer"])  # both are code, not data
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(staging, target)
    except OSError:  # another process finished first; its copy is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
    return target


@lru_cache(maxsize=2)
def load_pipeline(path: str | None = None):
    """The saved pipeline; built first when it is missing (e.g. a checkout whose models/ was removed)."""
    model_dir = Path(path) if path else default_model_dir()
    if not (model_dir / "config.cfg").exists():
        build_pipeline(model_dir)
    nlp = spacy.load(model_dir)
    # The components read no lexical attributes but lower/norm (shape, like_num, is_stop, ...); computing
    # them for every word the vocabulary has not seen yet was a fifth of building a document's Doc.
    nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in nlp.vocab.lex_attr_getters.items()
                                  if attr in (LOWER, NORM)}
    return nlp
