"""spaCy is imported by the parser without its command-line interface, and the CLI still works when asked for.
Each check runs in a fresh interpreter: what is imported depends on what was imported before."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_parser_imports_spacy_without_its_cli():
    state = run_python(
        "import json, sys\n"
        "from pipeline.parse.parser import parse_document\n"
        "from pipeline.parse.nlp import load_pipeline\n"
        "load_pipeline()\n"
        "print(json.dumps({'spacy': 'spacy' in sys.modules,\n"
        "                  'cli': sorted(m for m in sys.modules if m.startswith('spacy.cli')),\n"
        "                  'typer': 'typer' in sys.modules}))")
    assert state == {"spacy": True, "cli": [], "typer": False}


def test_spacy_info_and_the_cli_still_work_afterwards():
    state = run_python(
        "import json, sys\n"
        "import pipeline.parse\n"
        "import spacy\n"
        "info = spacy.info(silent=True)\n"
        "import spacy.cli\n"
        "from spacy.cli.info import info as cli_info\n"
        "module = sys.modules['spacy.cli.info']\n"
        "print(json.dumps({'version': info['spacy_version'], 'expected': spacy.__version__,\n"
        "                  'module_file': getattr(module, '__file__', None),\n"
        "                  'cli_info_module': cli_info.__module__, 'has_app': hasattr(spacy.cli, 'app')}))")
    assert state["version"] == state["expected"]
    assert state["module_file"] and state["module_file"].endswith("spacy/cli/info.py")  # the real module, not the stand-in
    assert state["cli_info_module"] == "spacy.cli.info"
    assert state["has_app"]


def test_spacy_imported_first_is_left_as_it_is():
    state = run_python(
        "import json, sys\n"
        "import spacy\n"
        "from pipeline.parse.spacy_import import import_spacy\n"
        "print(json.dumps({'same': import_spacy() is spacy, 'cli_loaded': 'spacy.cli' in sys.modules}))")
    assert state == {"same": True, "cli_loaded": True}


def test_python_m_spacy_info_runs():
    out = subprocess.run([sys.executable, "-m", "spacy", "info"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "spaCy version" in out.stdout
