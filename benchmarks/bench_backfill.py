"""Ray backfill vs `minutes ingest --workers N` on the same files, in one run (pages/s and the ratio).

    python benchmarks/bench_backfill.py [--corpus ../shared/corpus/greve] [--cpus 2] [--repeat 2] [--copies 3]

Both are run as the CLI a user runs (fresh warehouse each time, search index included). The order alternates
between repeats so a load change on the machine does not favour one side; the best run of each is compared.
`--copies N` ingests N byte-distinct copies of every PDF (so each is really loaded), which spreads the fixed
costs -- starting the Ray runtime and its workers, loading the parser in each worker -- over more pages, as
in a real backfill; the start-up of a local Ray runtime is measured on its own too.
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


def make_copies(corpus: Path, copies: int, target: Path) -> Path:
    """`copies` byte-distinct copies of every corpus PDF in `target` (a comment appended after %%EOF)."""
    target.mkdir()
    for pdf in sorted(corpus.glob("*.pdf")):
        data = pdf.read_bytes()
        for k in range(copies):
            (target / f"copy{k}-{pdf.name}").write_bytes(data + f"\n%backfill-bench-{k}\n".encode())
    return target


def ray_start_seconds(cpus: int) -> float:
    """Wall time of starting and stopping a local Ray runtime, as `minutes backfill` does without an address."""
    code = ("import time, ray; t = time.perf_counter(); "
            f"ray.init(num_cpus={cpus}, include_dashboard=False, log_to_driver=False, configure_logging=False); "
            "ray.shutdown(); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "greve")
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--copies", type=int, default=1, help="byte-distinct copies of every PDF (default 1)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "pipeline.cli"]
    runs: dict[str, list[float]] = {"ingest": [], "backfill": []}
    with tempfile.TemporaryDirectory(prefix="bench_backfill-") as tmp:
        if args.copies > 1:
            args.corpus = make_copies(args.corpus, args.copies, Path(tmp) / "pdfs")
        pages = pages_in(args.corpus)
        files = len(list(args.corpus.glob("*.pdf")))
        startup = ray_start_seconds(args.cpus)
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
    print(f"\nstarting and stopping a local Ray runtime alone: {startup:.1f} s (in the backfill's time above)")


if __name__ == "__main__":
    main()
