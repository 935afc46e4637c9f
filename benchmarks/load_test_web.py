"""Load test of `minutes serve` on 127.0.0.1: N concurrent clients, every request must get a status code.

    .venv/bin/python benchmarks/load_test_web.py                       # warehouse from tests/fixtures/search
    .venv/bin/python benchmarks/load_test_web.py --db data/warehouse/minutes.duckdb --clients 200 --requests 5

Each client thread opens its own connections and sends --requests searches (a mix of queries, the JSON API
and the HTML page). Reported per server configuration: answered (by status), unanswered (connect time-outs,
resets, read time-outs), and latency p50/p95/max. Compared side by side in the same run:
- `hardened`: the server as shipped (listen backlog 512, at most 16 worker threads, 503 + Retry-After when no
  worker is free within 2 s, idle connections closed after 5 s, searches interrupted after 5 s);
- `baseline`: the same handler with the stdlib defaults it used before (listen backlog 5, one thread per
  connection, no idle time-out, no load shedding).
Bounded: the clients stop after --requests each and every socket has a --timeout.
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["budget", "lokalplan", "frivilligfest", "paarorende politik", "27.00", '"taget til efterretning"',
           "klimatilpasing", "skole kapacitet", "kommune", "borgmester"]


def run_clients(base: str, clients: int, requests: int, timeout: float) -> tuple[Counter, list[float]]:
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(i: int) -> None:
        rnd = random.Random(i)
        start.wait()
        for _ in range(requests):
            path = rnd.choice(["/api/search", "/"])
            url = f"{base}{path}?q={quote(rnd.choice(QUERIES))}"
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=timeout) as r:
                    r.read()
                    status = str(r.status)
            except urllib.error.HTTPError as err:
                status = str(err.code)
            except (socket.timeout, TimeoutError):
                status = "unanswered: timeout"
            except urllib.error.URLError as err:
                status = f"unanswered: {type(err.reason).__name__}"
            except (ConnectionError, OSError) as err:
                status = f"unanswered: {type(err).__name__}"
            with lock:
                statuses[status] += 1
                latencies.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, latencies


def serve(db: Path, baseline: bool):
    from http.server import ThreadingHTTPServer

    from pipeline.web import server as web

    if baseline:
        class Baseline(ThreadingHTTPServer):
            request_queue_size = 5          # socketserver's default listen backlog
            daemon_threads = True

            def __init__(self, address, source):
                self.warehouse = web.Warehouse(source)
                self.pdf_dirs = []
                super().__init__(address, BaselineHandler)

        class BaselineHandler(web.Handler):
            timeout = None                   # no idle time-out

        srv = Baseline(("127.0.0.1", 0), db)
    else:
        srv = web.make_server(db, host="127.0.0.1", port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def report(name: str, statuses: Counter, latencies: list[float], seconds: float) -> None:
    lat = sorted(latencies)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    answered = sum(n for s, n in statuses.items() if not s.startswith("unanswered"))
    unanswered = sum(statuses.values()) - answered
    print(f"{name:9s} {sum(statuses.values()):6d} {answered:8d} {unanswered:10d}  "
          f"{', '.join(f'{s}: {n}' for s, n in sorted(statuses.items())):44s} "
          f"{statistics.median(lat):7.0f} {p95:7.0f} {lat[-1]:7.0f} {seconds:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="Warehouse (default: built from tests/fixtures/search).")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=5, help="Requests per client.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Client socket time-out in seconds.")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "fixtures.duckdb"
            subprocess.run([str(Path(sys.executable).parent / "minutes"), "ingest", str(ROOT / "tests" / "fixtures" / "search"),
                            "--db", str(db), "--no-progress"], check=True, stdout=subprocess.DEVNULL)
        print(f"## {args.clients} concurrent clients x {args.requests} requests on 127.0.0.1 "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print(f"{'server':9s} {'sent':>6s} {'answered':>8s} {'unanswered':>10s}  {'statuses':44s} "
              f"{'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s} {'wall s':>6s}")
        for name in (["hardened"] if args.no_baseline else ["hardened", "baseline"]):
            srv, base = serve(db, baseline=(name == "baseline"))
            t = time.perf_counter()
            statuses, latencies = run_clients(base, args.clients, args.requests, args.timeout)
            report(name, statuses, latencies, time.perf_counter() - t)
            srv.shutdown()
            srv.server_close()


if __name__ == "__main__":
    main()
