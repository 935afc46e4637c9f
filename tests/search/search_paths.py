"""Paths of the search tests' data (a module of its own: every test folder has a `conftest`, so importing
from `conftest` can find another folder's)."""
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "search"
GREVE = FIXTURES / "greve"
QUERIES = Path(__file__).resolve().parent / "search_queries.json"
JOURNALIST_QUERIES = Path(__file__).resolve().parent / "journalist_queries.json"
