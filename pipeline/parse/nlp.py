"""Assemble, save and load the Danish spaCy pipeline under models/."""
from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import spacy

import pipeline.parse.components  # noqa: F401  (registers the factories)

MODEL_NAME = "minutes_da"


def default_model_dir() -> Path:
    """models/minutes_da in the project checkout (override with MINUTES_MODEL_DIR)."""
    env = os.environ.get("MINUTES_MODEL_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / MODEL_NAME


def build_pipeline(target: Path | None = None) -> Path:
    """spacy.blank('da') + lookup lemmatizer (spacy-lookups-data) + our components, saved to disk."""
    target = target or default_model_dir()
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("minutes_entities")
    nlp.add_pipe("decision_outcome")
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data into the pipeline
    nlp.meta["name"] = MODEL_NAME
    nlp.meta["description"] = "Danish municipal minutes: lookup lemmas, case-number/money/date entities, decision outcomes"
    target.parent.mkdir(parents=True, exist_ok=True)
    # write beside the target, then rename: a worker loading the model never sees half a pipeline
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    umask = os.umask(0)  # mkdtemp makes the folder 0700: other users' ingests must read the model
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    nlp.to_disk(staging)
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(staging, target)
    except OSError:  # another process finished first; its copy is as good as ours
        shutil.rmtree(staging, ignore_errors=True)
    return target


@lru_cache(maxsize=2)
def load_pipeline(path: str | None = None):
    """The saved pipeline; built first when it is missing (e.g. a fresh checkout before `minutes build-model`)."""
    model_dir = Path(path) if path else default_model_dir()
    if not (model_dir / "config.cfg").exists():
        build_pipeline(model_dir)
    return spacy.load(model_dir)
