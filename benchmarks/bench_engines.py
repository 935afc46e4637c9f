"""Extraction engines side by side: speed (pages/second) and accuracy (gold score) on the same PDFs.

    .venv/bin/python benchmarks/bench_engines.py                      # shared/corpus/public, both engines
    .venv/bin/python benchmarks/bench_engines.py --greve 10           # + the first 10 Greve PDFs
    .venv/bin/python benchmarks/bench_engines.py --engines pdfium --per-doc
    .venv/bin/python benchmarks/bench_engines.py --out results.json

For every engine and PDF: `extract_document(path, sha256, engine)` (validation, engine, layout
clean-up) is timed -- extraction only, with the parser outside the clock -- then the cleaned
document goes through `pipeline.parse.parser.parse_document` and is written in the gold JSON shape
to a temporary prediction folder. The gold files of the chosen PDFs are copied into a temporary
gold folder and both are scored with shared/eval/score.py's `score(gold_dir, pred_dir)`.
Runs in one process, one file at a time (the machine is shared); `--repeat N` times extraction N
times and keeps each file's fastest run.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLIC = Path("/work/shared/corpus/public")
GREVE = Path("/work/shared/corpus/greve")
SCORE_PY = Path("/work/shared/eval/score.py")
SKIP_FIELDS = {"item_precision", "item_recall", "n_documents", "n_gold_items", "n_pred_items",
               "n_documents_found", "overall"}


def load_score():
    spec = importlib.util.spec_from_file_location("gold_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def choose_pdfs(greve: int) -> list[Path]:
    pdfs = sorted(p for p in PUBLIC.glob("*.pdf") if p.with_suffix(".json").exists())
    if greve:
        pdfs += sorted(p for p in GREVE.glob("*.pdf") if p.with_suffix(".json").exists())[:greve]
    return pdfs


def run_engine(engine: str, pdfs: list[Path], gold_dir: Path, work: Path, nlp, repeat: int) -> dict:
    from pipeline.extract import ExtractionError, extract_document
    from pipeline.parse.parser import parse_document

    pred_dir = work / f"pred-{engine}"
    pred_dir.mkdir()
    pages = 0
    seconds = 0.0
    errors: dict[str, str] = {}
    for pdf in pdfs:
        sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
        best = None
        doc = None
        try:
            for _ in range(repeat):
                start = time.perf_counter()
                doc = extract_document(pdf, sha, engine)
                took = time.perf_counter() - start
                best = took if best is None else min(best, took)
        except ExtractionError as exc:
            errors[pdf.name] = exc.reason
            continue
        seconds += best
        pages += len(doc.pages)
        meeting = parse_document(doc, nlp)
        (pred_dir / f"{pdf.stem}.json").write_text(json.dumps(meeting.as_gold(), ensure_ascii=False,
                                                              indent=1), encoding="utf-8")
    score = load_score()
    result, per_doc = score(str(gold_dir), str(pred_dir))
    below = {k: round(v, 3) for k, v in result.items()
             if k not in SKIP_FIELDS and isinstance(v, float) and v < 1.0 - 1e-9}
    return {"engine": engine, "documents": len(pdfs), "pages": pages, "seconds": seconds,
            "pages_per_second": pages / seconds if seconds else 0.0, "overall": result["overall"],
            "below": below, "errors": errors,
            "per_doc": {d["file"]: d.get("item_field_acc") for d in per_doc}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["pdfplumber", "pdfium"])
    parser.add_argument("--greve", type=int, default=0, help="also use the first N Greve PDFs (default 0)")
    parser.add_argument("--repeat", type=int, default=1, help="time extraction N times, keep the fastest")
    parser.add_argument("--per-doc", action="store_true", help="list documents whose item accuracy differs")
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args(argv)

    from pipeline.parse.nlp import load_pipeline

    pdfs = choose_pdfs(args.greve)
    if not pdfs:
        raise SystemExit(f"no PDFs with gold JSON under {PUBLIC}")
    nlp = load_pipeline()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        work = Path(tmp)
        gold_dir = work / "gold"
        gold_dir.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf.with_suffix(".json"), gold_dir / pdf.with_suffix(".json").name)
        for engine in args.engines:
            results.append(run_engine(engine, pdfs, gold_dir, work, nlp, args.repeat))

    print(f"{len(pdfs)} PDFs ({sum(1 for p in pdfs if p.parent == PUBLIC)} public, "
          f"{sum(1 for p in pdfs if p.parent == GREVE)} greve); extraction timed, best of {args.repeat}\n")
    header = f"{'engine':<11} | {'pages':>5} | {'extraction s':>12} | {'pages/s':>7} | {'overall':>7} | fields below 1.0"
    print(header)
    print("-" * len(header))
    for r in results:
        below = ", ".join(f"{k}={v:.3f}" for k, v in sorted(r["below"].items())) or "-"
        print(f"{r['engine']:<11} | {r['pages']:>5} | {r['seconds']:>12.2f} | {r['pages_per_second']:>7.1f} | "
              f"{r['overall']:>7.3f} | {below}")
        if r["errors"]:
            print(f"{'':<11}   extraction errors: {r['errors']}")
    if len(results) > 1:
        base = results[0]
        for other in results[1:]:
            print(f"\n{other['engine']} vs {base['engine']}: {other['pages_per_second'] / base['pages_per_second']:.1f}x "
                  f"pages/s, overall {other['overall'] - base['overall']:+.3f}")
            if args.per_doc:
                differ = {f: (base["per_doc"].get(f), acc) for f, acc in other["per_doc"].items()
                          if acc != base["per_doc"].get(f)}
                for name, (a, b) in sorted(differ.items()):
                    print(f"  {name}: item field accuracy {a} -> {b}")
                if not differ:
                    print("  every document has the same item field accuracy")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
