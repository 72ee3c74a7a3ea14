"""`streak page`, `streak page-link` and the demo's page: the file from the database at hand,
the link under a token kept beside it, and one-line refusals."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from helpers import daily_runs
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

EVENING = "2026-11-25T20:00:00-05:00"
LINK = re.compile(r"^http://127\.0\.0\.1:8787/p/([A-Za-z0-9_-]{43})$")


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in."""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        runs = daily_runs("2026-11-01", 24)  # through yesterday: at risk this evening
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return path


def test_page_writes_the_page_as_it_stood_at_as_of(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "streak.html"
    code = main(["page", "--db", str(db), "--as-of", EVENING, "-o", str(out), "--units", "mi"])
    html = out.read_text()
    assert code == 0
    assert "At risk" in html
    assert "Run 1.00 mi before midnight: 4 h 00 min left" in html
    assert 'id="streak-days">24<' in html


def test_page_refuses_to_write_over_the_database_or_its_page_token(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = db.read_bytes()
    for target in (db, db.with_name("runs.duckdb.page_token")):
        assert main(["page", "--db", str(db), "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "write the output to another file" in err
    assert db.read_bytes() == before


def test_page_link_keeps_one_token_beside_the_database_until_rotated(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when the link is printed twice, then rotated
    assert main(["page-link", "--db", str(db)]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["page-link", "--db", str(db)]) == 0
    again = capsys.readouterr().out.strip()
    assert main(["page-link", "--db", str(db), "--rotate"]) == 0
    rotated = capsys.readouterr().out.strip()
    # then the link stays until the rotation, which makes a new one
    match = LINK.match(first)
    assert match is not None, first
    assert again == first
    assert rotated != first
    assert LINK.match(rotated)
    token_file = db.with_name("runs.duckdb.page_token")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == LINK.match(rotated).group(1)  # type: ignore[union-attr]


def test_a_page_token_from_the_environment_is_printed_and_cannot_be_rotated_here(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_PAGE_TOKEN", "T" * 40)
    assert main(["page-link", "--db", str(db), "--base-url", "https://x.example/prod/"]) == 0
    assert capsys.readouterr().out.strip() == "https://x.example/prod/p/" + "T" * 40
    assert main(["page-link", "--db", str(db), "--rotate"]) == 2
    err = capsys.readouterr().err
    assert "STREAK_PAGE_TOKEN" in err
    assert "T" * 40 not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://x"], "is not an http(s) URL"),
        (["--base-url", "example.com"], "is not an http(s) URL"),
    ],
)
def test_page_link_refuses_bad_input_in_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["page-link", "--db", str(db), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_a_short_page_token_in_the_environment_is_refused_without_echoing_it(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_PAGE_TOKEN", "tooshort")
    assert main(["page-link", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "at least 22 characters" in err
    assert "tooshort" not in err


def test_the_demo_ends_by_writing_its_page_and_printing_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--years", "0.5"]) == 0
    out = capsys.readouterr().out
    page = tmp_path / "demo" / "streak.html"
    assert page.read_text().startswith("<!doctype html>")
    assert "Your streak page:" in out
    assert "streak.html" in out.strip().splitlines()[-1]
