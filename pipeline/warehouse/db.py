"""Opening the warehouse: schema applied on write connections, read-only for readers."""
from __future__ import annotations

import importlib.util
import sys
from importlib import resources
from pathlib import Path

import duckdb

# DuckDB's Python client tries `import pandas` for every bound parameter. Without pandas installed
# each failed import walks sys.path (≈60% of ingest time in a profile). A None entry in sys.modules
# makes that import fail at once; it is only set when pandas really is absent.
if "pandas" not in sys.modules and importlib.util.find_spec("pandas") is None:
    sys.modules["pandas"] = None  # type: ignore[assignment]

DEFAULT_DB = Path("data/warehouse/minutes.duckdb")


def schema_sql() -> str:
    return resources.files("pipeline.warehouse").joinpath("schema.sql").read_text(encoding="utf-8")


def connect(path: Path | str = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Writers get the schema created/updated; readers must find an existing file."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}; run `minutes ingest` first")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(schema_sql())
    return con


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's full-text extension from the duckdb-extension-fts wheel (no download)."""
    import duckdb_extension_fts

    folder = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    con.execute(f"LOAD '{folder / 'fts.duckdb_extension'}'")
