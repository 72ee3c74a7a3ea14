"""docs/notebook.ipynb runs, cell by cell, in a Jupyter kernel of this test's own Python,
against the database `streak demo` writes; and what it shows is worth looking at."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from streakcore.entrypoints.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
KERNEL = "streakcore-tests"

pytestmark = pytest.mark.slow


@pytest.fixture
def kernel_of_this_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec that starts this interpreter (the test venv's), found first."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "streakcore tests", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    return KERNEL


def test_the_docs_notebook_runs_against_the_demo_database(
    tmp_path: Path,
    clean_streak_env: Path,
    capsys: pytest.CaptureFixture[str],
    kernel_of_this_python: str,
) -> None:
    # given where a reader stands after `streak demo`: demo/runs.duckdb
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--years", "1"]) == 0
    capsys.readouterr()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # and a first cell that says which Python the kernel runs
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    # when every cell runs in order, in a kernel started in that directory
    client = NotebookClient(
        notebook,
        kernel_name=kernel_of_this_python,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    # then no cell failed, the kernel was this venv's Python
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    assert outputs[0][0]["text"].strip() == sys.executable
    errors = [o for cell in outputs for o in cell if o["output_type"] == "error"]
    assert errors == []
    # and the database shows as a table with its heatmap, the stats as a small table, and
    # the DataFrames as tables
    html = [
        o["data"]["text/html"]
        for cell in outputs
        for o in cell
        if o["output_type"] == "execute_result" and "text/html" in o.get("data", {})
    ]
    database, stats, *frames = html
    assert "Runs" in database
    assert "<svg" in database
    assert "Current streak" in stats
    assert "<svg" not in stats
    assert len(frames) >= 2
