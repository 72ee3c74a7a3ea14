"""`last_sync` moves only when SmashRun answered: a sync that gets nothing but refusals
(429s, an outage) is `failed` and leaves it where it was, so a stale store looks stale."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fixtures.smashrun_sync import SyncRig, rig
from streakcore.testing import Athlete, FakeSmashRun, RateLimit, recent_athlete
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR_S = 3600.0
HOURLY = 400
"""Enough for one good first sync of the athlete below (190 runs: about 194 requests)."""
SEARCH = "/my/activities/search"
RETRY_AFTER = re.compile(r"try again after (\S+Z)\.")


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def use_up_the_hourly_limit(fake: FakeSmashRun) -> None:
    """Another client (the Lambda, a notebook) spends what is left of SmashRun's hour."""
    headers = {"Authorization": f"Bearer {fake.access_token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        for _ in range(HOURLY + 1):
            if http.get("/my/userinfo").status_code == 429:
                return
    raise AssertionError("the fake never answered 429")


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def rate_limited(r: SyncRig) -> None:
    use_up_the_hourly_limit(r.fake)


def search_down(r: SyncRig) -> None:
    r.fake.inject(SEARCH, 503, times=4)


Refusal = Callable[[SyncRig], None]


@pytest.mark.parametrize(
    ("refuse", "says"),
    [
        pytest.param(rate_limited, "rate limited", id="rate-limited"),
        pytest.param(search_down, "kept failing", id="down"),
    ],
)
@pytest.mark.parametrize("synced_before", [True, False], ids=["synced-before", "first-sync"])
def test_a_sync_that_gets_no_answer_fails_and_leaves_last_sync_where_it_was(
    athlete: Athlete, refuse: Refusal, says: str, synced_before: bool
) -> None:
    with rig(athlete, rate_limit=RateLimit(HOURLY, HOUR_S)) as r:
        # given a store synced an hour ago (or never), and SmashRun refusing everything now
        if synced_before:
            assert r.sync().status is SyncStatus.SUCCESS
        before = r.store.get_state("last_sync")
        r.fake.advance(60)
        refuse(r)
        # when the sync runs
        report = r.sync()
        # then it failed, says why, and last_sync did not move; the attempt is recorded
        assert report.status is SyncStatus.FAILED
        assert says in (report.error or "")
        assert report.runs_synced == 0
        assert r.store.get_state("last_sync") == before
        attempt = r.store.get_state("last_sync_attempt")
        assert attempt["status"] == "failed"
        assert attempt["at"] == stamp(r.fake.now())


def test_a_sync_rate_limited_before_any_answer_names_when_to_try_again_and_that_works(
    athlete: Athlete,
) -> None:
    with rig(athlete, rate_limit=RateLimit(HOURLY, HOUR_S)) as r:
        # given a synced store, and SmashRun's hour used up by someone else
        r.sync()
        r.fake.advance(600)
        use_up_the_hourly_limit(r.fake)
        # when the sync runs into the limit
        failed = r.sync()
        # then the error names an instant after now, within the hour SmashRun counts
        found = RETRY_AFTER.search(failed.error or "")
        assert found is not None, failed.error
        retry_at = datetime.fromisoformat(found.group(1))
        assert r.fake.now() < retry_at <= r.fake.now() + timedelta(seconds=HOUR_S)
        # and a sync at that instant gets through and stamps last_sync with it
        r.fake.set_now(retry_at)
        again = r.sync()
        assert again.status is SyncStatus.SUCCESS
        assert r.store.get_state("last_sync") == stamp(retry_at)


def test_a_sync_rate_limited_after_some_answers_is_partial_and_stamps_last_sync(
    athlete: Athlete,
) -> None:
    # given a SmashRun that allows a first sync a dozen requests this hour
    with rig(athlete, rate_limit=RateLimit(12, HOUR_S)) as r:
        # when the sync runs into the limit after storing some runs
        report = r.sync()
        # then it is partial, not failed, and last_sync says SmashRun was heard from now
        assert report.status is SyncStatus.PARTIAL
        assert report.runs_synced > 0
        assert "rate limit" in (report.error or "").lower()
        assert r.store.get_state("last_sync") == stamp(r.fake.now())


def test_a_resumed_sync_whose_every_splits_request_is_refused_fails(athlete: Athlete) -> None:
    with rig(athlete, rate_limit=RateLimit(12, HOUR_S)) as r:
        # given a sync stopped by the limit with runs still waiting for their splits
        first = r.sync()
        assert first.status is SyncStatus.PARTIAL
        assert first.backlog > 0
        stamped = r.store.get_state("last_sync")
        # when the next sync, still inside SmashRun's hour, gets only 429s
        r.fake.advance(60)
        second = r.sync()
        # then the refused splits do not count as progress: failed, last_sync unmoved
        assert second.status is SyncStatus.FAILED
        assert second.splits_stored == 0
        assert second.backlog == first.backlog
        assert r.store.get_state("last_sync") == stamped


def test_a_budget_stop_after_the_first_page_is_partial_and_stamps_last_sync(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # given no time to spare: the sync stops after its first batch
        report = r.sync(budget_s=0)
        # then it is partial with no error, and SmashRun was heard from now
        assert report.status is SyncStatus.PARTIAL
        assert report.error is None
        assert r.store.get_state("last_sync") == stamp(r.fake.now())


def test_an_idle_resync_with_no_new_runs_succeeds_and_stamps_last_sync_again(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # given a store synced a day ago, and no run since
        r.sync()
        first = r.store.get_state("last_sync")
        r.fake.advance(86_400)
        # when the sync runs again
        report = r.sync()
        # then nothing new came, and last_sync moved to now
        assert report.status is SyncStatus.SUCCESS
        assert report.runs_synced == 0
        assert r.store.get_state("last_sync") == stamp(r.fake.now())
        assert r.store.get_state("last_sync") != first
