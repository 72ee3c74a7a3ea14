"""`streak-api serve` refusing to start, in a fresh interpreter as a developer runs it: one
line saying what to do, exit status 2, nothing started and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from streak_lambda.local_gateway import AWS_EXTRA_MISSING

SERVE = "import sys; {prelude}from streak_lambda.local_gateway import main; sys.exit(main({argv}))"
ARGV = ["serve", "--port", "0", "--data-dir", "streak-api-data"]
START_TIMEOUT_S = 60
"""A refusal takes about a second; a server that started instead never exits on its own."""


def _serve(
    tmp_path: Path, *, prelude: str = "", **environ: str
) -> subprocess.CompletedProcess[str]:
    """`streak-api serve` on a machine with no STREAK_, AWS_ or POWERTOOLS_ settings."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STREAK_", "AWS_", "POWERTOOLS_"))
    }
    env.update(HOME=str(tmp_path / "home"), **environ)
    return subprocess.run(
        [sys.executable, "-c", SERVE.format(prelude=prelude, argv=ARGV)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


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


def test_serve_without_the_aws_extra_says_how_to_install_it(tmp_path: Path) -> None:
    # given an install without Powertools (a plain `pip install -e .`)
    without_powertools = "sys.modules['aws_lambda_powertools'] = None; "

    # when the gateway is started
    result = _serve(tmp_path, prelude=without_powertools)

    # then one line says which extra to install, with no traceback
    assert result.returncode == 2
    assert result.stderr.splitlines() == [AWS_EXTRA_MISSING]
    assert "Traceback" not in result.stdout + result.stderr
