"""The Danish minutes parser: a spaCy pipeline (nlp.py) of registered components over layout spans.

spaCy is imported here, before any parser module imports it, without its command-line interface
(spacy_import.py: a fifth of the import time, never used by the parser)."""
from pipeline.parse.spacy_import import import_spacy

import_spacy()
