"""Errors and finished syncs become HTTP answers in one place (`http_errors`)."""

from __future__ import annotations

import pytest

from streak_lambda.http_errors import http_error_for, sync_answer
from streakcore.errors import SmashRunRateLimited, StoreLocked
from streakcore.usecases.sync import SyncErrorKind, SyncReport, SyncStatus


def test_a_database_in_use_by_another_process_is_a_503_with_retry_after() -> None:
    # Given another program has the database file open for writing
    error = StoreLocked("runs.duckdb is in use by another process; try again when it finishes")
    # When it is answered over HTTP
    answer = http_error_for(error)
    # Then it is a wait, not a server fault of ours
    assert answer.status == 503
    assert 1 <= int(answer.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize(
    ("report", "status", "retry_after"),
    [
        (SyncReport(status=SyncStatus.SUCCESS), 200, None),
        (SyncReport(status=SyncStatus.PARTIAL, backlog=3), 200, None),
        (
            SyncReport(status=SyncStatus.PARTIAL, error="refused", error_kind=SyncErrorKind.AUTH),
            500,
            None,
        ),
        (
            SyncReport(status=SyncStatus.FAILED, error="500s", error_kind=SyncErrorKind.SMASHRUN),
            502,
            None,
        ),
        (
            SyncReport(
                status=SyncStatus.FAILED,
                error=str(SmashRunRateLimited(90)),
                error_kind=SyncErrorKind.RATE_LIMITED,
                rate_limited=True,
                retry_after_s=90.0,
            ),
            503,
            "90",
        ),
        (SyncReport(status=SyncStatus.FAILED, rate_limited=True), 503, "60"),
    ],
)
def test_a_finished_sync_answers_with_the_status_its_report_calls_for(
    report: SyncReport, status: int, retry_after: str | None
) -> None:
    # When the report of a finished sync is answered
    answer = sync_answer(report)
    # Then the status (and wait) follow from the report alone
    assert answer.status == status
    assert answer.headers.get("Retry-After") == retry_after
    assert (answer.message is None) == (status == 200)
