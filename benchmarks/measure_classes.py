"""Document classes and meeting identity on the shared corpora: every file's class against its gold document type,
meetings per document, version events, and `minutes check` (keys, versions, search index).

    .venv/bin/python benchmarks/measure_classes.py [CORPUS_DIR ...]   (default: ../shared/corpus/{public,real,greve,seed})
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from pipeline.ingest.service import ingest_paths
from pipeline.search.index import rebuild_index
from pipeline.warehouse.db import connect
from pipeline.warehouse.integrity import check_warehouse

DEFAULT = [Path("../shared/corpus") / name for name in ("public", "real", "greve", "seed")]


def measure(corpus: Path, workers: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        started = time.perf_counter()
        report = ingest_paths([corpus], con, workers=workers)
        rebuild_index(con)
        seconds = time.perf_counter() - started
        classes = dict(con.execute("SELECT doc_class, count(*) FROM documents GROUP BY 1").fetchall())
        wrong = []
        for source_file, doc_class in con.execute("SELECT source_file, doc_class FROM documents").fetchall():
            gold = corpus / (Path(source_file).stem + ".json")
            if gold.exists() and json.loads(gold.read_text(encoding="utf-8"))["document_type"] != doc_class:
                wrong.append(f"{source_file}: {doc_class}")
        row = con.execute("""SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM meeting_events),
                                    (SELECT count(*) FROM document_versions)""").fetchone()
        problems = {k: v for k, v in check_warehouse(con).items() if v}
        con.close()
    return {"corpus": corpus.name, "files": report.found, "ingested": report.ingested, "failed": report.failed,
            "classes": classes, "class_mismatches": wrong, "meetings": row[0], "events": row[1], "versions": row[2],
            "check_problems": problems, "seconds": round(seconds, 1)}


def main(argv: list[str]) -> None:
    corpora = [Path(a) for a in argv] or DEFAULT
    print("| corpus | files | ingested | classes | wrong class | meetings | versions | events | check | s |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---|---:|")
    for corpus in corpora:
        r = measure(corpus)
        print(f"| {r['corpus']} | {r['files']} | {r['ingested']} | {r['classes']} | {len(r['class_mismatches'])} | "
              f"{r['meetings']} | {r['versions']} | {r['events']} | {r['check_problems'] or 'ok'} | {r['seconds']} |")
        for line in r["class_mismatches"]:
            print(f"    {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
