"""One run whose splits never come back does not hold the sync up for ever, and an outage
of SmashRun's splits does not cost a good run its splits.

A run's splits failing counts against the run only in a sync where SmashRun answered the
splits of another run: when nothing comes back, the fault is SmashRun's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fixtures.smashrun_sync import SyncRig, rig
from streakcore.errors import (
    SmashRunAuthError,
    SmashRunError,
    SmashRunRateLimited,
    SmashRunUnavailable,
)
from streakcore.testing import Athlete, recent_athlete
from streakcore.usecases.sync import SyncStatus
from streakcore.usecases.sync.plan import MAX_SPLIT_ATTEMPTS, Checkpoint
from streakcore.usecases.sync.splits import may_be_the_runs_own

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FOREVER = 10_000
"""Times a fault fires: more than any test asks."""


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def _upload(r: SyncRig, athlete: Athlete, back: int) -> int:
    """A copy of the run `back` from the last, uploaded an hour ago under a new id."""
    run = athlete.runs[-back]
    payload = {k: v for k, v in run.activity.items() if k != "activityId"}
    return r.fake.add_activity(
        payload, run.splits_mi, run.splits_km, uploaded_at=NOW - timedelta(hours=1)
    )


def _splits_of(activity_id: int) -> str:
    return f"/my/activities/{activity_id}/splits/*"


@pytest.mark.parametrize("fault", [500, "not_a_list"], ids=["http-500", "not-a-list"])
def test_a_run_whose_splits_always_fail_is_quarantined_after_a_few_syncs_and_the_sync_moves_on(
    athlete: Athlete, fault: Any
) -> None:
    with rig(athlete) as r:
        # given a synced athlete, one new run whose splits always fail, and a deletion
        assert r.sync().status is SyncStatus.SUCCESS
        poisoned = _upload(r, athlete, back=1)
        r.fake.inject(_splits_of(poisoned), fault, times=FOREVER)
        deleted = athlete.runs[0].activity_id
        r.fake.delete_activity(deleted)
        # when syncs keep running into it
        reports = [r.sync() for _ in range(MAX_SPLIT_ATTEMPTS)]
        # then each but the last stops short and says why; nothing is quarantined meanwhile
        for report in reports[:-1]:
            assert report.status is SyncStatus.PARTIAL
            assert report.error is not None
            assert report.quarantined == 0
            assert report.backlog == 1
        # and the last gives up on its splits: quarantined, the run kept, the sweep done
        last = reports[-1]
        assert last.status is SyncStatus.SUCCESS
        assert (last.quarantined, last.backlog, last.deleted) == (1, 0, 1)
        assert any(str(poisoned) in warning for warning in last.warnings)
        assert str(poisoned) in r.store.live_ids()
        assert str(deleted) not in r.store.live_ids()
        assert r.store.splits([str(poisoned)]) == []
        [row] = r.store.quarantined()
        assert row["activity_id"] == str(poisoned)
        assert "splits" in row["source"]
        # and the next sync is an ordinary idle one that does not ask for them again
        asked = r.fake.count(f"/my/activities/{poisoned}/splits")
        idle = r.sync()
        assert (idle.status, idle.quarantined, idle.backlog) == (SyncStatus.SUCCESS, 0, 0)
        assert r.fake.count(f"/my/activities/{poisoned}/splits") == asked


def test_a_run_whose_splits_fail_in_the_first_backfill_is_counted_against_the_others(
    athlete: Athlete,
) -> None:
    # given a first backfill in which one run's splits always fail
    poisoned = athlete.runs[len(athlete.runs) // 2].activity_id
    with rig(athlete) as r:
        r.fake.inject(_splits_of(poisoned), 502, times=FOREVER)
        # when syncs run
        reports = [r.sync() for _ in range(MAX_SPLIT_ATTEMPTS)]
        # then every other run has its splits, and the bad one is given up on at the bound
        assert [x.quarantined for x in reports] == [0] * (MAX_SPLIT_ATTEMPTS - 1) + [1]
        assert reports[-1].status is SyncStatus.SUCCESS
        assert len(r.store.live_ids()) == len(athlete.runs)


def test_an_outage_of_every_splits_request_quarantines_nothing_however_long_it_lasts(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # given a synced athlete with two new runs, and SmashRun's splits down for everyone
        assert r.sync().status is SyncStatus.SUCCESS
        new = [_upload(r, athlete, back=1), _upload(r, athlete, back=2)]
        r.fake.inject("/my/activities/*/splits/*", 503, times=FOREVER)
        # when many syncs run during the outage
        reports = [r.sync() for _ in range(MAX_SPLIT_ATTEMPTS * 2)]
        # then none gives up on anything: the runs are stored and still wait for splits
        assert all(x.status in (SyncStatus.PARTIAL, SyncStatus.FAILED) for x in reports)
        assert all(x.quarantined == 0 for x in reports)
        assert all(x.backlog == 2 for x in reports)
        assert {str(i) for i in new} <= r.store.live_ids()
        # and once SmashRun is back, one sync fetches their splits
        r.fake.clear_faults()
        back = r.sync()
        assert (back.status, back.quarantined, back.backlog) == (SyncStatus.SUCCESS, 0, 0)
        assert [len(r.store.splits([str(i)])) > 0 for i in new] == [True, True], back
        assert r.store.count("quarantine") == 0


def test_a_run_whose_splits_fail_only_in_syncs_where_nothing_answers_is_never_given_up(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # given a new run whose splits fail, in syncs where SmashRun's splits fail for all
        assert r.sync().status is SyncStatus.SUCCESS
        poisoned = _upload(r, athlete, back=1)
        r.fake.inject(_splits_of(poisoned), 500, times=FOREVER)
        for _ in range(MAX_SPLIT_ATTEMPTS - 1):
            assert r.sync().quarantined == 0
        # when one more sync runs during a general outage
        r.fake.inject("/my/activities/*/splits/*", 503, times=FOREVER)
        during_outage = r.sync()
        # then that sync does not count: the run is still waiting, not quarantined
        assert (during_outage.quarantined, during_outage.backlog) == (0, 1)


def test_a_full_sync_asks_again_for_the_splits_it_gave_up_on(athlete: Athlete) -> None:
    with rig(athlete) as r:
        # given a run whose splits were given up on
        assert r.sync().status is SyncStatus.SUCCESS
        poisoned = _upload(r, athlete, back=1)
        r.fake.inject(_splits_of(poisoned), 500, times=FOREVER)
        for _ in range(MAX_SPLIT_ATTEMPTS):
            r.sync()
        assert r.store.splits([str(poisoned)]) == []
        # when SmashRun serves them again and the runner asks for a full sync
        r.fake.clear_faults()
        again = r.sync(full=True)
        # then the run gets its splits
        assert (again.status, again.backlog) == (SyncStatus.SUCCESS, 0)
        assert r.store.splits([str(poisoned)]) != []
        # and a plain sync does not ask for them a second time
        r.fake.reset_requests()
        r.sync()
        assert r.fake.count(f"/my/activities/{poisoned}/splits") == 0


@pytest.mark.parametrize(
    ("error", "counts"),
    [
        pytest.param(SmashRunUnavailable("HTTP 500 four times"), True, id="retried in full"),
        pytest.param(SmashRunError("the splits answer is not a JSON list"), True, id="not a list"),
        pytest.param(SmashRunUnavailable("HTTP 500", cut_short=True), False, id="cut short"),
        pytest.param(SmashRunRateLimited(30), False, id="rate limited"),
        pytest.param(SmashRunAuthError(), False, id="token refused"),
    ],
)
def test_only_a_failure_that_may_be_the_runs_own_counts_against_it(
    error: SmashRunError, counts: bool
) -> None:
    assert may_be_the_runs_own(error) is counts


def test_a_run_whose_splits_come_back_starts_its_count_again() -> None:
    # given a run whose splits failed in two syncs
    checkpoint = Checkpoint(backlog=["7"])
    assert checkpoint.count_split_failures(["7"]) == []
    assert checkpoint.count_split_failures(["7"]) == []
    # when they come back, and later the run needs splits again and they fail once
    checkpoint.settle_splits(finished={"7"}, failed=set())
    checkpoint.backlog = ["7"]
    # then that failure is its first, not its third
    assert checkpoint.count_split_failures(["7"]) == []
    assert checkpoint.split_failures == {"7": 1}
    assert checkpoint.backlog == ["7"]


def test_a_checkpoint_written_before_failures_were_counted_still_loads() -> None:
    old = {"watermark": None, "backlog": ["7"], "sweep_due": False, "rejected": {}}
    checkpoint = Checkpoint.model_validate(old)
    assert (checkpoint.split_failures, checkpoint.splits_given_up) == ({}, [])
