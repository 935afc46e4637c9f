"""Search tests: one warehouse per session, built from the PDFs in tests/fixtures/search/ plus a hostile one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_paths import FIXTURES, GREVE, JOURNALIST_QUERIES, QUERIES  # noqa: F401 (shared with the tests)

HOSTILE_TITLE = "Klage fra <script>alert(1)</script> O'Brien'; DROP TABLE agenda_items; --"


def write_hostile_pdf(path: Path) -> None:
    """A two-page minutes PDF (matplotlib's PDF backend) whose text carries HTML and SQL metacharacters."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    pages = [
        ["Hvidovre Kommune Teknik- og Miljøudvalget - Referat", "Referat",
         "fra ordinært møde i Teknik- og Miljøudvalget", "Mødedato: Onsdag den 13. marts 2024",
         "Mødetid: kl. 08.00-09.20", "Mødested: Rådhuset", "Medlemmer: Anna Hansen (A), Bo Jensen (V)",
         "Afbud: Ingen", "Dagsorden", f"1. {HOSTILE_TITLE} (2024-0000001)", "13. marts 2024 Side 1 af 2"],
        ["Hvidovre Kommune Teknik- og Miljøudvalget - Referat", "#" + f"1. {HOSTILE_TITLE} (2024-0000001)",
         "Sagsnr.: 2024-0000001", "*Indstilling og beslutning",
         "Forvaltningen indstiller, at klagen fra <b>Xyzzyborger</b> tages til efterretning.",
         "*Beslutning", "Taget til efterretning.", "*Problemstilling",
         "Borgeren <script>alert(1)</script> skriver: O'Brien'; DROP TABLE agenda_items; -- og \"citat\" & mere.",
         "*Økonomi", "Der er ingen økonomiske konsekvenser forbundet med sagen.", "13. marts 2024 Side 2 af 2"],
    ]
    with PdfPages(path) as pdf:
        for lines in pages:
            fig = Figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines):  # '#' item heading (large, bold), '*' section heading (bold)
                size, weight = (12, "bold") if line[0] == "#" else (9, "bold") if line[0] == "*" else (9, "normal")
                fig.text(0.08, 0.95 - i * 0.03, line.lstrip("#*"), fontsize=size, fontweight=weight,
                         family="DejaVu Sans")
            pdf.savefig(fig)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test that takes tens of seconds (still run in CI)")


@pytest.fixture(scope="session")
def search_db(tmp_path_factory) -> Path:
    """Warehouse path (ingested + indexed). Read-only use only."""
    from pipeline.cli import cli

    folder = tmp_path_factory.mktemp("search_pdfs")
    for pdf in sorted(FIXTURES.glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    write_hostile_pdf(folder / "hostile-0001.pdf")
    db = tmp_path_factory.mktemp("search_wh") / "minutes.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db), "--no-progress"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def search_con(search_db):
    from pipeline.warehouse.db import connect

    con = connect(search_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def queries():
    from pipeline.search.evaluate import load_queries

    return load_queries(QUERIES)




@pytest.fixture(scope="session")
def greve_db(tmp_path_factory) -> Path:
    """Warehouse of three real Greve 2022 minutes (ingested + indexed). Read-only use only."""
    from pipeline.cli import cli

    db = tmp_path_factory.mktemp("greve_wh") / "greve.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(GREVE), "--db", str(db), "--no-progress"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def greve_con(greve_db):
    from pipeline.warehouse.db import connect

    con = connect(greve_db, read_only=True)
    yield con
    con.close()
