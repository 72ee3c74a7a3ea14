"""Each entry point owns its log handler: in one process (the tests, the local gateway), the
terminal's `streak: warning:` lines never pick up the Lambda's logs, and the Lambda's
structured logs never pick up the terminal's handler."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import pytest

from cli_outcome import streak


def test_lambda_logs_are_not_printed_as_terminal_warnings_after_a_streak_command(
    clean_streak_env: Path, tmp_path: Path
) -> None:
    # Given a `streak` command has run in this process (and failed: no database)
    ran = streak(["stats", "--db", str(tmp_path / "missing.duckdb")])
    assert ran.code == 2
    from streak_lambda.handler import logger as lambda_logger

    # When the Lambda handler logs a warning
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        lambda_logger.warning("sync failed", extra={"trigger": "api"})
    # Then nothing reaches stderr as the terminal's warning line
    assert "streak: warning:" not in err.getvalue()


def test_library_warnings_reach_the_terminal_while_a_streak_command_runs(
    clean_streak_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a command that logs a library warning while it runs
    from streakcore.entrypoints.cli.commands import stats as stats_command

    def warn(args: object) -> int:
        logging.getLogger("streakcore.usecases.database").warning("could not record health")
        return 0

    monkeypatch.setattr(stats_command, "run_stats", warn)
    # When it runs
    ran = streak(["stats"])
    # Then the warning is one terminal line
    assert ran.code == 0
    assert "streak: warning: could not record health" in ran.err
