"""The README's Python blocks run as written, one cell per statement, on a demo database."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from readme import readme_blocks
from streakcore.entrypoints.cli.main import main


@pytest.fixture
def demo_dir(tmp_path: Path, clean_streak_env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Where a reader who ran the README's first line stands: a demo runs.duckdb."""
    assert main(["demo", "--dir", str(tmp_path), "--years", "1"]) == 0
    capsys.readouterr()
    assert (tmp_path / "runs.duckdb").is_file()
    return tmp_path


def cells(source: str) -> list[ast.Interactive]:
    """Each top-level statement as its own notebook cell: an expression's value is shown."""
    tree = ast.parse(source)
    return [ast.Interactive(body=[statement]) for statement in tree.body]


def test_the_readme_has_a_python_block() -> None:
    assert [block for block in readme_blocks() if block.lang == "python"]


def test_the_readme_notebook_blocks_run_as_written_one_cell_at_a_time(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the README's python blocks and a demo database in the working directory
    sources = [block.body for block in readme_blocks() if block.lang == "python"]
    monkeypatch.chdir(demo_dir)
    shown: list[str] = []
    # a notebook shows each cell's value, which runs a DuckDB relation
    monkeypatch.setattr(sys, "displayhook", lambda value: shown.append(repr(value)))
    namespace: dict[str, object] = {"__name__": "__main__"}
    expressions = [
        ast.unparse(cell.body[0])
        for source in sources
        for cell in cells(source)
        if isinstance(cell.body[0], ast.Expr)
    ]

    # when every statement runs in order, each as a cell, in one namespace
    try:
        for source in sources:
            for cell in cells(source):
                exec(compile(cell, "README.md", "single"), namespace)
    finally:
        db = namespace.get("db")
        if db is not None:
            db.close()  # type: ignore[attr-defined]

    # then every expression showed a value, and the relations showed their rows
    assert len(shown) == len(expressions) >= 4
    answers = dict(zip(expressions, shown, strict=True))
    assert type(namespace["body"]).__name__ == "StatsBody"
    for code, text in answers.items():
        if code.startswith(("db.runs()", "db.splits()")):
            assert "activity_id" in text, f"{code} showed {text[:300]}"
