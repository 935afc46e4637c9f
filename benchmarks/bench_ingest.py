"""Ingest throughput (pages/second) with 1 and 2 workers vs a bare pdfplumber extract_text() loop.

    .venv/bin/python benchmarks/bench_ingest.py                 # 240 PDFs (default), all measurements
    .venv/bin/python benchmarks/bench_ingest.py --files 40      # shorter
    .venv/bin/python benchmarks/bench_ingest.py --workers 1 2 4 --out bench.json

The input set is made by copying the corpus PDFs (shared/corpus/public and shared/corpus/greve) under new
names with a trivial byte change (`\\n%bench-N\\n` appended after %%EOF, which keeps %%EOF in the last 2 KB),
so every file has its own hash and is really ingested. Copies of one PDF are the same meeting, so the
warehouse keeps one document per meeting: the replace path of the loader is part of what is measured.

Each measurement runs in its own child process, so peak memory is per measurement: ru_maxrss of the
child itself and of its worker processes (the largest one), plus the peak of the summed RSS of the whole
process tree sampled every 0.1 s with psutil. The re-run is the same ingest again with nothing new
(every file hashed and skipped), reported as a ratio of the full ingest time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CORPUS = [Path("/work/shared/corpus/public"), Path("/work/shared/corpus/greve")]


def make_inputs(target: Path, count: int, corpus: list[Path], smallest: int | None = None) -> list[Path]:
    originals = sorted(p for folder in corpus if folder.is_dir() for p in folder.glob("*.pdf"))
    if smallest:
        originals = sorted(sorted(originals, key=lambda p: (p.stat().st_size, p.name))[:smallest])
    if not originals:
        raise SystemExit(f"no PDFs under {', '.join(map(str, corpus))}")
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(count):
        source = originals[k % len(originals)]
        path = target / f"bench-{k:04d}-{source.name}"
        if not path.exists():
            path.write_bytes(source.read_bytes() + f"\n%bench-{k}\n".encode())
        files.append(path)
    return files


class TreeMemory:
    """Peak of the summed RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self.process, *self.process.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def child(mode: str, files: list[Path], db: Path | None, workers: int) -> dict:
    """One measurement, in its own process; prints a JSON line."""
    result: dict = {"mode": mode, "workers": workers, "files": len(files)}
    with TreeMemory() as memory:
        if mode == "pdfplumber":
            import pdfplumber

            started = time.perf_counter()
            pages = chars = 0
            for path in files:
                with pdfplumber.open(path) as pdf:
                    for page in pdf.pages:
                        chars += len(page.extract_text() or "")
                        pages += 1
                        page.close()
            result.update(seconds=time.perf_counter() - started, pages=pages, chars=chars)
        elif mode == "skipcheck":
            from pipeline.ingest.service import sha256_of
            from pipeline.warehouse.db import connect

            con = connect(db)
            started = time.perf_counter()
            known = sum(1 for path in files
                        if con.execute("SELECT 1 FROM documents WHERE doc_id = ?", [sha256_of(path)]).fetchone())
            result.update(seconds=time.perf_counter() - started, pages=0, known=known)
            con.close()
        else:
            from pipeline.ingest.service import ingest_paths
            from pipeline.warehouse.db import connect

            con = connect(db)
            started = time.perf_counter()
            report = ingest_paths(files, con, workers=workers)
            result.update(seconds=time.perf_counter() - started, pages=report.pages, ingested=report.ingested,
                          skipped=report.skipped, failed=report.failed)
            con.close()
    kib = 1024  # ru_maxrss is in KiB on Linux
    result.update(maxrss_self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 2**20,
                  maxrss_children_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 2**20,
                  tree_peak_mb=memory.peak / 2**20)
    return result


def measure(mode: str, list_file: Path, db: Path | None, workers: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--list", str(list_file), "--workers", str(workers)]
    if db:
        command += ["--db", str(db)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", "--limit", dest="files", type=int, default=240, help="how many PDFs (default 240)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--workdir", type=Path, default=None, help="where the copies and warehouses go (default: temp)")
    parser.add_argument("--corpus", type=Path, nargs="+", default=CORPUS)
    parser.add_argument("--smallest", type=int, default=None,
                        help="copy only the K smallest corpus PDFs (a shorter run with as many files)")
    parser.add_argument("--no-plumber", action="store_true", help="skip the bare pdfplumber loop")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--list", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        files = [Path(line) for line in args.list.read_text().splitlines() if line]
        print(json.dumps(child(args.child, files, args.db, args.workers[0])))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    files = make_inputs(workdir / "pdfs", args.files, args.corpus, args.smallest)
    list_file = workdir / "files.txt"
    list_file.write_text("\n".join(map(str, files)) + "\n")
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    print(f"{len(files)} PDFs ({size_mb:.1f} MB) in {workdir}; {os.cpu_count()} CPUs", flush=True)

    results = []
    if not args.no_plumber:
        results.append(measure("pdfplumber", list_file, None, 1))
        r = results[-1]
        print(f"  pdfplumber loop: {r['seconds']:.1f}s, {r['pages']} pages, {r['pages'] / r['seconds']:.2f} pages/s",
              flush=True)
    rerun = None
    for workers in args.workers:
        db = workdir / f"bench-w{workers}.duckdb"
        for stale in workdir.glob(f"bench-w{workers}.duckdb*"):
            stale.unlink()
        results.append(measure("ingest", list_file, db, workers))
        r = results[-1]
        print(f"  ingest with {workers} workers: {r['seconds']:.1f}s, {r['pages']} pages, "
              f"{r['pages'] / r['seconds']:.2f} pages/s, peak tree {r['tree_peak_mb']:.0f} MB", flush=True)
        if workers == args.workers[-1]:
            rerun = measure("ingest", list_file, db, workers)
            rerun["mode"] = "re-run (nothing new)"
            results.append(rerun)
            check = measure("skipcheck", list_file, db, workers)
            check["mode"] = "skip check"
            results.append(check)

    pages = next((r["pages"] for r in results if r["mode"] == "ingest"), None)
    print(f"\n{'measurement':28s} {'seconds':>8s} {'pages':>6s} {'pages/s':>8s} {'vs plumber':>10s} "
          f"{'peak tree MB':>12s} {'maxrss self/child MB':>21s}")
    plumber = next((r for r in results if r["mode"] == "pdfplumber"), None)
    for r in results:
        label = "pdfplumber extract_text loop" if r["mode"] == "pdfplumber" else \
            f"ingest, {r['workers']} worker{'s' if r['workers'] > 1 else ''}" if r["mode"] == "ingest" else \
            f"re-run, {r['workers']} workers" if r["mode"].startswith("re-run") else "hash+lookup of every file"
        rate = r["pages"] / r["seconds"] if r["pages"] and r["seconds"] else 0.0
        versus = f"{rate / (plumber['pages'] / plumber['seconds']):.2f}x" if plumber and rate else ""
        print(f"{label:28s} {r['seconds']:8.1f} {r['pages']:6d} {rate:8.1f} {versus:>10s} {r['tree_peak_mb']:12.0f} "
              f"{r['maxrss_self_mb']:10.0f}/{r['maxrss_children_mb']:<10.0f}")
    if rerun:
        full = next(r for r in results if r["mode"] == "ingest" and r["workers"] == rerun["workers"])
        check = next(r for r in results if r["mode"] == "skip check")
        print(f"\nre-run of ingest_paths over the same files: {rerun['seconds']:.2f}s = "
              f"{rerun['seconds'] / full['seconds']:.3f} of the full ingest ({rerun.get('skipped')} skipped, "
              f"{rerun.get('ingested')} taken again: copies of one meeting replace each other in `documents`)")
        print(f"hash + lookup of every file (the cost of a re-run when nothing was superseded): {check['seconds']:.2f}s "
              f"= {check['seconds'] / full['seconds']:.4f} of the full ingest")
    ingests = [r for r in results if r["mode"] == "ingest"]
    if ingests:
        print(f"ingested {ingests[0].get('ingested')} of {len(files)} files ({ingests[0].get('failed')} failed), "
              f"{pages} pages")
    if args.out:
        args.out.write_text(json.dumps({"files": len(files), "mb": size_mb, "cpus": os.cpu_count(),
                                        "results": results}, indent=2))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
