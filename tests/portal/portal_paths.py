"""Fixture folders of the portal tests (a module of its own: every test folder has a `conftest`)."""
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
GREVE = FIXTURES / "greve"
GOLD = FIXTURES / "gold"
EDGE = FIXTURES / "edge"
API = FIXTURES / "api"
