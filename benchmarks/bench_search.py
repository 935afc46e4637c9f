"""Search benchmark: quality (recall/MRR, journalist result sets) and speed at scale.

    .venv/bin/python benchmarks/bench_search.py                          # fixture quality + 100k items
    .venv/bin/python benchmarks/bench_search.py --items 1000000 --greve ../shared/corpus/greve

(1) Recall@10 and MRR over tests/search/search_queries.json: mode='plain' (the typed words only) vs
    mode='danish' (the full query analysis), on a warehouse built from tests/fixtures/search.
(2) Journalist result sets (tests/search/journalist_queries.json): precision, recall and precision of the first
    20 newest-first, on the full Greve 2022 corpus (--greve; skipped when the folder is missing).
(3) Scale: a warehouse of the first half of the Greve documents (or the fixtures) is grown in SQL (meetings,
    items, sections, decisions and the search index rows cloned under new ids and shifted dates) to --items
    agenda items. Measured: a cold `minutes search` process (start-up included); p50/p95 of the `search()`
    function in SQL (what a one-shot process runs) and from memory (what the server runs once it has read
    the snapshot's index: `pipeline/search/resident.py`), with the time and memory that reading takes; HTTP
    `/api/search` and the HTML page `/`; and the incremental index update after ingesting the other half of
    the Greve documents (--new-docs of them) into the big warehouse.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "search" / "search_queries.json"
JOURNALIST = ROOT / "tests" / "search" / "journalist_queries.json"
FIXTURES = ROOT / "tests" / "fixtures" / "search"
MINUTES = str(Path(sys.executable).parent / "minutes")
EXTRA_QUERIES = ["budget", "kommune", "godkendte", "lokalplan høringssvar", "frivilligfest", "paarorende",
                 "klimatilpasing", '"taget til efterretning"', "skole kapacitet", "27.00", "22-013125",
                 "budget OR skole"]


def ingest(paths: list[Path], db: Path) -> None:
    subprocess.run([MINUTES, "ingest", *map(str, paths), "--db", str(db), "--no-progress"], check=True,
                   stdout=subprocess.DEVNULL)


def quality(db: Path) -> None:
    from pipeline.search.evaluate import evaluate, load_queries, summary
    from pipeline.warehouse.db import connect

    con = connect(db, read_only=True)
    queries = load_queries(QUERIES)
    print(f"## Recall@10 / MRR ({len(queries)} queries, warehouse {db.name})")
    print(f"{'mode':8s} {'subset':12s} {'recall@10':>9s} {'MRR':>6s}")
    for mode in ("plain", "danish"):
        scores = evaluate(con, queries, mode=mode)
        for subset in ("all", "hard"):
            chosen = [s for s in scores if subset == "all" or s.kind in ("spelling", "typo", "compound")]
            recall, mrr = summary(chosen)
            print(f"{mode:8s} {subset + f' ({len(chosen)})':12s} {recall:9.3f} {mrr:6.3f}")
    con.close()


def journalist(db: Path) -> None:
    from pipeline.search.evaluate import evaluate_sets, set_summary
    from pipeline.warehouse.db import connect

    con = connect(db, read_only=True)
    queries = json.loads(JOURNALIST.read_text(encoding="utf-8"))
    scores = evaluate_sets(con, queries)
    s = set_summary(scores)
    print(f"\n## Journalist queries on {db.name} ({len(queries)} queries)")
    print(f"{'query':32s} {'relevant':>8s} {'returned':>8s} {'correct':>7s} {'top20':>6s}")
    for sc in scores:
        print(f"{sc.query[:32]:32s} {sc.relevant:8d} {sc.returned:8d} {sc.correct:7d} "
              f"{sc.top20_correct:3d}/{sc.top20:<2d}")
    print(f"macro precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
          f"precision@20 newest-first {s['top20_precision']:.3f}")
    con.close()


def grow(db: Path, target_items: int) -> int:
    """Clone meetings/items/sections/decisions AND their search-index rows under new ids and dates."""
    from pipeline.warehouse.db import connect

    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    base = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    copies = max(0, -(-target_items // base) - 1)
    t0 = time.perf_counter()
    con.execute("CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, ? + 1)", [copies])
    # by name, so columns added to the schema later are cloned too
    shifted = "meeting_date + CAST(k AS INTEGER) * 7"
    clones = {"meetings": f"meeting_id || '-' || k AS meeting_id, {shifted} AS meeting_date",
              "agenda_items": "item_id || '-' || k AS item_id, meeting_id || '-' || k AS meeting_id",
              "item_sections": "item_id || '-' || k AS item_id",
              "decisions": "item_id || '-' || k AS item_id"}
    for table, replaced in clones.items():
        con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (k) REPLACE ({replaced}) FROM {table}, k")
    t1 = time.perf_counter()
    n = con.execute("SELECT max(sid) FROM search_items").fetchone()[0]
    con.execute(f"""INSERT INTO search_items SELECT sid + {n} * k, item_id || '-' || k, meeting_id || '-' || k, doc_id,
                           source_file, number, position, title, closed, first_page, last_page, case_number, case_key,
                           municipality, committee, document_type, meeting_date + CAST(k AS INTEGER) * 7,
                           year(meeting_date + CAST(k AS INTEGER) * 7), outcome
                    FROM search_items, k""")
    con.execute(f"INSERT INTO search_pages SELECT sid + {n} * k, page, text FROM search_pages, k")
    con.execute(f"""CREATE OR REPLACE TABLE search_postings AS
                    SELECT * FROM (SELECT wid, sid, impact FROM search_postings
                                   UNION ALL SELECT wid, sid + {n} * k, impact FROM search_postings, k)
                    ORDER BY wid, sid""")
    # ordered by sid like a real build (appends in sid order): zone maps find an item's rows
    con.execute("CREATE OR REPLACE TABLE search_items AS SELECT * FROM search_items ORDER BY sid")
    con.execute("CREATE OR REPLACE TABLE search_pages AS SELECT * FROM search_pages ORDER BY sid, page")
    from pipeline.search.index import SID_INDEXES

    con.execute(SID_INDEXES)  # the tables were replaced: their sid indexes with them
    con.execute(f"UPDATE search_vocab SET df = df * {copies + 1}")
    con.execute("UPDATE search_meta SET items = (SELECT count(*) FROM search_items), built_at = epoch(now())")
    con.execute("CHECKPOINT")
    items = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    print(f"\n## Scale: {base} items x {copies + 1} = {items} items; warehouse tables {t1 - t0:.0f} s, "
          f"index rows {time.perf_counter() - t1:.0f} s (grown in SQL)")
    from pipeline.search.index import index_is_complete

    assert index_is_complete(con)
    con.close()
    return items


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def queries_for_latency() -> list[str]:
    from pipeline.search.evaluate import load_queries

    return list(dict.fromkeys([q["query"] for q in load_queries(QUERIES)]
                              + [q["query"] for q in json.loads(JOURNALIST.read_text(encoding="utf-8"))]
                              + EXTRA_QUERIES))


def cold_cli(db: Path, queries: list[str]) -> None:
    """Wall time and CPU time (user + sys of the child: independent of how loaded the machine is)."""
    import resource

    times, cpus = [], []
    for q in queries:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([MINUTES, "search", q, "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    p50, p95 = percentiles(times)
    c50, c95 = percentiles(cpus)
    print(f"cold `minutes search` process ({len(times)} queries): wall p50 {p50:.2f} s, p95 {p95:.2f} s, "
          f"max {max(times):.2f} s; CPU p50 {c50:.2f} s, p95 {c95:.2f} s, max {max(cpus):.2f} s "
          f"(load average {os.getloadavg()[0]:.1f})")


def latency(db: Path, rounds: int) -> None:
    """search() in SQL (a one-shot process) and from memory (a server), then the HTTP API and HTML page of a
    server holding the index in memory; p50/p95 over the query list, one pass = every query analysed anew."""
    import resource as rusage

    from pipeline.search import resident
    from pipeline.search.engine import search
    from pipeline.warehouse.db import connect
    from pipeline.web.server import make_server

    con = connect(db, read_only=True)
    con.execute("SET enable_progress_bar = false")
    n = con.execute("SELECT count(*) FROM search_items").fetchone()[0]
    queries = queries_for_latency()
    print(f"latency on {n} items, {len(queries)} queries x {rounds} rounds")
    search(con, "opvarmning")  # FTS stemmer extension loaded once (server start-up, not per query)

    def timed() -> list[tuple[float, float, str]]:
        from pipeline.search import engine

        engine._PLANS.clear()  # each run analyses its queries anew
        out = []
        for _ in range(rounds):
            for q in queries:
                t, c = time.perf_counter(), time.process_time()
                search(con, q, limit=10)
                out.append(((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000, q))
        return out

    in_sql = timed()
    rss_before = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    held = resident.load(con)
    load_s = time.perf_counter() - t
    rss_after = rusage.getrusage(rusage.RUSAGE_SELF).ru_maxrss
    postings = f"{held.postings.nbytes / 2**20:.0f} MB postings" if held.postings else "postings on disk"
    print(f"index read into memory in {load_s:.1f} s ({postings}, {len(held.vocab.by_word)} words; "
          f"peak RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MB)")
    in_memory = timed()
    server = make_server(con, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    web = {"/api/search": [], "/": []}
    failed = []
    for _ in range(rounds):
        for q in queries:
            for path in web:
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(f"{base}{path}?q={quote(q)}") as r:
                        r.read()
                except urllib.error.HTTPError as err:  # 503: the search hit the server's time limit
                    failed.append((path, q, err.code))
                web[path].append((time.perf_counter() - t) * 1000)
    server.shutdown()
    server.server_close()
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'target':36s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    rows = [("search() in SQL (CLI process)", [w for w, _, _ in in_sql]),
            ("search() in SQL, CPU time", [c for _, c, _ in in_sql]),
            ("search() from memory (server)", [w for w, _, _ in in_memory]),
            ("search() from memory, CPU time", [c for _, c, _ in in_memory]),
            ("HTTP GET /api/search (JSON)", web["/api/search"]),
            ("HTTP GET / (HTML page)", web["/"])]
    for name, samples in rows:
        p50, p95 = percentiles(samples)
        print(f"{name:36s} {len(samples):5d} {p50:8.1f} {p95:8.1f} {max(samples):8.1f}")
    phrases = [w for w, _, q in in_memory if '"' in q]
    others = [w for w, _, q in in_memory if '"' not in q]
    print(f"from memory without the {len(phrases)} quoted phrases (checked on page text in SQL): "
          "p50 %.1f p95 %.1f ms" % percentiles(others))
    for label, runs in (("SQL", in_sql), ("memory", in_memory)):
        slowest = sorted(runs, reverse=True)[:6]
        print(f"slowest ({label}): " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, _, q in slowest))
    if failed:
        print(f"HTTP errors: {failed}")
    con.close()


def incremental(db: Path, new_pdfs: list[Path]) -> None:
    """Ingest new documents without touching the index, then time update_index for them."""
    from pipeline.ingest.service import ingest_paths
    from pipeline.search.index import index_is_complete, update_index
    from pipeline.warehouse.db import connect

    con = connect(db)
    t = time.perf_counter()
    report = ingest_paths(new_pdfs, con, progress=False)
    t_ingest = time.perf_counter() - t
    doc_ids = [o.doc_id for o in report.outcomes if o.status == "ingested"]
    t = time.perf_counter()
    counts = update_index(con, doc_ids)
    t_update = time.perf_counter() - t
    assert index_is_complete(con)
    print(f"incremental: {len(doc_ids)} new documents ({counts['added']} items) ingested in {t_ingest:.0f} s; "
          f"update_index {t_update:.1f} s")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="Agenda items for the scale run.")
    parser.add_argument("--rounds", type=int, default=1,
                        help="Passes over the query list per target (from the 2nd on, the query analysis is cached).")
    parser.add_argument("--greve", type=Path, default=ROOT.parent / "shared" / "corpus" / "greve",
                        help="Greve 2022 corpus folder (journalist evaluation, scale base, new documents).")
    parser.add_argument("--new-docs", type=int, default=50, help="Documents added for the incremental update.")
    parser.add_argument("--work", type=Path, help="Folder for the warehouses (default: a temporary one).")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--scaled-db", type=Path, help="Reuse a warehouse grown by an earlier run (no --new-docs in it).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        if args.work:  # keep the warehouses for later runs
            tmp = args.work
            tmp.mkdir(parents=True, exist_ok=True)
        if not args.skip_quality:
            fixtures = tmp / "fixtures.duckdb"
            ingest([FIXTURES], fixtures)
            quality(fixtures)
        pdfs = sorted(args.greve.glob("*.pdf")) if args.greve.is_dir() else []
        if pdfs and not args.skip_quality:
            full = tmp / "greve.duckdb"
            ingest([args.greve], full)
            journalist(full)
        base_pdfs, new_pdfs = (pdfs[::2], pdfs[1::2][:args.new_docs]) if pdfs else ([FIXTURES], [])
        big = tmp / f"big-{args.items}.duckdb"
        if args.scaled_db:
            big = args.scaled_db
        else:
            ingest(base_pdfs, big)
            grow(big, args.items)
        cold_cli(big, queries_for_latency()[:20])
        latency(big, args.rounds)
        if new_pdfs:
            incremental(big, new_pdfs)
            cold_cli(big, ["lokalplan", "22-013125"])


if __name__ == "__main__":
    main()
