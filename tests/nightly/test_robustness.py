"""Fetch robustness from the review: a malformed link, stored files that never diverge from their rows, a true
wall-clock deadline, Retry-After, a cap on links per run, an unreachable host named as such."""
from __future__ import annotations

import hashlib
import os
import socket
import stat
import time
from pathlib import Path

import pytest
from nightly_support import Site, page, pdf_bytes

from pipeline.ingest.fetch import FetchError, PoliteClient, fetch_http_source
from pipeline.ingest.nightly import run_nightly
from pipeline.ingest.sources import parse_config
from pipeline.warehouse.db import connect

ROBOTS = Site.static(b"User-agent: *\nAllow: /\n", "text/plain", etag=False, last_modified=False)


def config_for(site, tmp_path: Path, index: str, **settings):
    values = {"user_agent": "minutes-pipeline/0.1 (+mailto:tests@example.org)", "raw_dir": str(tmp_path / "raw"),
              "delay_seconds": 0.0, "timeout_seconds": 2.0, "max_seconds": 10.0, "retries": 1,
              "backoff_seconds": 0.01, "max_depth": 0, **settings}
    return parse_config({"settings": values, "source": [{"name": "t", "municipality": "Testkommune", "kind": "http",
                                                         "index_url": f"{site.base}{index}"}]})


def test_one_malformed_link_does_not_fail_the_source(site, tmp_path):
    site.routes.clear()
    site.routes.update({"/robots.txt": ROBOTS,
                        "/bad/": Site.html(page(["http://[::1/x.pdf", "/files/a.pdf"])),
                        "/files/a.pdf": Site.static(pdf_bytes("east-0001"))})
    source = config_for(site, tmp_path, "/bad/").sources[0]
    con = connect(tmp_path / "w.duckdb")
    result = fetch_http_source(con, source)
    assert result.error is None and result.downloaded == 1
    assert [(f["url"], f["reason"]) for f in result.failures] == [("http://[::1/x.pdf", "bad_link")]


def _files_match_rows(con) -> None:
    rows = con.execute("SELECT doc_id, source_path FROM documents").fetchall()
    assert rows
    mask = os.umask(0)
    os.umask(mask)
    for doc_id, path in rows:
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == doc_id  # what /pdf/<doc_id> serves
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o666 & ~mask  # not 0600: a web server user reads it


def test_a_pdf_that_changes_back_never_leaves_a_row_pointing_at_other_bytes(site, tmp_path):
    """A -> B -> A at one URL (two different meetings): every documents row keeps pointing at its own bytes."""
    first, second = pdf_bytes("east-0001"), pdf_bytes("east-0006")
    site.routes.clear()
    site.routes.update({"/robots.txt": ROBOTS, "/flip/": Site.html(page(["/files/flip.pdf"]))})
    config = config_for(site, tmp_path, "/flip/")
    con = connect(tmp_path / "w.duckdb")
    try:
        for version in (first, second, first):
            site.routes["/files/flip.pdf"] = Site.static(version)
            summary = run_nightly(con, config, workers=1)
            assert summary.status == "ok", summary.message
            _files_match_rows(con)
        stored = sorted(p.name for p in (tmp_path / "raw" / "t").iterdir())
        assert len(stored) == 2  # one file per content, the first one reused when it came back
    finally:
        con.close()


def test_a_trickling_server_cannot_outlast_max_seconds_across_retries(site, tmp_path):
    def trickle(req):
        req.send_status(200, {"Content-Type": "application/pdf", "Content-Length": "100000"})
        try:
            req.wfile.write(b"%PDF-1.4\n")
            for _ in range(200):
                req.wfile.write(b"0")
                req.wfile.flush()
                time.sleep(0.25)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return 200

    site.routes.clear()
    site.routes.update({"/robots.txt": ROBOTS, "/slow.pdf": trickle})
    settings = config_for(site, tmp_path, "/", max_seconds=1.5, timeout_seconds=5.0, retries=2).settings
    client = PoliteClient(settings, {"127.0.0.1"})
    started = time.monotonic()
    with pytest.raises(FetchError) as failure:
        client.download(f"{site.base}/slow.pdf", tmp_path, "slow.pdf", None, None)
    elapsed = time.monotonic() - started
    assert failure.value.reason == "timeout"
    assert elapsed < 1.5 + 1.0  # one deadline for every attempt (was 90 s x 3 attempts)
    assert not list(tmp_path.glob("*.part"))


def test_retry_after_is_honoured_and_bounded(site, tmp_path):
    state = {"n": 0}

    def limited(req):
        state["n"] += 1
        if state["n"] == 1:
            return req.send_body(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"})
        return Site.static(pdf_bytes("east-0001"))(req)

    site.routes.clear()
    site.routes.update({"/robots.txt": ROBOTS, "/limited.pdf": limited,
                        "/never.pdf": lambda req: req.send_body(429, b"no", {"Retry-After": "3600"})})
    settings = config_for(site, tmp_path, "/").settings
    slept: list[float] = []
    client = PoliteClient(settings, {"127.0.0.1"}, sleep=slept.append)
    download = client.download(f"{site.base}/limited.pdf", tmp_path, "limited.pdf", None, None)
    assert download.status == 200 and slept and max(slept) >= 1.0  # waited as asked (backoff alone: 0.01 s)
    slept.clear()
    with pytest.raises(FetchError) as failure:
        client.download(f"{site.base}/never.pdf", tmp_path, "never.pdf", None, None)
    assert failure.value.reason == "http_429" and "Retry-After" in failure.value.detail
    assert slept == [] and len(site.requests_to("/never.pdf")) == 1  # an hour is not waited for


def test_links_per_source_per_run_are_capped_new_links_first(site, tmp_path):
    links = [f"/cap/f{i:02d}.pdf" for i in range(30)]
    site.routes.clear()
    site.routes.update({"/robots.txt": ROBOTS, "/cap/": Site.html(page(links))})
    for i, link in enumerate(links):
        site.routes[link] = Site.static(b"%PDF-1.4\n%" + str(i).encode() + b"\n%%EOF\n")
    source = config_for(site, tmp_path, "/cap/", max_links=5).sources[0]
    con = connect(tmp_path / "w.duckdb")
    site.reset()
    first = fetch_http_source(con, source)
    assert first.found == 30 and first.downloaded == 5
    assert sum(1 for h in site.hits if h.path.startswith("/cap/f")) == 5
    assert [f["reason"] for f in first.failures] == ["link_cap"]
    site.reset()
    second = fetch_http_source(con, source)
    assert second.downloaded == 5  # the next five new links, not the same five again
    assert {h.path for h in site.hits if h.path.startswith("/cap/f")} == set(links[5:10])


def test_unreachable_host_is_a_connection_failure_not_robots(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = parse_config({"settings": {"raw_dir": str(tmp_path / "raw"), "retries": 0, "timeout_seconds": 1,
                                        "backoff_seconds": 0.01},
                           "source": [{"name": "gone", "kind": "http", "index_url": f"http://127.0.0.1:{port}/"}]})
    con = connect(tmp_path / "w.duckdb")
    result = fetch_http_source(con, config.sources[0])
    assert result.error and result.error.startswith("connection"), result.error
    assert "robots_disallowed" not in result.error
