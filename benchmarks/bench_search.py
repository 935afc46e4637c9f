"""Search benchmark: (1) quality of plain BM25 vs the Danish-aware search, (2) latency at scale.

    .venv/bin/python benchmarks/bench_search.py                      # builds a warehouse from tests/fixtures/search
    .venv/bin/python benchmarks/bench_search.py --db data/warehouse/minutes.duckdb --items 100000

(1) Recall@10 and MRR over tests/search/search_queries.json for mode='plain' (stock DuckDB match_bm25 on the
same Danish FTS index, the query taken literally) and mode='danish' (the full query analysis).
(2) The warehouse is copied, its rows are cloned in SQL under new ids and shifted dates until it holds at
least --items agenda items, the index is rebuilt, and query latency p50/p95 is measured for the Python
`search()` function (no process start-up) and for the web endpoint over HTTP (`/api/search` JSON and the
`/` HTML page). Target: p95 <= 50 ms.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "search" / "search_queries.json"
FIXTURES = ROOT / "tests" / "fixtures" / "search"
EXTRA_QUERIES = ["budget", "kommune", "godkendte", "lokalplan høringssvar", "frivilligfest", "paarorende",
                 "klimatilpasing", '"taget til efterretning"', "skole kapacitet", "27.00"]


def build_fixture_warehouse(folder: Path) -> Path:
    db = folder / "fixtures.duckdb"
    subprocess.run([str(Path(sys.executable).parent / "minutes"), "ingest", str(FIXTURES), "--db", str(db),
                    "--no-progress"], check=True, stdout=subprocess.DEVNULL)
    return db


def quality(db: Path) -> None:
    from pipeline.search.evaluate import evaluate, load_queries, summary
    from pipeline.warehouse.db import connect

    con = connect(db, read_only=True)
    queries = load_queries(QUERIES)
    print(f"## Quality ({len(queries)} queries, warehouse {db.name})")
    print(f"{'mode':8s} {'subset':12s} {'recall@10':>9s} {'MRR':>6s}")
    for mode in ("plain", "danish"):
        scores = evaluate(con, queries, mode=mode)
        for subset in ("all", "hard"):
            chosen = [s for s in scores if subset == "all" or s.kind in ("spelling", "typo", "compound")]
            recall, mrr = summary(chosen)
            print(f"{mode:8s} {subset + f' ({len(chosen)})':12s} {recall:9.3f} {mrr:6.3f}")
    con.close()


def clone(db: Path, target_items: int) -> int:
    """Clone meetings/items/sections/decisions under new ids and dates until >= target_items items."""
    from pipeline.search.index import rebuild_index
    from pipeline.warehouse.db import connect

    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    base = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    copies = max(0, -(-target_items // base) - 1)
    t0 = time.perf_counter()
    con.execute("CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, ? + 1)", [copies])
    con.execute("""INSERT INTO meetings SELECT meeting_id || '-' || k, doc_id, source_file, municipality, committee,
                          document_type, meeting_date + CAST(k AS INTEGER) * 7, start_time, end_time, location
                   FROM meetings, k""")
    con.execute("""INSERT INTO agenda_items SELECT item_id || '-' || k, meeting_id || '-' || k, doc_id, source_file,
                          position, number, title, closed, first_page, last_page, recommendation, case_number,
                          case_scheme, kle_main_group, kle_group, kle_subject, kle_facet, case_serial, case_year
                   FROM agenda_items, k""")
    con.execute("""INSERT INTO item_sections SELECT item_id || '-' || k, position, heading, kind, text, first_page,
                          last_page FROM item_sections, k""")
    con.execute("""INSERT INTO decisions SELECT item_id || '-' || k, text, outcome, votes_for, votes_against,
                          votes_abstain, deviates_from_recommendation, heading, page FROM decisions, k""")
    items = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    t1 = time.perf_counter()
    rebuild_index(con)
    t2 = time.perf_counter()
    print(f"\n## Scale: cloned {base} items x {copies + 1} = {items} items in {t1 - t0:.1f} s; "
          f"rebuild_index {t2 - t1:.1f} s")
    con.close()
    return items


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def latency(db: Path, rounds: int) -> None:
    from pipeline.search.engine import search
    from pipeline.search.evaluate import load_queries
    from pipeline.warehouse.db import connect
    from pipeline.web.server import make_server

    con = connect(db, read_only=True)
    con.execute("SET enable_progress_bar = false")
    print(f"latency on {con.execute('SELECT count(*) FROM search_items').fetchone()[0]} items, {rounds} rounds")
    queries = [q["query"] for q in load_queries(QUERIES)] + EXTRA_QUERIES
    search(con, "opvarmning")  # load vocabulary + lemma table once (server start-up cost, not per query)
    fn, cpu = [], []
    for _ in range(rounds):
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            search(con, q, limit=10)
            fn.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)  # all threads' CPU: independent of machine load
    server = make_server(con, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    web = {"/api/search": [], "/": []}
    for _ in range(rounds):
        for q in queries:
            for path in web:
                t = time.perf_counter()
                with urllib.request.urlopen(f"{base}{path}?q={quote(q)}") as r:
                    r.read()
                web[path].append((time.perf_counter() - t) * 1000)
    server.shutdown()
    print(f"{'target':28s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    for name, samples in [("search() function", fn), ("search() CPU time", cpu),
                          ("HTTP GET /api/search (JSON)", web["/api/search"]),
                          ("HTTP GET / (HTML page)", web["/"])]:
        p50, p95 = percentiles(samples)
        print(f"{name:28s} {len(samples):5d} {p50:8.1f} {p95:8.1f} {max(samples):8.1f}")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="Warehouse to measure quality on (default: build from fixtures).")
    parser.add_argument("--items", type=int, default=100_000, help="Agenda items for the latency run.")
    parser.add_argument("--rounds", type=int, default=3, help="Passes over the query list per latency target.")
    parser.add_argument("--scaled-db", type=Path, help="Reuse an already scaled warehouse for the latency run.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = args.db or build_fixture_warehouse(tmp)
        quality(db)
        if args.scaled_db:
            big = args.scaled_db
        else:
            big = tmp / "big.duckdb"
            shutil.copy(db, big)
            clone(big, args.items)
        latency(big, args.rounds)


if __name__ == "__main__":
    main()
