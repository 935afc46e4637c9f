"""The main process's share of an ingest: `load_document` alone, on documents extracted and parsed beforehand.

    .venv/bin/python benchmarks/bench_load.py prepare --corpus ../shared/corpus/public --out /tmp/public.pickle
    .venv/bin/python benchmarks/bench_load.py time /tmp/public.pickle            # ms per document
    .venv/bin/python benchmarks/bench_load.py profile /tmp/public.pickle         # statements per document

`prepare` reads and parses every PDF of a corpus once (as an ingest worker does) and pickles the results, so
that `time` and `profile` measure loading only -- and can be run with another checkout of the code on the same
input (`PYTHONPATH=<checkout>`), alternating runs to compare two loaders on a shared machine. Each run loads
every document into a fresh warehouse in a temporary folder with DuckDB on one thread, as `minutes ingest` does.
`time` reports wall and CPU ms per document; `profile` wraps the connection to count and time every statement
(the wrapper's own cost makes its total a little higher) and lists the statements by total time.

A warehouse that already holds many documents (what every nightly run and a long backfill load into):

    .venv/bin/python benchmarks/bench_load.py prepare --corpus ../shared/corpus/greve --out /tmp/greve.pickle
    .venv/bin/python benchmarks/bench_load.py time /tmp/public.pickle --background /tmp/greve.pickle --copies 100

loads the background documents first (with the code under test), copies every row of them `copies - 1` more
times under other keys (SQL, so 10,000 documents take seconds), checkpoints, and then times the documents.
"""
from __future__ import annotations

import argparse
import pickle
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # appended: PYTHONPATH (another checkout) comes first


def prepare(corpus: Path, out: Path) -> None:
    """Extract and parse every PDF of `corpus` (outside any clock) and pickle (path, size, ParsedDocument)."""
    from pipeline.ingest.service import process_file, sha256_of

    loaded = []
    for path in sorted(corpus.glob("*.pdf")):
        text, parsed, reason, detail = process_file(str(path), sha256_of(path))
        if parsed is None:
            print(f"skipped {path.name}: {reason} {detail}", file=sys.stderr)
            continue
        loaded.append((text, path.stat().st_size, parsed))
    out.write_bytes(pickle.dumps(loaded))
    print(f"{len(loaded)} documents -> {out}")


class CountingConnection:
    """A DuckDB connection whose `execute` calls are counted and timed by statement shape (values left out)."""

    def __init__(self, con):
        self._con = con
        self.calls: dict[str, list[float]] = defaultdict(list)

    def execute(self, sql: str, *args):
        start = time.perf_counter()
        try:
            return self._con.execute(sql, *args)
        finally:
            self.calls[_shape(sql)].append(time.perf_counter() - start)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _shape(sql: str) -> str:
    """The statement with its string literals and whitespace runs shortened, to group like statements."""
    return re.sub(r"\s+", " ", re.sub(r"'(?:[^']|'')*'", "'…'", sql)).strip()[:150]


def load_all(documents: list, con) -> list[float]:
    """Load every document in its own transaction (as `minutes ingest`); wall seconds of each load."""
    from pipeline.warehouse.load import load_document
    from pipeline.warehouse.versions import begin_batch

    begin_batch(con)
    con.execute("SET threads = 1")
    took = []
    for text, size, parsed in documents:
        start = time.perf_counter()
        load_document(con, parsed, text, size)
        took.append(time.perf_counter() - start)
    return took


# columns whose values are keys: a copied row gets them with a suffix, so copies are other documents and meetings
_KEY_COLUMNS = {"doc_id", "meeting_id", "item_id", "source_path", "superseded_by", "replaced_doc_id"}


def add_background(con, background: Path, copies: int) -> int:
    """Load the background documents, copy their rows to `copies` documents each in all, checkpoint."""
    load_all(pickle.loads(background.read_bytes()), con)
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                        "'main' AND table_type = 'BASE TABLE'").fetchall()]
    for table in tables:
        if table.startswith("search_") or table in ("members", "ingest_batches", "kle_topics"):
            continue
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                             "ORDER BY ordinal_position", [table]).fetchall()]
        if not _KEY_COLUMNS & set(columns):
            continue
        values = ", ".join(f"{c} || '~' || k::VARCHAR" if c in _KEY_COLUMNS else c for c in columns)
        con.execute(f"INSERT INTO {table} SELECT {values} FROM {table}, range(1, {copies}) r(k)")
    con.execute("CHECKPOINT")
    return con.execute("SELECT count(*) FROM documents").fetchone()[0]


def run(pickled: Path, profile: bool, background: Path | None = None, copies: int = 1) -> None:
    from pipeline.warehouse.db import connect

    documents = pickle.loads(pickled.read_bytes())
    with tempfile.TemporaryDirectory() as folder:
        con = connect(Path(folder) / "load.duckdb")
        if background:
            held = add_background(con, background, copies)
            print(f"loading into a warehouse of {held} documents")
        counting = CountingConnection(con) if profile else None
        cpu = time.process_time()
        took = load_all(documents, counting or con)
        cpu = time.process_time() - cpu
        con.close()
    count = len(documents)
    print(f"{count} documents: {1000 * sum(took) / count:.2f} ms/doc wall, {1000 * cpu / count:.2f} ms/doc CPU "
          f"(median {1000 * sorted(took)[count // 2]:.2f} ms)")
    if counting is not None:
        _print_profile(counting.calls, count)


def _print_profile(calls: dict[str, list[float]], documents: int) -> None:
    total = sum(len(v) for v in calls.values())
    print(f"{total / documents:.1f} statements/doc, {1000 * sum(map(sum, calls.values())) / documents:.2f} ms/doc "
          "inside execute")
    print(f"{'ms/doc':>7} {'calls':>6} {'ms/call':>7}  statement")
    for sql, times in sorted(calls.items(), key=lambda kv: -sum(kv[1])):
        print(f"{1000 * sum(times) / documents:7.2f} {len(times):6d} {1000 * sum(times) / len(times):7.2f}  {sql}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("prepare", help="extract and parse a corpus into a pickle")
    make.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus/public"))
    make.add_argument("--out", type=Path, required=True)
    for name in ("time", "profile"):
        command = sub.add_parser(name, help=f"load a prepared pickle ({name})")
        command.add_argument("pickle", type=Path)
        command.add_argument("--background", type=Path, help="a prepared pickle loaded first (see above)")
        command.add_argument("--copies", type=int, default=1, help="copies of the background in the warehouse")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.corpus, args.out)
    else:
        run(args.pickle, profile=args.command == "profile", background=args.background, copies=args.copies)


if __name__ == "__main__":
    main()
