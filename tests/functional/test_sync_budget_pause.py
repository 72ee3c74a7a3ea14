"""A backfill stopped by our own hourly request budget: a pause, not a failure (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fixtures.smashrun_sync import rig
from streakcore.smashrun.budget import RequestBudget
from streakcore.testing import Athlete, recent_athlete
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC)
PER_HOUR = 30


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def _budget_at(instant: datetime) -> RequestBudget:
    # The wall clock stands still: the window fills and stays full, and no test waits.
    return RequestBudget(PER_HOUR, burst=1_000, clock=lambda: instant.timestamp())


def test_a_budget_stop_is_not_an_error_and_says_how_far_the_backfill_is(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.budget = _budget_at(NOW)
        # when a first sync meets the hourly budget halfway through its splits
        report = r.sync(budget_s=30)
        # then it is partial, with no error, and says how far and when it goes on
        assert report.status is SyncStatus.PARTIAL
        assert (report.error, report.error_kind) == (None, None)
        assert report.requests == PER_HOUR
        assert report.runs_stored == len(athlete.runs)
        assert 0 < report.runs_with_splits < report.runs_stored
        assert report.backlog == report.runs_stored - report.runs_with_splits
        # the window opens when its first request leaves it, rounded up to the minute
        assert report.next_sync_after == datetime(2026, 11, 26, 13, 1, tzinfo=UTC)
        assert report.syncs_left == -(-(report.backlog + 1 + 2) // PER_HOUR)
        assert report.body()["next_sync_after"] == "2026-11-26T13:01:00Z"
        assert r.store.get_state("last_sync_attempt")["status"] == "partial"


def test_a_sync_before_the_budget_opens_makes_no_request_and_says_the_same(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.budget = _budget_at(NOW)
        first = r.sync(budget_s=30)
        asked = len(r.fake.requests)
        # when the next sync starts before the window opens
        again = r.sync(budget_s=30)
        # then it asks nothing, fails nothing, and says where the backfill stands
        assert len(r.fake.requests) == asked
        assert again.status is SyncStatus.PAUSED
        assert not again.failed
        assert (again.requests, again.error, again.error_kind) == (0, None, None)
        assert (again.runs_stored, again.backlog) == (first.runs_stored, first.backlog)
        assert again.next_sync_after == first.next_sync_after
        assert again.syncs_left == first.syncs_left


def test_a_sync_after_the_budget_opens_carries_on_where_the_pause_left_it(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.budget = _budget_at(NOW)
        first = r.sync(budget_s=30)
        # when the hour has passed (a new process: the window comes from the store)
        r.budget = _budget_at(NOW + timedelta(hours=1, minutes=1))
        later = r.sync(budget_s=30)
        # then it spends the new hour on the backlog
        assert later.status is SyncStatus.PARTIAL
        assert later.requests == PER_HOUR
        assert later.backlog == first.backlog - PER_HOUR


def test_split_requests_are_spent_on_the_newest_runs_first(athlete: Athlete) -> None:
    with rig(athlete) as r:
        r.budget = _budget_at(NOW)
        r.sync(budget_s=30)
        waiting = set(r.store.get_state("sync_checkpoint")["backlog"])
        # when the next hour's budget is spent on the backlog
        r.budget = _budget_at(NOW + timedelta(hours=1, minutes=1))
        r.sync(budget_s=30)
        still = set(r.store.get_state("sync_checkpoint")["backlog"])
        # then the runs it fetched are all newer than every run still waiting
        started = {a.activity_id: a.start_local for a in r.store.activities()}
        fetched = waiting - still
        assert len(fetched) == PER_HOUR
        assert min(started[i] for i in fetched) >= max(started[i] for i in still)


class RecordedProgress:
    def __init__(self) -> None:
        self.phases: list[str] = []
        self.etas: list[float | None] = []

    def update(self, phase: str, done: int, total: int | None) -> None:
        if phase not in self.phases:
            self.phases.append(phase)

    def budget_eta(self, seconds: float | None) -> None:
        self.etas.append(seconds)


def test_progress_reports_the_search_then_the_splits_with_an_eta_set_by_the_budget(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.budget = _budget_at(NOW)
        progress = RecordedProgress()
        r.sync(budget_s=30, progress=progress)
        assert progress.phases == ["search", "splits"]
        # about 190 splits against 30 requests an hour: the budget, hours of it, sets the ETA
        assert progress.etas
        assert all(eta is not None and eta >= 3600 for eta in progress.etas)
        assert progress.etas[-1] == -(-(len(athlete.runs) - PER_HOUR + 2) // PER_HOUR) * 3600
