"""A full disk (here: a file size limit, RLIMIT_FSIZE, which fails writes the same way) is recorded with a clear
reason (`disk_full`, not "cannot rollback - no transaction is active"), the run exits non-zero without a
traceback, and once there is room again the same file loads and the warehouse checks clean."""
from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from ops_support import good_pdf

from pipeline.cli import cli
from pipeline.warehouse.db import connect

MINUTES = str(Path(sys.executable).with_name("minutes"))


def test_full_disk_is_recorded_as_disk_full_and_nothing_is_damaged(tmp_path):
    shutil.copy(good_pdf(), tmp_path / "referat.pdf")
    connect(tmp_path / "w.duckdb").close()

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))

    full = subprocess.run([MINUTES, "ingest", "referat.pdf", "--db", "w.duckdb", "--no-progress"], cwd=tmp_path,
                          preexec_fn=small_disk, capture_output=True, text=True, timeout=300)
    assert full.returncode == 1, full.stdout + full.stderr
    assert "disk_full" in full.stderr and "Traceback" not in full.stderr
    assert "no transaction is active" not in full.stderr

    check = CliRunner().invoke(cli, ["check", "--db", str(tmp_path / "w.duckdb")])
    assert check.exit_code == 0, check.output
    again = CliRunner().invoke(cli, ["ingest", str(tmp_path / "referat.pdf"), "--db", str(tmp_path / "w.duckdb"),
                                     "--no-progress"])
    assert again.exit_code == 0, again.output
    assert "ingested: 1" in again.output
