"""The notebooks in notebooks/ execute end to end, and are committed with their outputs cleared.

Each notebook runs in a fresh ``python3`` kernel of this interpreter (the venv's, so the kernel
imports this checkout of geo), with the notebooks folder as its working directory, the
notebooks' default (small, CI-sized) budgets, and its output folder (``GEO_NB_OUTPUT``) in
``tmp_path``. The executed copy is written there too, to read when a run fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT_S = 300  # per cell; at the default budgets each notebook takes 15-40 s on 2 cores
# Environment variables the notebooks read: unset them so the CI defaults apply.
NOTEBOOK_SETTINGS = ("GEO_NB_BUDGET", "GEO_NB_POINTS", "GEO_NB_SEED")


def execute(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    for variable in NOTEBOOK_SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    output = tmp_path / "output"
    monkeypatch.setenv("GEO_NB_OUTPUT", str(output))
    # The kernel starts with this environment: put this interpreter's kernel spec first, and let
    # matplotlib draw without a display.
    monkeypatch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    # A first cell (in memory only) that fails unless the kernel runs this very interpreter.
    guard = nbformat.v4.new_code_cell(f"import sys\nassert sys.prefix == {sys.prefix!r}, sys.prefix")
    notebook.cells.insert(0, guard)
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    finally:
        nbformat.write(notebook, tmp_path / f"executed-{name}")
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    """Everything the code cells printed."""
    return "".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs)


def images(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.outputs)


def test_there_are_notebooks():
    assert {path.name for path in NOTEBOOK_FILES} >= {"01-quickstart.ipynb", "02-geo-vs-classical.ipynb",
                                                      "03-backtest.ipynb"}


@pytest.mark.slow
def test_quickstart_runs(tmp_path, monkeypatch):
    notebook = execute("01-quickstart.ipynb", tmp_path, monkeypatch)
    assert images(notebook) >= 1
    report = tmp_path / "output" / "quickstart-report.html"
    assert report.is_file() and "<svg" in report.read_text()
    assert sorted(p.name for p in (tmp_path / "output").glob("*.json")) == ["quickstart-geo.json",
                                                                            "quickstart-local-search.json"]


@pytest.mark.slow
def test_geo_vs_classical_runs(tmp_path, monkeypatch, shared_data):
    notebook = execute("02-geo-vs-classical.ipynb", tmp_path, monkeypatch)
    assert images(notebook) >= 2
    assert "budget 20,000 evaluations per method" in printed(notebook)  # the CI default budget was used


@pytest.mark.slow
def test_backtest_four_ways_runs(tmp_path, monkeypatch, shared_data):
    notebook = execute("03-backtest.ipynb", tmp_path, monkeypatch)
    assert images(notebook) >= 1
    text = printed(notebook)
    assert "look-ahead:" in text and "survivorship bias" in text
    report = tmp_path / "output" / "03-backtest.html"
    assert report.is_file() and "<svg" in report.read_text()


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda path: path.name)
def test_committed_notebooks_have_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name} cell {index} has outputs: clear them before committing"
        assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"
