"""The web server as a client sees it: JSON API (facets, errors), hostile parameters, overload, idle
connections, and serving from the snapshot while a real ingest writes the warehouse."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from search_paths import GREVE


@pytest.fixture(scope="module")
def greve_url(greve_db):
    from pipeline.web.server import make_server

    server = make_server(greve_db, host="127.0.0.1", port=0)  # a path: served from its read-only snapshot
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str, timeout: float = 30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def test_api_search_has_facets_pages_and_exact_total(greve_url):
    status, ctype, body = get(greve_url + "/api/search?q=lokalplan&limit=5")
    data = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    assert data["total"] > 5 and len(data["hits"]) == 5
    assert sum(f["count"] for f in data["facets"]["committee"]) == data["total"]
    assert {"committee", "year", "outcome"} <= set(data["facets"])
    hit = data["hits"][0]
    assert hit["snippet_page"] and hit["first_page"] <= hit["snippet_page"]
    status, _, body = get(greve_url + "/api/search?q=" + quote("22/013125"))
    assert {h["case_number"] for h in json.loads(body)["hits"]} == {"22-013125"}


@pytest.mark.parametrize("query, expected", [
    ("q=budget&page=99999999999999999999999", 400),       # beyond int64
    ("q=budget&page=-1", 400),
    ("q=budget&limit=abc", 400),
    ("q=budget&from=notadate", 400),
    ("q=budget&sort=evil", 400),
    ("q=" + "+".join(f"ord{i}" for i in range(64)), 400),  # >= 64 distinct words
    ("q=" + "a" * 60_000, 400),                          # a 60 KB one-word query
])
def test_api_errors_are_json_with_a_status(greve_url, query, expected):
    started = time.perf_counter()
    status, ctype, body = get(greve_url + "/api/search?" + query)
    assert status == expected and ctype.startswith("application/json")
    data = json.loads(body)
    assert data["status"] == expected and data["error"] and "Traceback" not in data["error"]
    assert time.perf_counter() - started < 5


def test_web_errors_are_danish_sentences(greve_url):
    for path, code in (("/?q=budget&page=99999999999999999999999", 400), ("/item/nope", 404), ("/nothing", 404),
                       ("/?q=" + "+".join(f"ord{i}" for i in range(64)), 400)):
        status, ctype, body = get(greve_url + path)
        text = body.decode("utf-8")
        assert status == code and ctype.startswith("text/html")
        assert "Traceback" not in text and "Error" not in text and "<h1>" in text
    status, _, body = get(greve_url + "/?q=" + "+".join(f"ord{i}" for i in range(64)))
    assert "for mange ord" in body.decode("utf-8")


def test_idle_connections_do_not_starve_the_server(greve_url):
    """More idle connections than worker threads: new requests are still answered (200 or 503), never hang."""
    from pipeline.web import server as web

    host, port = greve_url.rsplit(":", 1)
    idle = [socket.create_connection(("127.0.0.1", int(port))) for _ in range(web.MAX_WORKERS * 3)]
    try:
        started = time.perf_counter()
        status, _, _ = get(greve_url + "/api/search?q=budget", timeout=30)
        assert status in (200, 503)
        assert time.perf_counter() - started < web.QUEUE_WAIT + web.IDLE_TIMEOUT + 5
    finally:
        for s in idle:
            s.close()
    time.sleep(0.2)
    assert get(greve_url + "/api/search?q=budget")[0] == 200


def test_200_concurrent_clients_all_answered(greve_url):
    """A bounded load test: 200 clients at once, each request answered with a status code."""
    statuses, errors = [], []

    def client(i):
        try:
            statuses.append(get(greve_url + f"/api/search?q={quote(['budget', 'lokalplan', 'Mosede Fort', '22-013125'][i % 4])}",
                                timeout=60)[0])
        except Exception as exc:  # a timeout or reset would be a dropped request
            errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(statuses) == 200 and set(statuses) <= {200, 503} and statuses.count(200) >= 100


@pytest.mark.slow
def test_server_keeps_answering_during_a_real_ingest_and_shows_new_data_after(search_db, tmp_path):
    from pipeline.web.server import make_server

    db = tmp_path / "live.duckdb"
    shutil.copy(search_db, db)
    new = tmp_path / "new"
    new.mkdir()
    shutil.copy(GREVE / "greve-klima-teknik-og-miljoeudvalget-2022-11-17.pdf", new)
    server = make_server(db, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    first_con = server.warehouse.state()[0]
    try:
        assert json.loads(get(base + "/api/search?q=22-013125")[2])["total"] == 0
        ingest = subprocess.Popen([str(Path(sys.executable).parent / "minutes"), "ingest", str(new), "--db", str(db),
                                   "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        answered = []
        while ingest.poll() is None:
            status, _, body = get(base + "/api/search?q=frivilligfest")
            answered.append(status)
            time.sleep(0.05)
        assert ingest.returncode == 0, ingest.stderr.read().decode()
        assert answered and set(answered) == {200}
        deadline = time.time() + 10
        while time.time() < deadline:
            if json.loads(get(base + "/api/search?q=22-013125")[2])["total"] > 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the server did not pick up the new snapshot")
        assert json.loads(get(base + "/api/search?q=frivilligfest")[2])["total"] >= 1
        # the new snapshot's index is read into memory and the old one's leaves it
        from pipeline.search import resident

        first_key = resident.index_key(first_con.cursor())
        new_key = resident.index_key(server.warehouse.state()[0].cursor())
        assert new_key != first_key
        deadline = time.time() + 30
        while resident.loaded(new_key) is None and time.time() < deadline:
            time.sleep(0.05)
        assert resident.loaded(new_key) is not None
        assert resident.loaded(first_key) is None
        assert json.loads(get(base + "/api/search?q=22-013125")[2])["total"] > 0
    finally:
        server.shutdown()
        server.server_close()
