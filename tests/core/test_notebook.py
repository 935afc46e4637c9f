"""notebooks/analyst.ipynb runs top to bottom against a warehouse built from the fixture PDFs."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "analyst.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code)
    source = "\n".join(c.source for c in code)
    assert "MINUTES_DB" in source and "read_only=True" in source


@pytest.fixture(scope="module")
def executed(warehouse, tmp_path_factory):
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernel")
    install(prefix=str(prefix), kernel_name="python3")  # argv -> this interpreter (the venv's python)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    mp.setenv("MINUTES_DB", str(warehouse["db"]))
    mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(nb, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        mp.undo()
    return nb


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_every_cell_ran_without_error(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for o in _outputs(executed) if o.output_type == "error"]


def test_one_png_per_plot(executed):
    pngs = [o for o in _outputs(executed) if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(pngs) == 3


def test_tables_contain_expected_rows(executed):
    text = "\n".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in _outputs(executed))
    assert "warehouse: " in text
    for expected in ("Økonomiudvalget", "Udvalget for Teknik og Klima", "Klima- og Miljøudvalget",
                     "Mehmet Zeki Dogru", "Kristian Bæk", "approved", "noted", "2022-01"):
        assert expected in text, expected


def test_kernel_is_this_python():
    from ipykernel.kernelspec import get_kernel_dict

    assert get_kernel_dict()["argv"][0] == sys.executable
