"""Import spaCy without its command-line interface.

spaCy 3.8's `spacy/__init__.py` runs `from .cli.info import info` only to offer `spacy.info()`, and importing
`spacy.cli` imports every CLI command with typer, weasel, httpx, rich and jinja2: 0.2 s of the 0.6 s
`import spacy` costs here, paid by every `minutes` run that parses and by every spawned worker. The parser
never uses the CLI. spaCy's maintainers made the same import lazy upstream (explosion/spaCy#12962, on the
v4 branch); until a release has it, `import_spacy` gives the package a stand-in `spacy.cli.info` module for
the length of the import, whose `info` loads the real one when called, and then takes the stand-in away, so
a later `import spacy.cli` (or `python -m spacy`) imports the real CLI as usual.
"""
from __future__ import annotations

import sys
import types

_CLI_INFO = "spacy.cli.info"


def _real_info(*args, **kwargs):
    """`spacy.info` as spaCy defines it, imported on the first call."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def import_spacy() -> types.ModuleType:
    """Import spaCy (once per process) without importing `spacy.cli`; returns the `spacy` module."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    stand_in = types.ModuleType(_CLI_INFO, "Stand-in while `import spacy` runs: see pipeline/parse/spacy_import.py")
    stand_in.info = _real_info
    if sys.modules.setdefault(_CLI_INFO, stand_in) is not stand_in:  # the real one is loaded: nothing to spare
        import spacy

        return spacy
    try:
        import spacy
    finally:
        if sys.modules.get(_CLI_INFO) is stand_in:
            del sys.modules[_CLI_INFO]
    return spacy
