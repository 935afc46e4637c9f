"""Opening the warehouse: schema applied on write connections, read-only for readers, sandboxed for outside SQL."""
from __future__ import annotations

import errno
import importlib.util
import os
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


class WarehouseError(Exception):
    """The warehouse file cannot be opened; the message is one line an operator can act on."""


class WarehouseMissing(WarehouseError, FileNotFoundError):
    """No file at the path (also a FileNotFoundError, as callers caught before)."""


class WarehouseBusy(WarehouseError):
    """Another process holds the file (DuckDB allows one writer or several readers)."""


class WarehouseUnreadable(WarehouseError):
    pass


def schema_sql() -> str:
    return resources.files("pipeline.warehouse").joinpath("schema.sql").read_text(encoding="utf-8")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def open_error(path: Path, exc: BaseException, read_only: bool) -> WarehouseError:
    """Translate DuckDB's/the OS's exception on open into a one-line WarehouseError of the right kind."""
    text = str(exc)
    if "lock" in text.lower() or "conflicting" in text.lower():
        mode = "reading" if read_only else "writing"
        return WarehouseBusy(f"the warehouse {path} is busy: another process has it open ({mode} refused; "
                             f"DuckDB allows one writer or several readers). {_first_line(exc)}")
    if isinstance(exc, PermissionError) or "permission denied" in text.lower():
        return WarehouseUnreadable(f"cannot open the warehouse {path}: permission denied")
    if read_only and "replaying wal" in text.lower():
        # DuckDB 1.5 cannot replay, read-only, a WAL holding a CREATE INDEX (duckdb/duckdb#24103): a run killed
        # between building the search index and its final checkpoint leaves one. Nothing is lost; a writer
        # replays it.
        return WarehouseUnreadable(f"cannot open the warehouse {path} for reading: an interrupted run left a "
                                   "write-ahead log that only a writing run can replay; run `minutes ingest` or "
                                   f"`minutes nightly` once (nothing is lost). {_first_line(exc)}")
    return WarehouseUnreadable(f"cannot open the warehouse {path}: {_first_line(exc)}")


# WAL size at which a writer merges the WAL into the file (DuckDB's default is 16 MB). Every COMMIT still writes
# and fsyncs the WAL, so a committed document survives a crash (DuckDB replays the WAL when the file is opened
# next); the threshold only decides how often the file itself is rewritten. At 16 MB an ingest of the Greve
# year checkpointed every ~30 documents, ~18% of its loading time; closing the connection checkpoints anyway.
CHECKPOINT_THRESHOLD = "256MB"


def connect(path: Path | str = DEFAULT_DB, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Writers get the schema created/updated; readers must find an existing file.

    Raises WarehouseError (WarehouseMissing/WarehouseBusy/WarehouseUnreadable) with a one-line message."""
    path = Path(path)
    try:
        if read_only:
            if not path.exists():
                raise WarehouseMissing(f"no warehouse at {path}; run `minutes ingest` first")
            if not os.access(path, os.R_OK):
                raise WarehouseUnreadable(f"cannot open the warehouse {path}: permission denied")
            return duckdb.connect(str(path), read_only=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    except WarehouseError:
        raise
    except (duckdb.Error, OSError) as exc:
        raise open_error(path, exc, read_only) from None
    try:
        con.execute("SET autoinstall_known_extensions = false")  # no downloads at run time: extensions come from wheels
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        con.execute(schema_sql())
        _move_version_contents(con)
    except duckdb.Error as exc:
        con.close()
        raise open_error(path, exc, read_only) from None
    return con


def _move_version_contents(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse made before `version_contents` kept each version's parse in `document_versions.content`:
    moved to the new table, in one transaction, the first time a writer opens it (schema.sql says why)."""
    if not con.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = 'main' "
                       "AND table_name = 'document_versions' AND column_name = 'content'").fetchone():
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO version_contents SELECT doc_id, content FROM document_versions")
        con.execute("ALTER TABLE document_versions DROP COLUMN content")
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


# Settings that make a read-only connection safe for SQL from outside (the `minutes sql` command, or any
# other place that runs a statement someone typed): no file system or network access at all (COPY … TO,
# EXPORT DATABASE, read_text/read_csv/glob, ATTACH, INSTALL/LOAD), no automatic extension downloads, and the
# configuration locked so a `SET`/`RESET` in the statement cannot undo it.
SANDBOX_SETTINGS = (
    ("autoinstall_known_extensions", False),
    ("autoload_known_extensions", False),
    ("allow_community_extensions", False),
    ("enable_external_access", False),
    ("lock_configuration", True),
)


def connect_sandboxed(path: Path | str = DEFAULT_DB) -> duckdb.DuckDBPyConnection:
    """A connection for untrusted SQL: it can read the warehouse's tables and nothing else.

    DuckDB keeps settings per database instance and shares one instance between the connections of a process
    to the same file, so the sandbox is a fresh in-memory instance that attaches the warehouse READ_ONLY and
    makes it the default catalog: other connections of the process keep their settings, and this one's cannot
    be changed back. The full-text extension is loaded first (from the wheel), so FTS macros work. The
    in-memory catalog `memory` stays usable as scratch space (it holds nothing and writes nothing to disk).
    """
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}; run `minutes ingest` first")
    if not os.access(path, os.R_OK):
        raise WarehouseUnreadable(f"cannot open the warehouse {path}: permission denied")
    con = duckdb.connect(":memory:")
    try:
        literal = str(path).replace("'", "''")  # ATTACH takes no parameters: a quoted literal
        con.execute(f"ATTACH '{literal}' AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
    except duckdb.Error as exc:
        con.close()
        raise open_error(path, exc, read_only=True) from None
    try:
        load_fts(con)
    except (duckdb.Error, ImportError, OSError):
        pass  # search macros are a convenience; the sandbox matters more
    for name, value in SANDBOX_SETTINGS:
        con.execute(f"SET {name} = {str(value).lower()}")
    return con


def root_cause(exc: BaseException) -> BaseException:
    """The error that started it: a failed write aborts DuckDB's transaction, and the ROLLBACK in an `except`
    block then fails with "cannot rollback - no transaction is active", hiding the real cause in __context__."""
    seen = set()
    while id(exc) not in seen and "no transaction is active" in str(exc) and exc.__context__ is not None:
        seen.add(id(exc))
        exc = exc.__context__
    return exc


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error means the disk (or the file size limit) is full: recorded as `disk_full`."""
    exc = root_cause(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(s in text for s in ("no space left", "file too large", "disk quota", "out of disk"))


def describe_error(exc: BaseException) -> str:
    """`Class: first line` of the root cause, for ingest_errors and log lines."""
    exc = root_cause(exc)
    return f"{exc.__class__.__name__}: {(str(exc).strip().splitlines() or [''])[0]}"


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's full-text extension from the duckdb-extension-fts wheel (no download)."""
    import duckdb_extension_fts

    folder = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    con.execute(f"LOAD '{folder / 'fts.duckdb_extension'}'")
