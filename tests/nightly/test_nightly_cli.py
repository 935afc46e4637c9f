"""`minutes nightly` end to end in subprocesses: clean run, re-run, changed PDF, concurrent run, SIGKILL + re-run."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from nightly_support import build_minutes_site, minutes_command, run_minutes, write_config


COUNT_SQL = """SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM meetings),
                      (SELECT count(*) FROM agenda_items), (SELECT count(*) FROM decisions),
                      (SELECT count(*) FROM documents d WHERE NOT EXISTS
                          (SELECT 1 FROM meetings m WHERE m.doc_id = d.doc_id))"""


def query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def nightly(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    """A run that tolerates single failed files (the test site always serves a few broken ones)."""
    return run_minutes("nightly", "--config", "sources.toml", "--db", "w.duckdb", "--workers", "1",
                       "--allow-failures", *extra, cwd=workdir)


@pytest.fixture(scope="module")
def clean(site, tmp_path_factory):
    """One clean run against the test site; later tests compare with its counts."""
    build_minutes_site(site)
    site.reset()
    workdir = tmp_path_factory.mktemp("clean")
    write_config(workdir / "sources.toml", site, Path("raw"))
    result = run_minutes("nightly", "--config", "sources.toml", "--db", "w.duckdb", "--workers", "1", cwd=workdir)
    return workdir, result, query(workdir / "w.duckdb", COUNT_SQL)[0]


def test_clean_run_ingests_every_good_pdf_and_records_the_run(clean):
    workdir, result, counts = clean
    assert result.returncode == 1, result.stdout + result.stderr  # single broken files: loud (--allow-failures: 0)
    assert counts[0] == 4 and counts[4] == 0  # 4 distinct PDFs, each with its meeting
    assert "ERROR run 1: partial" in result.stderr and "FAILED" not in result.stdout
    run = query(workdir / "w.duckdb", "SELECT status, ended_at IS NOT NULL, downloaded, ingested FROM runs")
    assert run == [("partial", True, 4, 4)]
    row = query(workdir / "w.duckdb", "SELECT found, downloaded, duplicates, blocked, ingested, skipped, failed, "
                                      "reasons FROM run_sources")[0]
    assert row[:7] == (11, 4, 1, 1, 4, 0, 5)
    assert json.loads(row[7]) == {"http_404": 1, "not_pdf": 1, "timeout": 1, "too_large": 2}
    # the files sit under raw/<source>/ and the warehouse points at them
    paths = {r[0] for r in query(workdir / "w.duckdb", "SELECT source_path FROM documents")}
    assert all(p.startswith("raw/testkommune/") and (workdir / p).exists() for p in paths)
    check = run_minutes("check", "--db", "w.duckdb", cwd=workdir)
    assert check.returncode == 0, check.stdout
    listing = run_minutes("runs", "--db", "w.duckdb", cwd=workdir)
    assert listing.returncode == 0 and "partial" in listing.stdout
    detail = run_minutes("runs", "--db", "w.duckdb", "--run", "1", cwd=workdir)
    assert "missing.pdf" in detail.stdout and "http_404" in detail.stdout


def test_rerun_downloads_nothing_then_a_changed_pdf_replaces_its_old_version(site, clean):
    workdir, _, counts = clean
    site.reset()
    again = nightly(workdir)
    assert again.returncode == 0, again.stdout + again.stderr
    row = query(workdir / "w.duckdb", "SELECT downloaded, unchanged, ingested FROM run_sources WHERE run_id = 2")[0]
    assert row == (0, 5, 0)
    pdf_hits = [h for h in site.hits if h.path.startswith(("/files/east", "/files/agenda", "/files/flaky", "/mirror"))]
    assert pdf_hits and all(h.status == 304 for h in pdf_hits)
    assert query(workdir / "w.duckdb", COUNT_SQL)[0] == counts

    url = f"{site.base}/files/east-0006.pdf"
    path = query(workdir / "w.duckdb", "SELECT local_path FROM fetch_state WHERE url = ?", [url])[0][0]
    old_doc = query(workdir / "w.duckdb", "SELECT doc_id FROM documents WHERE source_path = ?", [path])
    changed = (workdir / path).read_bytes() + b"\n%revised by the municipality\n"
    site.routes["/files/east-0006.pdf"] = site.static(changed)
    third = nightly(workdir)
    assert third.returncode == 0, third.stdout + third.stderr
    row = query(workdir / "w.duckdb", "SELECT downloaded, ingested FROM run_sources WHERE run_id = 3")[0]
    assert row == (1, 1)
    new_path = query(workdir / "w.duckdb", "SELECT local_path FROM fetch_state WHERE url = ?", [url])[0][0]
    assert new_path != path  # stored under its own content name
    new_doc = query(workdir / "w.duckdb", "SELECT doc_id FROM documents WHERE source_path = ?", [new_path])
    assert len(new_doc) == 1 and new_doc != old_doc
    assert query(workdir / "w.duckdb", COUNT_SQL)[0] == counts  # replaced, not added
    assert run_minutes("check", "--db", "w.duckdb", cwd=workdir).returncode == 0


def _lines(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def test_sigkill_mid_ingest_then_rerun_completes_the_work(site, clean, tmp_path):
    _, _, clean_counts = clean
    build_minutes_site(site)
    site.reset()
    write_config(tmp_path / "sources.toml", site, Path("raw"))
    process = subprocess.Popen([*minutes_command(), "nightly", "--config", "sources.toml", "--db", "w.duckdb",
                                "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = lines.get(timeout=deadline - time.monotonic())
            assert line is not None, "".join(seen)
            seen.append(line)
            if "  ingested " in line:  # loading has started (lines start with a timestamp)
                break
        else:
            pytest.fail("never started ingesting:\n" + "".join(seen))

        # a second run while the first one holds the lock: refused at once, distinct exit code
        started = time.monotonic()
        second = run_minutes("nightly", "--config", "sources.toml", "--db", "w.duckdb", cwd=tmp_path)
        assert second.returncode == 75, second.stdout + second.stderr
        assert f"pid={process.pid}" in second.stderr
        assert time.monotonic() - started < 15

        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    # the extraction workers die with their parent (PR_SET_PDEATHSIG), so nothing keeps running
    for _ in range(50):
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("worker processes outlived the killed run")

    # what the kill left behind is consistent: whole documents only. Read it as the next run will, through a
    # writer: a kill after the search index was built leaves a CREATE INDEX in the WAL, which DuckDB 1.5
    # cannot replay read-only (tests/ops/test_warehouse_errors.py)
    writer = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        partial = writer.execute(COUNT_SQL).fetchall()[0]
    finally:
        writer.close()
    assert partial[4] == 0 and partial[0] <= clean_counts[0]
    print(f"killed after {partial[0]} of {clean_counts[0]} documents")
    # keys and versions agree; only the search index (built after loading) may be reported incomplete
    check = run_minutes("check", "--db", "w.duckdb", cwd=tmp_path)
    assert check.returncode == 0 or all("search index" in line for line in check.stdout.splitlines()), check.stdout

    rerun = nightly(tmp_path)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert query(tmp_path / "w.duckdb", COUNT_SQL)[0] == clean_counts
    assert run_minutes("check", "--db", "w.duckdb", cwd=tmp_path).returncode == 0
    statuses = query(tmp_path / "w.duckdb", "SELECT run_id, status FROM runs ORDER BY run_id")
    # the killed run is 'crashed'; the run refused while it held the lock is recorded too
    assert statuses == [(1, "crashed"), (2, "refused"), (3, "partial")]
    message = query(tmp_path / "w.duckdb", "SELECT message FROM runs WHERE run_id = 2")[0][0]
    assert "another nightly run is in progress" in message
    assert not list((tmp_path / "raw" / "testkommune").glob("*.part"))


def test_a_failed_source_makes_the_run_fail_but_not_the_others(site, tmp_path):
    build_minutes_site(site)
    site.routes["/empty/"] = site.html("<html><body>Ingen referater</body></html>")
    write_config(tmp_path / "sources.toml", site, Path("raw"), extra=f"""
[[source]]
name = "gone"
municipality = "Nedlagt Kommune"
kind = "http"
index_url = "{site.base}/no-such-index/"

[[source]]
name = "quiet"
municipality = "Stille Kommune"
kind = "http"
index_url = "{site.base}/empty/"

[[source]]
name = "archive"
municipality = "Arkiv"
kind = "folder"
path = "no/such/folder"
""", max_depth=0)
    # only the three extra sources: drop the main one so nothing needs ingesting
    text = (tmp_path / "sources.toml").read_text()
    start = text.index('[[source]]\nname = "testkommune"')
    (tmp_path / "sources.toml").write_text(text[:start] + text[text.index("[[source]]", start + 10):])
    result = nightly(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    rows = dict(query(tmp_path / "w.duckdb", "SELECT source, status FROM run_sources"))
    assert rows == {"gone": "failed", "quiet": "ok", "archive": "failed"}
    errors = dict(query(tmp_path / "w.duckdb", "SELECT source, error FROM run_sources WHERE error IS NOT NULL"))
    assert errors["gone"].startswith("http_404") and errors["archive"].startswith("folder_missing")
    assert query(tmp_path / "w.duckdb", "SELECT status, message FROM runs") == \
        [("failed", "failed sources: gone, archive")]
