"""Cost of reading every document in a worker process with limits (issue 10b), side by side in one run:

  in-process   the old workers=1 path: extract+parse in the ingesting process, no limits
  pool         ingest_paths(workers=1): one forked worker, RLIMIT_AS + wall-clock limit per document
  pool-nolimit ingest_paths(workers=1) with the limits switched off (the cost of the pool alone)

The spaCy model is loaded once before timing (forked workers inherit it). Each variant loads into its own fresh
warehouse; the search index is not built. Usage: .venv/bin/python benchmarks/bench_limits.py [--dir DIR] [--rounds N]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.ingest.preload import preload_worker_state
from pipeline.ingest.service import Limits, ingest_paths, process_file, scan_inputs, sha256_of
from pipeline.warehouse.db import connect
from pipeline.warehouse.load import load_document

ROOT = Path(__file__).resolve().parents[1]


def in_process(files: list[Path], db: Path) -> int:
    con = connect(db)
    pages = 0
    for path in files:
        _, parsed, reason, _ = process_file(str(path), sha256_of(path))
        if parsed is not None:
            load_document(con, parsed, str(path), path.stat().st_size)
            pages += len(parsed.extracted.pages)
    con.close()
    return pages


def pooled(files: list[Path], db: Path, limits: Limits) -> int:
    con = connect(db)
    report = ingest_paths(files, con, workers=1, limits=limits)
    con.close()
    return report.pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=ROOT / "tests" / "fixtures" / "core")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files, _ = scan_inputs([args.dir])
    preload_worker_state()
    variants = {"in-process": lambda f, d: in_process(f, d),
                "pool": lambda f, d: pooled(f, d, Limits()),
                "pool-nolimit": lambda f, d: pooled(f, d, Limits(timeout_seconds=0, memory_mb=0))}
    times: dict[str, list[float]] = {name: [] for name in variants}
    pages = {}
    for _ in range(args.rounds):
        for name, run in variants.items():  # interleaved, so machine load hits every variant alike
            folder = Path(tempfile.mkdtemp())
            try:
                started = time.perf_counter()
                pages[name] = run(files, folder / "w.duckdb")
                times[name].append(time.perf_counter() - started)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    base = statistics.median(times["in-process"])
    print(f"{len(files)} files from {args.dir}, {args.rounds} rounds (median seconds)")
    print(f"{'variant':14s} {'seconds':>8s} {'pages':>6s} {'pages/s':>8s} {'vs in-process':>14s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:14s} {median:8.2f} {pages[name]:6d} {pages[name] / median:8.1f} {median / base:13.2f}x")


if __name__ == "__main__":
    main()
