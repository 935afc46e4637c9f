"""OCR accuracy and cost: image-only renderings of gold-annotated documents, ingested, exported, scored.

    .venv/bin/python benchmarks/bench_ocr.py                        # 10 public + 5 Greve documents, 200 dpi
    .venv/bin/python benchmarks/bench_ocr.py --dpi 150 200 300 --public 4 --greve 2   # resolution choice
    .venv/bin/python benchmarks/bench_ocr.py --workers 2 --out results.json

For every chosen document (every k-th gold-annotated PDF of shared/corpus/public and shared/corpus/greve,
so all layouts are represented) the benchmark writes a scan-like copy into a temporary folder
(`pipeline.extract.ocr.write_image_only_pdf`: grey JPEG pages, no text layer, same file name), then runs
the product's own commands on both the originals and the scans:
`minutes ingest DIR --db X --workers N` and `minutes export --db X --format json --out PRED`, and
scores each prediction folder with shared/eval/score.py, overall and per document.

Cost: wall time of the ingest of the scans with N worker processes (Tesseract single-threaded via
OMP_THREAD_LIMIT=1 in each), reported as OCR pages per second, next to the text-layer ingest of the
same documents in the same run.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLIC = Path("/work/shared/corpus/public")
GREVE = Path("/work/shared/corpus/greve")
SCORE_PY = Path("/work/shared/eval/score.py")
MINUTES = ROOT / ".venv" / "bin" / "minutes"


def load_score():
    spec = importlib.util.spec_from_file_location("gold_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def every_kth(folder: Path, count: int) -> list[Path]:
    pdfs = sorted(p for p in folder.glob("*.pdf") if p.with_suffix(".json").exists())
    if count <= 0 or not pdfs:
        return []
    step = max(1, len(pdfs) // count)
    return pdfs[::step][:count]


def ingest_export(pdf_dir: Path, work: Path, name: str, workers: int) -> tuple[float, Path]:
    """Run the CLI: ingest `pdf_dir` into a fresh warehouse, export JSON. Returns (ingest seconds, pred dir)."""
    db = work / f"{name}.duckdb"
    pred = work / f"pred-{name}"
    start = time.perf_counter()
    subprocess.run([str(MINUTES), "ingest", str(pdf_dir), "--db", str(db), "--workers", str(workers)],
                   check=True, capture_output=True)
    seconds = time.perf_counter() - start
    subprocess.run([str(MINUTES), "export", "--db", str(db), "--format", "json", "--out", str(pred)],
                   check=True, capture_output=True)
    return seconds, pred


def per_document(score, pdfs: list[Path], gold_all: Path, pred: Path, work: Path) -> dict[str, float]:
    out = {}
    for pdf in pdfs:
        gold = work / "gold-one" / pdf.stem
        gold.mkdir(parents=True, exist_ok=True)
        shutil.copy(gold_all / f"{pdf.stem}.json", gold)
        out[pdf.name] = score(str(gold), str(pred))[0]["overall"]
    return out


def ocr_stats(db: Path) -> tuple[int, float | None]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        pages, mean = con.execute("SELECT sum(len(ocr_pages)), avg(ocr_mean_confidence) FROM documents").fetchone()
    finally:
        con.close()
    return int(pages or 0), mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public", type=int, default=10, help="public-corpus documents (default 10)")
    parser.add_argument("--greve", type=int, default=5, help="Greve documents (default 5)")
    parser.add_argument("--scan-dpi", type=int, default=200, help="resolution of the scan-like copies (default 200)")
    parser.add_argument("--ocr-dpi", type=int, nargs="+", default=[200],
                        help="resolutions OCR renders the scans at, compared side by side (default 200)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the numbers as JSON")
    args = parser.parse_args()

    from pipeline.extract import ocr

    score = load_score()
    pdfs = every_kth(PUBLIC, args.public) + every_kth(GREVE, args.greve)
    results: dict = {"documents": [p.name for p in pdfs], "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        work = Path(tmp)
        originals, gold = work / "text", work / "gold"
        originals.mkdir()
        gold.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, originals)
            shutil.copy(pdf.with_suffix(".json"), gold)
        seconds, pred = ingest_export(originals, work, "text", args.workers)
        scans = work / "scans"
        scans.mkdir()
        pages = sum(ocr.write_image_only_pdf(pdf, scans / pdf.name, args.scan_dpi) for pdf in pdfs)
        results["runs"]["text"] = {"seconds": round(seconds, 2), "pages": pages,
                                   "overall": score(str(gold), str(pred))[0]["overall"],
                                   "per_doc": per_document(score, pdfs, gold, pred, work)}
        for dpi in args.ocr_dpi:
            os.environ["MINUTES_OCR_DPI"] = str(dpi)  # OCR renders the scans at the resolution under test
            seconds, pred = ingest_export(scans, work, f"ocr-{dpi}", args.workers)
            ocr_pages, confidence = ocr_stats(work / f"ocr-{dpi}.duckdb")
            results["runs"][f"ocr-{dpi}"] = {
                "seconds": round(seconds, 2), "pages": pages, "ocr_pages": ocr_pages,
                "pages_per_s": round(ocr_pages / seconds, 3), "mean_confidence": confidence,
                "overall": score(str(gold), str(pred))[0]["overall"],
                "per_doc": per_document(score, pdfs, gold, pred, work)}
        os.environ.pop("MINUTES_OCR_DPI", None)

    runs = results["runs"]
    print(f"{len(pdfs)} documents, scans at {args.scan_dpi} dpi, {args.workers} workers (machine shared: compare ratios within this run)\n")
    header = f"{'document':52s}" + "".join(f"{name:>11s}" for name in runs)
    print(header)
    print("-" * len(header))
    for pdf in pdfs:
        print(f"{pdf.name:52s}" + "".join(f"{run['per_doc'][pdf.name]:11.3f}" for run in runs.values()))
    print("-" * len(header))
    print(f"{'overall (score.py, all documents)':52s}" + "".join(f"{run['overall']:11.3f}" for run in runs.values()))
    print(f"{'ingest wall time, s':52s}" + "".join(f"{run['seconds']:11.1f}" for run in runs.values()))
    print(f"{'pages':52s}" + "".join(f"{run['pages']:11d}" for run in runs.values()))
    print(f"{'pages per second':52s}" + "".join(f"{run['pages'] / run['seconds']:11.2f}" for run in runs.values()))
    print(f"{'mean OCR word confidence':52s}" + "".join(
        f"{run['mean_confidence']:11.1f}" if run.get("mean_confidence") is not None else f"{'-':>11s}"
        for run in runs.values()))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
