"""`streak-api serve` deciding whether to start, in a fresh interpreter as a developer runs
it: a refusal is one line saying what to do, exit status 2, nothing started and nothing
written; the demo athlete's own directory is reopened."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from streak_lambda.local_gateway import AWS_EXTRA_MISSING

SERVE = "import sys; {prelude}from streak_lambda.local_gateway import main; sys.exit(main({argv}))"
START_TIMEOUT_S = 60
"""A refusal takes about a second; a server that started instead never exits on its own."""


def _environment(tmp_path: Path, **environ: str) -> dict[str, str]:
    """A machine with no STREAK_, AWS_ or POWERTOOLS_ settings and an empty home."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STREAK_", "AWS_", "POWERTOOLS_"))
    }
    env.update(HOME=str(tmp_path / "home"), **environ)
    return env


def _command(argv: list[str], prelude: str = "") -> list[str]:
    return [
        sys.executable,
        "-c",
        SERVE.format(prelude=prelude, argv=["serve", "--port", "0", *argv]),
    ]


def _serve(
    tmp_path: Path, *argv: str, prelude: str = "", **environ: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(list(argv), prelude),
        cwd=tmp_path,
        env=_environment(tmp_path, **environ),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


def _real_database(directory: Path) -> Path:
    """A `runs.duckdb` synced with a real token: nothing marks it as the demo's."""
    directory.mkdir(parents=True)
    database = directory / "runs.duckdb"
    with duckdb.connect(str(database)) as db:
        db.execute("CREATE TABLE runs AS SELECT 123456789 AS activity_id, FALSE AS deleted")
    return database


def _contents(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_serve_refuses_to_sync_the_fake_athlete_into_the_database_streak_db_names(
    tmp_path: Path,
) -> None:
    # given a real database named in STREAK_DB and no SmashRun credentials
    database = tmp_path / "mine" / "runs.duckdb"

    # when the gateway is started
    result = _serve(tmp_path, STREAK_DB=str(database))

    # then it refuses in one line saying what to do, and touches nothing
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "set STREAK_SMASHRUN_ACCESS_TOKEN" in line
    assert "unset STREAK_DB" in line
    assert not database.parent.exists()
    assert not (tmp_path / "streak-api-data").exists()
    assert not (tmp_path / "streak-api-demo").exists()


def test_serve_refuses_to_sync_the_fake_athlete_into_a_data_dir_holding_a_real_database(
    tmp_path: Path,
) -> None:
    # given a directory a real token synced into, and no SmashRun credentials
    real = _real_database(tmp_path / "mine").parent
    before = _contents(real)

    # when the gateway is started on it
    result = _serve(tmp_path, "--data-dir", "mine")

    # then it refuses in one line naming the directory and what to do, and touches nothing
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "mine" in line
    assert "set STREAK_SMASHRUN_ACCESS_TOKEN" in line
    assert "leave out --data-dir" in line
    assert _contents(real) == before
    assert not (tmp_path / "streak-api-demo").exists()


def test_serve_reopens_the_demo_athletes_own_directory(tmp_path: Path) -> None:
    # given ./streak-api-demo from an earlier start without a token
    demo = tmp_path / "streak-api-demo"
    _real_database(demo)
    (demo / ".streak-api-demo").write_text("the demo's\n")

    # when the gateway is started again without a token
    process = subprocess.Popen(
        _command([]),
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced = process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)

    # then it serves, with the demo's database
    database = re.search(r"serving http://\S+ \(database: (.+)\)$", announced.strip())
    assert database is not None, announced
    assert Path(tmp_path, database.group(1)).resolve() == (demo / "runs.duckdb").resolve()


def test_serve_without_the_aws_extra_says_how_to_install_it(tmp_path: Path) -> None:
    # given an install without Powertools (a plain `pip install -e .`)
    without_powertools = "sys.modules['aws_lambda_powertools'] = None; "

    # when the gateway is started
    result = _serve(tmp_path, prelude=without_powertools)

    # then one line says which extra to install, with no traceback, and nothing is written
    assert result.returncode == 2
    assert result.stderr.splitlines() == [AWS_EXTRA_MISSING]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "streak-api-demo").exists()


def _announced(tmp_path: Path, **environ: str) -> list[str]:
    """What a fresh `streak-api serve` prints before it waits for requests."""
    process = subprocess.Popen(
        _command([]),
        cwd=tmp_path,
        env=_environment(tmp_path, PYTHONUNBUFFERED="1", **environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not lines or "try  curl" not in lines[-1]:
            lines.append(process.stdout.readline())
        lines.append(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    return lines


def test_serve_prints_the_page_link_under_the_token_kept_beside_the_database(
    tmp_path: Path,
) -> None:
    lines = _announced(tmp_path)
    link = re.search(r"your page \(after the first sync\): (http://\S+/p/(\S+))$", lines[-1])
    assert link is not None, lines
    token_file = tmp_path / "streak-api-demo" / "runs.duckdb.page_token"
    assert token_file.read_text().strip() == link.group(2)


def test_serve_without_a_usable_page_token_serves_the_api_and_says_the_page_is_off(
    tmp_path: Path,
) -> None:
    lines = _announced(tmp_path, STREAK_PAGE_TOKEN="tiny-token")
    assert lines[0].startswith("streak-api: serving http://")
    assert "the page is off: STREAK_PAGE_TOKEN must be at least 22 characters" in lines[-1]
    assert "tiny-token" not in lines[-1]
