"""Fetching from the local test site: politeness, failures, identity by content, conditional requests."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nightly_support import CAP_MB, TIMEOUT_SECONDS, build_minutes_site, run_minutes, write_config

from pipeline.ingest.fetch import PoliteClient, fetch_http_source, mark_ingested, pending_files, stored_name
from pipeline.ingest.nightly import EXIT_LOCKED, NightlyLock, lock_path_for
from pipeline.ingest.sources import ConfigError, load_config, parse_config
from pipeline.warehouse.db import connect

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(site, tmp_path):
    """A fresh site state, config, warehouse and raw folder; returns (site, source, con, expected)."""
    expected = build_minutes_site(site)
    site.reset()
    config = load_config(write_config(tmp_path / "sources.toml", site, tmp_path / "raw"))
    con = connect(tmp_path / "w.duckdb")
    yield site, config.sources[0], con, expected
    con.close()


def fetch(con, source):
    return fetch_http_source(con, source)


def by_reason(result) -> dict[str, list[str]]:
    reasons: dict[str, list[str]] = {}
    for failure in result.failures:
        reasons.setdefault(failure["reason"], []).append(failure["url"].split("/", 3)[-1])
    return reasons


def test_example_config_parses_and_bad_configs_are_explained(tmp_path):
    config = load_config(ROOT / "deploy" / "sources.example.toml")
    assert {s.kind for s in config.sources} == {"http", "folder"}
    assert all(s.settings.user_agent.startswith("minutes-pipeline/") for s in config.sources)
    with pytest.raises(ConfigError, match="kind"):
        parse_config({"source": [{"name": "x", "kind": "ftp"}]})
    with pytest.raises(ConfigError, match="index_url"):
        parse_config({"source": [{"name": "x", "kind": "http"}]})
    with pytest.raises(ConfigError, match="regex"):
        parse_config({"source": [{"name": "x", "kind": "http", "index_url": "http://a/", "link_pattern": "("}]})
    with pytest.raises(ConfigError, match="name"):
        parse_config({"source": [{"name": "../etc", "kind": "folder", "path": "/tmp"}]})
    with pytest.raises(ConfigError, match="no sources file"):
        load_config(tmp_path / "missing.toml")


def test_crawl_follows_pagination_to_max_depth_same_host_only(world):
    site, source, con, _ = world
    result = fetch(con, source)
    assert result.error is None
    assert result.index_pages == 3  # index + ?page=2 (link pattern) + ?page=3 (rel=next); ?page=4 is too deep
    assert not site.requests_to("/minutes/?page=4")
    assert not site.requests_to("/files/too-deep.pdf")
    # 11 links: the offsite (localhost) one is dropped, east-0001 listed twice counts once
    assert result.found == 11
    assert result.blocked == 1  # /private/ is disallowed by robots.txt ...
    assert not site.requests_to("/private/secret.pdf")  # ... and never requested
    assert all(h.headers.get("User-Agent", "").startswith("minutes-pipeline/0.1") for h in site.hits)
    assert site.requests_to("/robots.txt") and len(site.requests_to("/robots.txt")) == 1


def test_failures_are_classified_and_retried_only_when_useful(world):
    site, source, con, _ = world
    started = time.monotonic()
    result = fetch(con, source)
    reasons = by_reason(result)
    assert reasons == {"http_404": ["files/missing.pdf"], "timeout": ["files/slow.pdf"], "not_pdf": ["files/fake.pdf"],
                       "too_large": ["files/huge.pdf", "files/huge-declared.pdf"]}
    assert len(site.requests_to("/files/missing.pdf")) == 1  # 404: no retry
    flaky = site.requests_to("/files/flaky.pdf")
    assert [h.status for h in flaky] == [500, 200]  # 500, backoff, success
    assert len(site.requests_to("/files/slow.pdf")) == 2  # timeout: one retry (retries = 1)
    assert time.monotonic() - started < 10
    states = dict(con.execute("SELECT url, status FROM fetch_state").fetchall())
    assert states[f"{site.base}/files/missing.pdf"] == "failed"
    assert states[f"{site.base}/files/flaky.pdf"] == "downloaded"
    # nothing half-written: no temp files, no files for failed URLs
    names = sorted(p.name for p in source.raw_dir.iterdir())
    assert not [n for n in names if n.endswith(".part")]
    assert len(names) == 4 == result.downloaded
    for name in ("huge", "fake", "slow", "missing"):
        assert not [n for n in names if n.startswith(f"{name}-")]


def test_same_pdf_under_two_urls_is_stored_once(world):
    site, source, con, expected = world
    result = fetch(con, source)
    assert result.duplicates == 1
    rows = con.execute("SELECT url, local_path, sha256 FROM fetch_state WHERE sha256 = ?",
                       [hashlib.sha256(expected["pdfs"]["east-0001"]).hexdigest()]).fetchall()
    assert len(rows) == 2 and len({r[1] for r in rows}) == 1
    files = [p for p in source.raw_dir.iterdir() if p.read_bytes() == expected["pdfs"]["east-0001"]]
    assert len(files) == 1
    assert len(pending_files(con, source.name)) == 4  # east-0001 pending once


def test_rerun_sends_conditional_requests_and_downloads_nothing(world):
    site, source, con, _ = world
    first = fetch(con, source)
    before = {p.name: p.stat().st_mtime_ns for p in source.raw_dir.iterdir()}
    site.reset()
    second = fetch(con, source)
    assert second.downloaded == 0 and second.changed_paths == []
    assert second.unchanged == first.downloaded + first.duplicates == 5
    for path in ("/files/east-0001.pdf", "/files/east-0006.pdf", "/files/flaky.pdf"):  # ETag
        hit, = site.requests_to(path)
        assert hit.headers.get("If-None-Match") and hit.status == 304
    for path in ("/files/agenda-classic-0003.pdf", "/mirror/same-as-east-0001.pdf"):  # Last-Modified only
        hit, = site.requests_to(path)
        assert hit.headers.get("If-Modified-Since") and hit.status == 304
    assert {p.name: p.stat().st_mtime_ns for p in source.raw_dir.iterdir()} == before


def test_changed_pdf_is_stored_under_its_own_content_name(world):
    """A changed PDF at the same URL gets a new file named by its content; the old file keeps its bytes."""
    site, source, con, expected = world
    fetch(con, source)
    url = f"{site.base}/files/east-0006.pdf"
    old_path = source.raw_dir / stored_name(url, hashlib.sha256(expected["pdfs"]["east-0006"]).hexdigest())
    assert old_path.read_bytes() == expected["pdfs"]["east-0006"]
    changed = expected["pdfs"]["east-0006"] + b"\n%revised\n"
    site.routes["/files/east-0006.pdf"] = site.static(changed)
    result = fetch(con, source)
    path = source.raw_dir / stored_name(url, hashlib.sha256(changed).hexdigest())
    assert result.downloaded == 1 and result.changed_paths == [path]
    assert path.read_bytes() == changed
    assert old_path.read_bytes() == expected["pdfs"]["east-0006"]  # never overwritten
    assert con.execute("SELECT local_path FROM fetch_state WHERE url = ?", [url]).fetchone()[0] == str(path)
    assert con.execute("SELECT sha256 FROM fetch_state WHERE url = ?", [url]).fetchone()[0] == \
        hashlib.sha256(changed).hexdigest()


def test_delay_between_requests_to_one_host(site, tmp_path):
    build_minutes_site(site)
    site.reset()
    config = load_config(write_config(tmp_path / "s.toml", site, tmp_path / "raw"))
    settings = config.sources[0].settings.__class__(**{**config.sources[0].settings.__dict__, "delay_seconds": 0.15})
    client = PoliteClient(settings, {"127.0.0.1"})
    for _ in range(3):
        client.get(f"{site.base}/minutes/")
    stamps = [h.at for h in site.hits if h.path == "/minutes/"]
    assert len(stamps) == 3
    assert all(b - a >= 0.13 for a, b in zip(stamps, stamps[1:]))


def test_unreachable_index_fails_the_source(site, tmp_path):
    build_minutes_site(site)
    config = load_config(write_config(tmp_path / "s.toml", site, tmp_path / "raw"))
    source = config.sources[0].__class__(**{**config.sources[0].__dict__, "index_url": f"{site.base}/nowhere/"})
    con = connect(tmp_path / "w.duckdb")
    result = fetch_http_source(con, source)
    assert result.error and result.error.startswith("http_404")


def test_lock_is_exclusive_across_processes_and_names_its_holder(site, tmp_path):
    """A POSIX lock is per process: the second contender must be another process (here, the CLI)."""
    build_minutes_site(site)
    config = write_config(tmp_path / "s.toml", site, tmp_path / "raw")
    db = tmp_path / "w.duckdb"
    lock = NightlyLock(lock_path_for(db)).acquire()
    try:
        started = time.monotonic()
        busy = run_minutes("nightly", "--config", str(config), "--db", str(db), cwd=tmp_path)
        assert busy.returncode == EXIT_LOCKED == 75
        assert f"pid={os.getpid()}" in busy.stderr and "another nightly run is in progress" in busy.stderr
        assert time.monotonic() - started < 10
        assert not db.exists()  # refused before touching the warehouse
    finally:
        lock.release()
    probe = subprocess.run([sys.executable, "-c", "import sys; from pipeline.ingest.nightly import NightlyLock; "
                            "NightlyLock(sys.argv[1]).acquire().release()", str(lock_path_for(db))])
    assert probe.returncode == 0  # released: free for the next run


def test_constants_are_what_the_tests_assume():
    assert TIMEOUT_SECONDS < 1.0 and CAP_MB < 1


def test_a_superseded_file_is_not_taken_again_every_night(world):
    """Two files of one meeting replace each other in the warehouse; the nightly must not re-ingest them forever."""
    site, source, con, _ = world
    fetch(con, source)
    pending = pending_files(con, source.name)
    assert len(pending) == 4  # nothing in documents yet
    for path in pending:  # as the nightly does after each ingest outcome (here: none stays in `documents`)
        sha = con.execute("SELECT sha256 FROM fetch_state WHERE local_path = ?", [str(path)]).fetchone()[0]
        mark_ingested(con, str(path), sha)
    assert pending_files(con, source.name) == []
    site.routes["/files/east-0006.pdf"] = site.static(b"%PDF-1.4\n% new bytes\n%%EOF\n")
    fetch(con, source)  # changed bytes at the same URL: pending again
    assert [p.name for p in pending_files(con, source.name)] == \
        [stored_name(f"{site.base}/files/east-0006.pdf", hashlib.sha256(b"%PDF-1.4\n% new bytes\n%%EOF\n").hexdigest())]
