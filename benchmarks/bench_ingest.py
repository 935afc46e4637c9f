"""Ingest throughput side by side, in one run on the same files: bare PDF library loops, each extraction
engine alone, the stages one by one, and `minutes ingest` end to end with 1 and 2 workers.

    .venv/bin/python benchmarks/bench_ingest.py --corpus ../shared/corpus/greve --files 100   # Greve 2022
    .venv/bin/python benchmarks/bench_ingest.py --files 200 --smallest 20                     # 200 small files
    .venv/bin/python benchmarks/bench_ingest.py --files 40 --slow-files 10 --out bench.json   # quicker

Rows (pages/s and the ratio to the bare pdfplumber loop measured in the same run):
* `pdfplumber extract_text loop`: `page.extract_text()` on every page, nothing else (the baseline);
* `pypdfium2 text loop`: `textpage.get_text_range()` on every page, nothing else (the library's floor);
* `engine <name>`: `extract_document` with that engine (validation, engine, layout clean-up), one process;
  `pdfium-python` is the pdfium engine with every page on the per-character Python path and the glyphs read
  through ctypes (how the engine worked before the C/numpy path), `pdfium` the default engine;
* `stages`: per file in one process: extract (pdfium), parse (spaCy pipeline loaded before the clock),
  load into a fresh warehouse -- ms/page for each stage;
* `ingest, N workers`: `ingest_paths` + the search-index refresh, as `minutes ingest` runs them; the main
  process's time inside `load_document` is measured to show whether loading keeps up with the workers;
* `re-run`: the same ingest again (nothing new), as a share of the full ingest.

The input set is made by copying the corpus PDFs under new names with a trivial byte change (`\\n%bench-N\\n`
after %%EOF), so every file has its own hash and is really ingested. Each measurement runs in its own child
process; peak memory is that of the child's process tree, sampled every 0.1 s (summed RSS, which counts pages
shared by forked workers once per process) and every 0.5 s (summed PSS, shared pages split between processes:
the memory the tree really uses). `--slow-every N` runs the slow rows (pdfplumber loop and engine,
pdfium-python) on every N-th file only, to keep a run short on a shared machine; their pages/s are then over
those files. CPU time (user + system, the process and its workers) is reported too: on a machine shared
with other jobs wall-clock rates move with the load, CPU ms/page much less; the CPU-based ratio for N
workers assumes N free cores (pages/s = N / CPU seconds per page).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = [Path("/work/shared/corpus/public"), Path("/work/shared/corpus/greve")]
SLOW_MODES = {"pdfplumber", "engine:pdfplumber", "engine:pdfium-python"}


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
    """Peak of the summed RSS (every 0.1 s) and summed PSS (every 0.5 s) of this process and its descendants."""

    def __init__(self, interval: float = 0.1, pss_every: int = 5):
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.pss_every = pss_every
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        tick = 0
        while not self._stop.is_set():
            rss = pss = 0
            want_pss = tick % self.pss_every == 0
            for proc in [self.process, *self.process.children(recursive=True)]:
                try:
                    if want_pss:
                        info = proc.memory_full_info()
                        rss += info.rss
                        pss += info.pss
                    else:
                        rss += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, rss)
            self.peak_pss = max(self.peak_pss, pss)
            tick += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def bare_pdfplumber(files: list[Path]) -> dict:
    import pdfplumber

    started = time.perf_counter()
    pages = chars = 0
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                chars += len(page.extract_text() or "")
                pages += 1
                page.close()
    return {"pages": pages, "chars": chars, "seconds_override": time.perf_counter() - started}


def bare_pypdfium2(files: list[Path]) -> dict:
    import pypdfium2 as pdfium

    started = time.perf_counter()
    pages = chars = 0
    for path in files:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                chars += len(textpage.get_text_range())
                textpage.close()
                page.close()
                pages += 1
        finally:
            pdf.close()
    return {"pages": pages, "chars": chars, "seconds_override": time.perf_counter() - started}


def engine_alone(engine: str, files: list[Path]) -> dict:
    from pipeline.extract import ExtractionError, extract_document

    if engine == "pdfium-python":
        from pipeline.extract import glyphs
        from pipeline.extract.layout import clean
        from pipeline.extract.pdfium_engine import PdfiumExtractor
        from pipeline.extract.validate import check_pdf_bytes

        glyphs._glyphs = None  # read every glyph through ctypes

        def extract(path, sha, _engine):
            check_pdf_bytes(path)
            return clean(PdfiumExtractor(vectorised=False).extract(path, sha))
    else:
        extract = extract_document
    started = time.perf_counter()
    pages = lines = failed = 0
    for path in files:
        try:
            doc = extract(path, "x", engine)
        except ExtractionError:
            failed += 1
            continue
        pages += len(doc.pages)
        lines += len(doc.lines)
    return {"pages": pages, "lines": lines, "failed": failed, "seconds_override": time.perf_counter() - started}


def stages(files: list[Path], db: Path) -> dict:
    """Extract, parse and load each file in turn in this process; seconds per stage."""
    from pipeline.extract import ExtractionError, extract_document
    from pipeline.ingest.service import sha256_of
    from pipeline.model import ParsedDocument
    from pipeline.parse.nlp import load_pipeline
    from pipeline.parse.parser import parse_document
    from pipeline.warehouse.db import connect
    from pipeline.warehouse.load import load_document

    started = time.perf_counter()
    nlp = load_pipeline()
    nlp_seconds = time.perf_counter() - started
    con = connect(db)
    took = {"extract": 0.0, "parse": 0.0, "load": 0.0}
    cpu = {"extract": 0.0, "parse": 0.0, "load": 0.0}
    pages = 0
    for path in files:
        sha = sha256_of(path)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            doc = extract_document(path, sha)
        except ExtractionError:
            continue
        t1, c1 = time.perf_counter(), time.process_time()
        meeting = parse_document(doc, nlp)
        t2, c2 = time.perf_counter(), time.process_time()
        load_document(con, ParsedDocument(doc, meeting), str(path), path.stat().st_size)
        t3, c3 = time.perf_counter(), time.process_time()
        took["extract"] += t1 - t0
        took["parse"] += t2 - t1
        took["load"] += t3 - t2
        cpu["extract"] += c1 - c0
        cpu["parse"] += c2 - c1
        cpu["load"] += c3 - c2
        pages += len(doc.pages)
    con.close()
    return {"pages": pages, "stage_seconds": took, "stage_cpu_seconds": cpu, "nlp_load_seconds": nlp_seconds,
            "seconds_override": sum(took.values())}


def ingest(files: list[Path], db: Path, workers: int) -> dict:
    """ingest_paths + search index refresh, as `minutes ingest` runs them, timing load_document in this process."""
    import pipeline.warehouse.load as load_module
    from pipeline.cli import refresh_search_index
    from pipeline.ingest.service import ingest_paths
    from pipeline.warehouse.db import connect

    original = load_module.load_document
    loading = {"seconds": 0.0, "cpu": 0.0}

    def timed_load(*args, **kwargs):
        start, cpu_start = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            loading["seconds"] += time.perf_counter() - start
            loading["cpu"] += time.process_time() - cpu_start

    load_module.load_document = timed_load  # ingest_paths imports it at call time
    con = connect(db)
    started = time.perf_counter()
    main_cpu, workers_cpu = _own_and_children_cpu()
    report = ingest_paths(files, con, workers=workers)
    ingested_at = time.perf_counter()
    main_after, workers_after = _own_and_children_cpu()
    if report.ingested:
        refresh_search_index(con, [o.doc_id for o in report.outcomes if o.status == "ingested"])  # as `minutes ingest`
    done = time.perf_counter()
    index_cpu = _own_and_children_cpu()[0] - main_after
    con.close()
    load_module.load_document = original
    return {"pages": report.pages, "ingested": report.ingested, "skipped": report.skipped,
            "failed": report.failed, "ingest_seconds": ingested_at - started, "index_seconds": done - ingested_at,
            "main_load_seconds": loading["seconds"], "main_load_cpu": loading["cpu"],
            "main_cpu": main_after - main_cpu, "workers_cpu": workers_after - workers_cpu, "index_cpu": index_cpu,
            "seconds_override": done - started}


def skipcheck(files: list[Path], db: Path) -> dict:
    from pipeline.ingest.service import sha256_of
    from pipeline.warehouse.db import connect

    con = connect(db)
    started = time.perf_counter()
    known = sum(1 for path in files
                if con.execute("SELECT 1 FROM documents WHERE doc_id = ?", [sha256_of(path)]).fetchone())
    con.close()
    return {"pages": 0, "known": known, "seconds_override": time.perf_counter() - started}


def _own_and_children_cpu() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (pool workers are joined at the end)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(mode: str, files: list[Path], db: Path | None, workers: int) -> dict:
    """One measurement, in its own process; returns a JSON-able dict."""
    result: dict = {"mode": mode, "workers": workers, "files": len(files)}
    cpu_before = _cpu_seconds()
    with TreeMemory() as memory:
        started = time.perf_counter()
        if mode == "pdfplumber":
            result.update(bare_pdfplumber(files))
        elif mode == "pypdfium2":
            result.update(bare_pypdfium2(files))
        elif mode.startswith("engine:"):
            result.update(engine_alone(mode.split(":", 1)[1], files))
        elif mode == "stages":
            result.update(stages(files, db))
        elif mode == "skipcheck":
            result.update(skipcheck(files, db))
        else:
            result.update(ingest(files, db, workers))
        result["seconds"] = result.pop("seconds_override", time.perf_counter() - started)
    result["cpu_seconds"] = _cpu_seconds() - cpu_before
    kib = 1024  # ru_maxrss is in KiB on Linux
    result.update(maxrss_self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 2**20,
                  maxrss_children_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib / 2**20,
                  tree_peak_mb=memory.peak / 2**20, tree_peak_pss_mb=memory.peak_pss / 2**20)
    return result


def measure(mode: str, list_file: Path, db: Path | None, workers: int, label: str) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--list", str(list_file), "--workers", str(workers)]
    if db:
        command += ["--db", str(db)]
    load_before = os.getloadavg()[0]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(label=label, load_before=load_before, load_after=os.getloadavg()[0])
    rate = result["pages"] / result["seconds"] if result["pages"] and result["seconds"] else 0.0
    print(f"  {label}: {result['seconds']:.1f}s, {result['pages']} pages, {rate:.1f} pages/s, "
          f"peak tree RSS {result['tree_peak_mb']:.0f} MB / PSS {result['tree_peak_pss_mb']:.0f} MB, "
          f"load {load_before:.1f}->{result['load_after']:.1f}", flush=True)
    return result


def print_table(results: list[dict]) -> None:
    plumber = next((r for r in results if r["mode"] == "pdfplumber"), None)
    base = plumber["pages"] / plumber["seconds"] if plumber else None
    base_cpu = plumber["cpu_seconds"] / plumber["pages"] if plumber else None
    print(f"\n{'measurement':34s} {'files':>5s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s} {'vs plumber':>10s} "
          f"{'CPU ms/page':>11s} {'vs plumber, CPU':>15s} {'peak RSS MB':>11s} {'peak PSS MB':>11s} {'load avg':>9s}")
    for r in results:
        rate = r["pages"] / r["seconds"] if r["pages"] and r["seconds"] else 0.0
        versus = f"{rate / base:.2f}x" if base and rate else ""
        cpu = r["cpu_seconds"] / r["pages"] if r["pages"] else 0.0
        cores = r["workers"] if r["mode"] == "ingest" else 1
        versus_cpu = f"{base_cpu / (cpu / cores):.2f}x" if base_cpu and cpu else ""
        print(f"{r['label']:34s} {r['files']:5d} {r['pages']:6d} {r['seconds']:8.1f} {rate:8.1f} {versus:>10s} "
              f"{1000 * cpu:11.1f} {versus_cpu:>15s} {r['tree_peak_mb']:11.0f} {r['tree_peak_pss_mb']:11.0f} "
              f"{r['load_before']:4.1f}-{r['load_after']:<4.1f}")


def print_breakdown(results: list[dict]) -> None:
    stage = next((r for r in results if r["mode"] == "stages"), None)
    if stage and stage["pages"]:
        ms = {k: 1000 * v / stage["pages"] for k, v in stage["stage_seconds"].items()}
        total = sum(ms.values())
        cpu = {k: 1000 * v / stage["pages"] for k, v in stage["stage_cpu_seconds"].items()}
        print(f"\nper page, one process (stages), wall: extract {ms['extract']:.1f} ms, parse {ms['parse']:.1f} ms, "
              f"load {ms['load']:.1f} ms = {total:.1f} ms/page; CPU: extract {cpu['extract']:.1f} ms, parse "
              f"{cpu['parse']:.1f} ms, load {cpu['load']:.1f} ms = {sum(cpu.values()):.1f} ms/page; "
              f"spaCy pipeline load {stage['nlp_load_seconds']:.1f} s wall (once per process)")
    for r in results:
        if r["mode"] == "ingest" and r["pages"]:
            per = lambda seconds: 1000 * seconds / r["pages"]  # noqa: E731
            print(f"ingest, {r['workers']} worker(s): ingest_paths {r['ingest_seconds']:.1f}s wall, of it the main process "
                  f"in load_document {r['main_load_seconds']:.1f}s ({r['main_load_seconds'] / r['ingest_seconds']:.0%}); "
                  f"CPU ms/page: main process {per(r['main_cpu']):.1f} (load_document {per(r['main_load_cpu']):.1f}), "
                  f"workers {per(r['workers_cpu']):.1f}; search index refresh {r['index_seconds']:.1f}s wall, "
                  f"{per(r['index_cpu']):.1f} CPU ms/page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", "--limit", dest="files", type=int, default=240, help="how many PDFs (default 240)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--workdir", type=Path, default=None, help="where the copies and warehouses go (default: temp)")
    parser.add_argument("--corpus", type=Path, nargs="+", default=CORPUS)
    parser.add_argument("--smallest", type=int, default=None,
                        help="copy only the K smallest corpus PDFs (a shorter run with as many files)")
    parser.add_argument("--slow-every", type=int, default=1,
                        help="run the slow rows (pdfplumber loop and engine, pdfium-python) on every N-th file only")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="rows to leave out: pdfplumber pypdfium2 engine:pdfplumber engine:pdfium-python "
                             "engine:pdfium stages")
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
    slow_list = workdir / "slow-files.txt"
    slow_list.write_text("\n".join(map(str, files[:: max(1, args.slow_every)])) + "\n")
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    print(f"{len(files)} PDFs ({size_mb:.1f} MB) in {workdir}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    results = []
    rows = [("pdfplumber", "pdfplumber extract_text loop"), ("pypdfium2", "pypdfium2 text loop"),
            ("engine:pdfplumber", "engine pdfplumber (reference)"),
            ("engine:pdfium-python", "engine pdfium, per-glyph Python"),
            ("engine:pdfium", "engine pdfium (C + numpy)"), ("stages", "stages extract+parse+load, 1 proc")]
    for mode, label in rows:
        if mode in args.skip:
            continue
        db = None
        if mode == "stages":
            db = workdir / "bench-stages.duckdb"
            for stale in workdir.glob("bench-stages.duckdb*"):
                stale.unlink()
        results.append(measure(mode, slow_list if mode in SLOW_MODES else list_file, db, 1, label))
    rerun = None
    for workers in args.workers:
        db = workdir / f"bench-w{workers}.duckdb"
        for stale in workdir.glob(f"bench-w{workers}.duckdb*"):
            stale.unlink()
        results.append(measure("ingest", list_file, db, workers,
                               f"minutes ingest, {workers} worker{'s' if workers > 1 else ''}"))
        if workers == args.workers[-1]:
            rerun = measure("ingest", list_file, db, workers, f"re-run (nothing new), {workers} workers")
            rerun["mode"] = "rerun"
            results.append(rerun)
            check = measure("skipcheck", list_file, db, workers, "hash+lookup of every file")
            check["mode"] = "skipcheck"
            results.append(check)

    print_table(results)
    print_breakdown(results)
    if rerun:
        full = next(r for r in results if r["mode"] == "ingest" and r["workers"] == rerun["workers"])
        print(f"re-run over the same files: {rerun['seconds']:.2f}s = {rerun['seconds'] / full['seconds']:.3f} of the "
              f"full ingest ({rerun.get('skipped')} skipped, {rerun.get('ingested')} taken again)")
    ingests = [r for r in results if r["mode"] == "ingest"]
    if ingests:
        print(f"ingested {ingests[0].get('ingested')} of {len(files)} files ({ingests[0].get('failed')} failed)")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (2 cores shared with other jobs)")
    if args.out:
        args.out.write_text(json.dumps({"files": len(files), "mb": size_mb, "cpus": os.cpu_count(),
                                        "results": results}, indent=2))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
