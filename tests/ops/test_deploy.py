"""The shipped deploy files work on a fresh checkout as documented: the cron line and the systemd unit's
ExecStart are run as written (only /opt/minutes-pipeline replaced by a temporary copy of the repository, whose
.venv is this test's virtualenv). A run with a failed file exits non-zero and says so on stderr, timestamped."""
from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ops_support import REPO, good_pdf

INSTALL_DIR = "/opt/minutes-pipeline"
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in out.decode().split("\0") if name]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A fresh copy of the repository's tracked files (no data/logs/, no warehouse) with a sources.toml that
    reads one folder, and .venv pointing at the running virtualenv."""
    root = tmp_path_factory.mktemp("checkout") / "minutes-pipeline"
    for name in tracked_files():
        source = REPO / name
        if source.is_file():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for name in ("deploy/crontab.txt", "deploy/minutes-nightly.service", "deploy/minutes-nightly-failure@.service"):
        shutil.copy2(REPO / name, root / name)  # the working tree's version, committed or not
    os.symlink(Path(sys.prefix), root / ".venv")
    assert not (root / "data" / "logs").exists()
    (root / "inbox").mkdir()
    shutil.copy(good_pdf(), root / "inbox" / "referat.pdf")
    (root / "sources.toml").write_text('[[source]]\nname = "inbox"\nmunicipality = "Testkommune"\n'
                                       'kind = "folder"\npath = "inbox"\n', encoding="utf-8")
    return root


def environment() -> dict:
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8"}


def cron_command(root: Path) -> tuple[str, dict]:
    """The job line of deploy/crontab.txt as cron runs it: /bin/sh -c, with '\\%' unescaped; and its MAILTO."""
    lines = [line for line in (root / "deploy" / "crontab.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    variables = dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z_]+=", line))
    jobs = [line for line in lines if not re.match(r"^[A-Z_]+=", line)]
    assert len(jobs) == 1
    command = jobs[0].split(None, 5)[5].replace("\\%", "%")
    return command.replace(INSTALL_DIR, str(root)), variables


def test_cron_line_runs_on_a_fresh_checkout_and_mails_only_failures(checkout):
    command, variables = cron_command(checkout)
    assert "MAILTO" in variables  # the failure hook of cron
    ok = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=environment(), timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == "" and ok.stderr == ""  # nothing to mail
    logs = list((checkout / "data" / "logs").glob("nightly-*.log"))  # created by the command
    assert len(logs) == 1
    lines = logs[0].read_text().splitlines()
    assert lines and all(STAMPED.match(line) for line in lines)
    assert any("run 1: ok" in line for line in lines)

    (checkout / "inbox" / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")  # truncated
    failed = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=environment(), timeout=300)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout == ""
    errors = failed.stderr.splitlines()
    assert errors and all(STAMPED.match(line) and " ERROR " in line for line in errors)
    assert any("broken.pdf" in line and "truncated" in line for line in errors)


def test_systemd_unit_exec_start_runs_on_the_checkout(checkout):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(checkout / "deploy" / "minutes-nightly.service")
    service = unit["Service"]
    assert unit["Unit"]["OnFailure"].startswith("minutes-nightly-failure@")
    assert (checkout / "deploy" / "minutes-nightly-failure@.service").exists()
    assert "75" in service["SuccessExitStatus"].split()
    workdir = Path(service["WorkingDirectory"].replace(INSTALL_DIR, str(checkout)))
    argv = shlex.split(service["ExecStart"].replace(INSTALL_DIR, str(checkout)))
    result = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, env=environment(), timeout=300)
    # the broken file of the cron test failed before with the same bytes: reported once, not every night
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(STAMPED.match(line) for line in result.stdout.splitlines() if line.strip())
    assert (workdir / "data" / "warehouse" / "minutes.duckdb").exists()
    runs = subprocess.run([str(checkout / ".venv" / "bin" / "minutes"), "runs"], cwd=workdir, capture_output=True,
                          text=True, env=environment(), timeout=120)
    assert runs.returncode == 0 and re.search(r"\bpartial\b", runs.stdout) and re.search(r"\bok\b", runs.stdout)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_units_pass_systemd_analyze(checkout, tmp_path):
    """The unit files are valid systemd units (paths pointed at the checkout, User= at the current user)."""
    import pwd

    user = pwd.getpwuid(os.getuid()).pw_name
    for name in ("minutes-nightly.service", "minutes-nightly.timer", "minutes-nightly-failure@.service"):
        text = (checkout / "deploy" / name).read_text().replace(INSTALL_DIR, str(checkout))
        (tmp_path / name).write_text(text.replace("User=minutes", f"User={user}"))
    # the failure hook is a template: verified as the instance OnFailure= starts
    shutil.copy(tmp_path / "minutes-nightly-failure@.service",
                tmp_path / "minutes-nightly-failure@minutes-nightly.service.service")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", "minutes-nightly.service",
                             "minutes-nightly.timer", "minutes-nightly-failure@minutes-nightly.service.service"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
