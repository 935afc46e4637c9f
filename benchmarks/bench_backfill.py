"""Ray backfill vs `minutes ingest --workers N` on the same files, in one run (pages/s and the ratio).

    python benchmarks/bench_backfill.py [--corpus ../shared/corpus/greve] [--cpus 2] [--repeat 2]

Both are run as the CLI a user runs (fresh warehouse each time, search index included). The order alternates
between repeats so a load change on the machine does not favour one side; the best run of each is compared.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pages_in(folder: Path) -> int:
    import pypdfium2

    total = 0
    for pdf in sorted(folder.glob("*.pdf")):
        doc = pypdfium2.PdfDocument(str(pdf))
        total += len(doc)
        doc.close()
    return total


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "greve")
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    pages = pages_in(args.corpus)
    files = len(list(args.corpus.glob("*.pdf")))
    cli = [sys.executable, "-m", "pipeline.cli"]
    runs: dict[str, list[float]] = {"ingest": [], "backfill": []}
    with tempfile.TemporaryDirectory(prefix="bench_backfill-") as tmp:
        for round_ in range(args.repeat):
            order = ["ingest", "backfill"] if round_ % 2 == 0 else ["backfill", "ingest"]
            for name in order:
                db = Path(tmp) / f"{name}-{round_}.duckdb"
                command = (cli + ["ingest", str(args.corpus), "--workers", str(args.cpus), "--no-progress", "--db", str(db)]
                           if name == "ingest" else
                           cli + ["backfill", str(args.corpus), "--num-cpus", str(args.cpus), "--db", str(db)])
                runs[name].append(timed(command))
    load = os.getloadavg()[0]
    print(f"{files} PDFs, {pages} pages, {args.cpus} CPUs, load average {load:.1f}, best of {args.repeat}\n")
    print("| path | seconds | pages/s | ratio to ingest |\n|---|---:|---:|---:|")
    best = {name: min(times) for name, times in runs.items()}
    for name in ("ingest", "backfill"):
        print(f"| `minutes {name}` | {best[name]:.1f} | {pages / best[name]:.1f} | {best['ingest'] / best[name]:.2f} |")


if __name__ == "__main__":
    main()
