"""Parse-step speed (extraction excluded) and gold scores from the same run.

    python benchmarks/bench_parse.py [CORPUS_DIR ...] [--cache DIR] [--pred DIR] [--repeat N] [--root CHECKOUT]

Before/after on the same files: run it once as is and once with `--root /work/main` (and
MINUTES_MODEL_DIR=/tmp/main-model so main's model is built outside the checkout).

Every PDF is extracted once (cached as a pickle under --cache, keyed by file hash and engine), then
`parse_document` alone is timed on one core. Prints pages/s per core per corpus. With --pred, the
parsed meetings are written as gold-shaped JSON there (one file per PDF) for ../shared/eval/score.py.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--root" in sys.argv:  # time another checkout's parser (e.g. main) on the same extracted files
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
sys.path.insert(0, str(ROOT))

DEFAULT_CORPORA = [ROOT.parent / "shared" / "corpus" / name for name in ("seed", "public", "real", "greve")]


def extracted(pdf: Path, cache: Path):
    """The cleaned ExtractedDocument of `pdf`; the raw engine output is cached, the layout clean-up
    (running headers, bullets) runs on every call so changes to it count."""
    from pipeline.extract import DEFAULT_ENGINE, ENGINES
    from pipeline.extract.layout import clean

    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    cached = cache / f"{digest}-{DEFAULT_ENGINE}-raw.pkl"
    if cached.exists():
        return clean(pickle.loads(cached.read_bytes()))
    raw = ENGINES[DEFAULT_ENGINE]().extract(pdf, digest)
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps(raw))
    return clean(raw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpora", nargs="*", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/minutes-extract-cache"))
    parser.add_argument("--pred", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline/ is timed")
    args = parser.parse_args()

    started = time.perf_counter()
    from pipeline.parse.nlp import load_pipeline
    from pipeline.parse.parser import parse_document

    nlp = load_pipeline()
    print(f"{ROOT}: pipeline load (import + spacy.load): {time.perf_counter() - started:.2f} s")
    try:  # a lazily loaded lemma table is a one-off per worker, not parse time
        nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    except (KeyError, ValueError):
        pass
    total_pages = total_time = 0.0
    for corpus in args.corpora or DEFAULT_CORPORA:
        pdfs = sorted(corpus.glob("*.pdf"))
        docs = [extracted(pdf, args.cache) for pdf in pdfs]
        pages = sum(len(doc.pages) for doc in docs)
        # warm-up so lazy tables and caches are not counted as parse time of the first file
        if docs:
            parse_document(docs[0], nlp)
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.process_time()
            meetings = [parse_document(doc, nlp) for doc in docs]
            best = min(best, time.process_time() - t0)
        total_pages += pages
        total_time += best
        print(f"{corpus.name:8s} {len(docs):4d} docs {pages:6d} pages  parse {best:7.2f} s CPU  "
              f"{pages / best if best else 0:8.1f} pages/s per core")
        if args.pred:
            out = args.pred / corpus.name
            out.mkdir(parents=True, exist_ok=True)
            for pdf, meeting in zip(pdfs, meetings):
                gold = meeting.as_gold()
                gold["source_file"] = pdf.name
                (out / f"{pdf.stem}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1))
    if total_time:
        print(f"all      {total_pages:.0f} pages  {total_pages / total_time:.1f} pages/s per core")


if __name__ == "__main__":
    main()
