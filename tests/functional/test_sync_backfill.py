"""Backfills and idle re-syncs against the fake SmashRun, counted request by request."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from fixtures.smashrun_sync import request_floor, requested, rig, table
from streakcore.domain.units import METRES_PER_KM
from streakcore.ports import ActivitySource, SearchPage, SplitsResult
from streakcore.smashrun import http as smashrun_http
from streakcore.smashrun.budget import RequestBudget
from streakcore.testing import Athlete, demo_athlete, recent_athlete
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def test_a_first_sync_into_an_empty_store_makes_no_id_sweep(athlete: Athlete) -> None:
    with rig(athlete) as r:
        # when a first backfill runs into an empty store
        report = r.sync()
        # then nothing in it could have been deleted, so no id page is asked
        assert report.status is SyncStatus.SUCCESS
        assert r.fake.count("/my/activities/search/ids") == 0
        # and the next sync, into a store that holds runs, does sweep
        r.fake.reset_requests()
        r.sync()
        assert r.fake.count("/my/activities/search/ids") == -(-len(athlete.runs) // 100)


def test_a_first_sync_stores_every_run_and_every_split_at_the_request_floor(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # when
        report = r.sync()
        # then every run is there once, in metres, with every mile split
        assert report.status is SyncStatus.SUCCESS
        stored = {a.activity_id: a for a in r.store.activities()}
        assert sorted(stored) == sorted(str(run.activity_id) for run in athlete.runs)
        for run in athlete.runs:
            activity = stored[str(run.activity_id)]
            assert activity.distance_m == pytest.approx(run.activity["distance"] * METRES_PER_KM)
            assert activity.start_local.isoformat() == run.activity["startDateTimeLocal"]
        splits = Counter(s.activity_id for s in r.store.splits())
        assert splits == Counter(
            {str(run.activity_id): len(run.splits_mi) for run in athlete.runs if run.splits_mi}
        )
        assert report.runs_synced == len(athlete.runs)
        assert report.splits_stored == sum(len(run.splits_mi) for run in athlete.runs)
        # and it cost exactly the floor, as the fake counted it
        assert report.requests == request_floor(len(athlete.runs)) == len(r.fake.requests)
        assert report.backlog == 0
        assert report.quarantined == 0


def test_a_second_sync_without_changes_asks_one_search_page_and_the_id_sweep_only(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.sync()
        activities, splits = table(r.store, "activities"), table(r.store, "splits")
        r.fake.reset_requests()
        # when
        report = r.sync()
        # then
        sweep_pages = -(-len(athlete.runs) // 100)
        assert r.fake.count("/my/activities/search/ids") == sweep_pages
        assert len(r.fake.requests) == 1 + sweep_pages
        assert report.requests == 1 + sweep_pages
        assert (report.status, report.runs_synced, report.splits_stored) == (
            SyncStatus.SUCCESS, 0, 0
        )  # fmt: skip
        assert table(r.store, "activities") == activities
        assert table(r.store, "splits") == splits


def test_a_full_resync_reads_every_page_but_fetches_no_unchanged_splits(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        r.sync()
        r.fake.reset_requests()
        report = r.sync(full=True)
        assert r.fake.count("/my/activities/search?") == 0  # the query is not part of the path
        assert r.fake.count("/my/activities/4") == 0
        assert len(r.fake.requests) == 2 * -(-len(athlete.runs) // 100)
        assert report.runs_synced == 0


def test_a_full_resync_with_refetch_asks_for_every_runs_splits_again(athlete: Athlete) -> None:
    with rig(athlete) as r:
        r.sync()
        splits = table(r.store, "splits")
        r.fake.reset_requests()
        report = r.sync(full=True, refetch_splits=True)
        # a store that holds runs is swept: some of them may be gone
        sweep_pages = -(-len(athlete.runs) // 100)
        assert report.requests == request_floor(len(athlete.runs)) + sweep_pages
        assert table(r.store, "splits") == splits


def test_a_three_year_backfill_under_a_tiny_budget_finishes_over_runs_repeating_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given three years of runs and a budget far too small for them; each request may take
    # as long as it needs (a loaded machine must not time one out and make it count twice:
    # what is under test is where a time box stops, not how slow requests are cut)
    monkeypatch.setattr(smashrun_http, "MIN_ATTEMPT_S", 60.0)
    athlete = demo_athlete(NOW)
    with rig(athlete) as r:
        # when the sync runs again and again, as a schedule would
        for _ in range(200):
            report = r.sync(budget_s=0.05)
            if report.status is SyncStatus.SUCCESS:
                break
            assert report.status is SyncStatus.PARTIAL
            assert report.error is None
        # then it took several runs, each of them got somewhere, the backlog was reported...
        assert len(r.reports) >= 3
        assert all(rep.requests > 0 for rep in r.reports)
        assert max(rep.backlog for rep in r.reports) > 0
        assert r.reports[-1].backlog == 0
        # ...every request was asked once, and all together they are the floor
        asked = requested(r.fake)
        assert [req for req, n in Counter(asked).items() if n > 1] == []
        assert len(asked) == request_floor(len(athlete.runs))
        assert sum(rep.requests for rep in r.reports) == len(asked)
        # and nothing is missing
        assert r.store.count("activities") == len(athlete.runs)
        assert r.store.count("splits") == sum(len(run.splits_mi) for run in athlete.runs)
        assert sum(rep.runs_synced for rep in r.reports) == len(athlete.runs)


def test_the_request_budget_ledger_persists_between_syncs(athlete: Athlete) -> None:
    with rig(athlete) as r:
        per_hour = 36_000
        r.budget = RequestBudget(per_hour)
        report = r.sync()
        saved = r.store.get_state("request_budget")
        spent = per_hour - report.requests
        refilled = (report.duration_s + 1) * per_hour / 3600
        assert spent <= saved["tokens"] <= spent + refilled


def test_a_sync_records_when_it_finished_and_how_it_went(athlete: Athlete) -> None:
    with rig(athlete) as r:
        r.sync()
        attempt = r.store.get_state("last_sync_attempt")
        last_sync = r.store.get_state("last_sync")
        assert attempt["status"] == "success"
        assert attempt["error"] is None
        assert attempt["at"] == last_sync
        assert datetime.fromisoformat(last_sync) >= NOW


class InFlight:
    """Counts split requests under way at once."""

    def __init__(self, inner: ActivitySource) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._now = 0
        self.most = 0
        self.page_size = inner.page_size

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        return self._inner.search(from_date, page)

    def activity_ids(self, page: int) -> Sequence[str]:
        return self._inner.activity_ids(page)

    def activity(self, activity_id: str) -> SearchPage:
        return self._inner.activity(activity_id)

    def splits(self, activity_id: str, unit: str) -> SplitsResult:
        with self._lock:
            self._now += 1
            self.most = max(self.most, self._now)
        try:
            return self._inner.splits(activity_id, unit)  # type: ignore[arg-type]
        finally:
            with self._lock:
                self._now -= 1


def test_splits_are_fetched_several_at_once_but_never_more_than_the_concurrency(
    athlete: Athlete,
) -> None:
    watched: list[InFlight] = []

    def watch(source: ActivitySource) -> InFlight:
        watched.append(InFlight(source))
        return watched[-1]

    with rig(athlete, latency_s=0.02) as r:
        report = r.sync(concurrency=3, wrap=watch)
    assert report.status is SyncStatus.SUCCESS
    assert 1 < watched[0].most <= 3
