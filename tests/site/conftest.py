"""Site tests: one warehouse per session from three real Greve 2022 meetings that share a case
(21-016074: Beskæftigelses- og Erhvervsudvalget -> Økonomiudvalget -> Byrådet), and a server on 127.0.0.1."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "site"

@pytest.fixture(scope="session")
def site_db(tmp_path_factory) -> Path:
    from pipeline.cli import cli

    folder = tmp_path_factory.mktemp("site_pdfs")
    for pdf in sorted(FIXTURES.glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    db = tmp_path_factory.mktemp("site_wh") / "minutes.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db), "--no-progress"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def site_con(site_db):
    from pipeline.warehouse.db import connect

    con = connect(site_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def site_url(site_con):
    from pipeline.web.server import make_server

    server = make_server(site_con, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
