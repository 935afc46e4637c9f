"""Latency of the journalist's pages (case, committee, member, meeting, start page, feeds) on a large warehouse.

The Greve 2022 warehouse (ingested from ../shared/corpus/greve unless --db names one) is copied and its rows are
cloned in SQL under new ids, shifted dates and per-copy case numbers until it holds --items agenda items (so a
committee gets ~70x the meetings and a member ~70x the attendance rows, while a case keeps a realistic timeline).
Then a server on 127.0.0.1 answers --rounds requests per page type from one client, and p50/p95/max are printed.

    python benchmarks/bench_site.py --items 100000 --rounds 40
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GREVE = ROOT.parent / "shared" / "corpus" / "greve"


def ingest(folder: Path, db: Path) -> None:
    subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(folder), "--db", str(db), "--no-progress"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def clone(db: Path, target_items: int) -> int:
    """Clone meetings, items, decisions, members' attendance under new ids until >= target_items items."""
    from pipeline.warehouse.db import connect

    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    base = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    copies = max(0, -(-target_items // base) - 1)
    con.execute("CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, ? + 1)", [copies])
    # SELECT t.* REPLACE (…): the copies follow whatever columns the schema has
    con.execute("""INSERT INTO meetings SELECT t.* REPLACE (t.meeting_id || '-' || k AS meeting_id,
                          t.meeting_date + CAST(k AS INTEGER) * 7 AS meeting_date) FROM meetings t, k""")
    con.execute("""INSERT INTO agenda_items SELECT t.* REPLACE (t.item_id || '-' || k AS item_id,
                          t.meeting_id || '-' || k AS meeting_id, t.case_number || '-' || k AS case_number)
                   FROM agenda_items t, k""")
    con.execute("INSERT INTO decisions SELECT t.* REPLACE (t.item_id || '-' || k AS item_id) FROM decisions t, k")
    con.execute("""INSERT INTO meeting_members SELECT t.* REPLACE (t.meeting_id || '-' || k AS meeting_id)
                   FROM meeting_members t, k""")
    con.execute("""INSERT INTO attendance SELECT t.* REPLACE (t.meeting_id || '-' || k AS meeting_id,
                          t.item_id || '-' || k AS item_id) FROM attendance t, k""")
    items = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    con.close()
    return items


def timed_get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing Greve warehouse (default: ingest ../shared/corpus/greve)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from pipeline.warehouse.db import connect
    from pipeline.web import site
    from pipeline.web.server import make_server

    work = Path(tempfile.mkdtemp(prefix="bench_site-"))
    db = work / "site.duckdb"
    if args.db:
        shutil.copy(args.db, db)
    else:
        ingest(GREVE, db)
    t0 = time.perf_counter()
    items = clone(db, args.items)
    print(f"warehouse: {items} agenda items (cloned in {time.perf_counter() - t0:.1f} s)")

    con = connect(db, read_only=True)
    cur = con.cursor()
    cases = [r[0] for r in cur.execute("""SELECT case_number FROM agenda_items WHERE case_number IS NOT NULL
                                          USING SAMPLE 50 ROWS (reservoir, 7)""").fetchall()]
    committees = cur.execute("SELECT DISTINCT municipality, committee FROM meetings WHERE committee IS NOT NULL").fetchall()
    members = [r[0] for r in cur.execute("""SELECT member_id FROM meeting_members WHERE member_id IS NOT NULL
                                            GROUP BY 1 ORDER BY count(*) DESC LIMIT 20""").fetchall()]
    meetings = [r[0] for r in cur.execute("SELECT meeting_id FROM meetings USING SAMPLE 50 ROWS (reservoir, 7)").fetchall()]
    server = make_server(con, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = {
        "case": [site.case_url(c) for c in cases],
        "committee": [site.committee_url(m, c) for m, c in committees],
        "committee p.5": [site.committee_url(m, c) + "?fra=80" for m, c in committees],
        "member": [site.member_url(m) for m in members],
        "meeting": [site.meeting_url(m) for m in meetings],
        "start page": ["/"],
        "case feed": ["/feed" + site.case_url(c) for c in cases],
        "committee feed": ["/feed" + site.committee_url(m, c) for m, c in committees],
        "member feed": ["/feed" + site.member_url(m) for m in members],
    }
    print(f"\n| page ({items:,} items) | requests | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
    for name, urls in pages.items():
        timed_get(base + urls[0])  # warm-up
        samples = [timed_get(base + urls[i % len(urls)]) for i in range(args.rounds)]
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        print(f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p95:.1f} | {ordered[-1]:.1f} |")
    server.shutdown()
    server.server_close()
    con.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
