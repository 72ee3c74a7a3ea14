"""What happens at SmashRun between syncs: late uploads, edits, deletions, broken payloads."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from fixtures.smashrun_sync import SyncRig, rig
from streakcore.ports import ActivitySource, SearchPage, SplitsResult
from streakcore.testing import UNKNOWN_ENUM_VALUE, Athlete, recent_athlete
from streakcore.usecases.sync import SyncStatus
from streakcore.usecases.sync.base import CHECKPOINT_KEY

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def sweep_pages(runs: int) -> int:
    return max(1, math.ceil(runs / 100))


def test_a_run_uploaded_days_late_is_picked_up_with_one_search_and_one_splits_call(
    athlete: Athlete,
) -> None:
    # given a run from ten days ago that had not reached SmashRun at the first sync
    held_back = athlete.runs[-10]
    others = [run for run in athlete.runs if run is not held_back]
    with rig(others, clock=lambda: NOW) as r:
        r.sync()
        r.fake.reset_requests()
        # when it is uploaded now
        r.fake.add_activity(held_back.activity, held_back.splits_mi, held_back.splits_km)
        report = r.sync()
        # then
        assert str(held_back.activity_id) in r.store.live_ids()
        assert len(r.store.splits([str(held_back.activity_id)])) == len(held_back.splits_mi)
        assert report.runs_synced == 1
        assert r.fake.count("/my/activities/search?") == 0
        assert r.fake.count(f"/my/activities/{held_back.activity_id}/splits/mi") == 1
        assert len(r.fake.requests) == 1 + 1 + sweep_pages(len(athlete.runs))


def test_an_edited_note_is_stored_without_fetching_splits_again(athlete: Athlete) -> None:
    run = athlete.runs[5]
    with rig(athlete) as r:
        r.sync()
        r.fake.reset_requests()
        r.fake.edit_activity(run.activity_id, notes="Actually it rained")
        report = r.sync()
        stored = {a.activity_id: a for a in r.store.activities()}[str(run.activity_id)]
        assert stored.notes == "Actually it rained"
        assert report.runs_synced == 1
        assert r.fake.count("/my/activities/4") == 0


def test_an_edited_distance_fetches_that_runs_splits_again(athlete: Athlete) -> None:
    run = next(run for run in athlete.runs if run.splits_mi)
    with rig(athlete) as r:
        r.sync()
        r.fake.reset_requests()
        r.fake.edit_activity(run.activity_id, distance=run.activity["distance"] + 1.0)
        report = r.sync()
        stored = {a.activity_id: a for a in r.store.activities()}[str(run.activity_id)]
        assert stored.distance_m == pytest.approx((run.activity["distance"] + 1.0) * 1000)
        assert r.fake.count(f"/my/activities/{run.activity_id}/splits/mi") == 1
        assert r.fake.count("/my/activities/4") == 1
        assert report.splits_stored == len(run.splits_mi)


def test_a_run_deleted_at_smashrun_is_marked_deleted_once_smashrun_confirms(
    athlete: Athlete,
) -> None:
    run = athlete.runs[3]
    with rig(athlete) as r:
        r.sync()
        r.fake.reset_requests()
        r.fake.delete_activity(run.activity_id)
        report = r.sync()
        assert report.deleted == 1
        assert str(run.activity_id) not in r.store.live_ids()
        assert r.store.count("activities") == len(athlete.runs)  # kept, marked deleted
        # the confirmation is the only request beyond an idle sync
        assert r.fake.count(f"/my/activities/{run.activity_id}", status=404) == 1
        assert len(r.fake.requests) == 1 + sweep_pages(len(athlete.runs) - 1) + 1


def test_a_sweep_that_lists_nothing_deletes_nothing(athlete: Athlete) -> None:
    with rig(athlete) as r:
        r.sync()
        for run in athlete.runs:
            r.fake.delete_activity(run.activity_id)
        r.fake.reset_requests()
        report = r.sync()
        assert len(r.store.live_ids()) == len(athlete.runs)
        assert report.deleted == 0
        assert any("nothing was marked deleted" in w for w in report.warnings)
        assert r.fake.count("/my/activities/4") == 0


class IdsLeftOut:
    """A SmashRun whose id list forgets runs it still has (its details still answer)."""

    def __init__(self, inner: ActivitySource, forgotten: set[str]) -> None:
        self._inner = inner
        self._forgotten = forgotten
        self.page_size = inner.page_size

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        return self._inner.search(from_date, page)

    def activity_ids(self, page: int) -> Sequence[str]:
        return [i for i in self._inner.activity_ids(page) if i not in self._forgotten]

    def activity(self, activity_id: str) -> SearchPage:
        return self._inner.activity(activity_id)

    def splits(self, activity_id: str, unit: str) -> SplitsResult:
        return self._inner.splits(activity_id, unit)  # type: ignore[arg-type]


def test_an_id_list_that_forgets_many_runs_that_still_exist_deletes_none(
    athlete: Athlete,
) -> None:
    forgotten = {str(run.activity_id) for run in athlete.runs[:60]}
    with rig(athlete) as r:
        r.sync()
        r.fake.reset_requests()
        report = r.sync(wrap=lambda source: IdsLeftOut(source, forgotten))
        assert report.deleted == 0
        assert len(r.store.live_ids()) == len(athlete.runs)
        assert any("still has the ones we checked" in w for w in report.warnings)
        # one check settled it: the first run looked up still exists, so the list is wrong
        assert r.fake.count("/my/activities/4") == 1


def test_an_id_list_that_forgets_one_existing_run_does_not_delete_it(athlete: Athlete) -> None:
    forgotten = {str(athlete.runs[7].activity_id)}
    with rig(athlete) as r:
        r.sync()
        report = r.sync(wrap=lambda source: IdsLeftOut(source, forgotten))
        assert report.deleted == 0
        assert forgotten <= r.store.live_ids()


def test_a_run_the_search_never_showed_is_fetched_when_the_sweep_finds_it(
    athlete: Athlete,
) -> None:
    # given a run uploaded with a date so old that no incremental search will ever see it
    held_back = athlete.runs[20]
    others = [run for run in athlete.runs if run is not held_back]
    with rig(others, clock=lambda: NOW) as r:
        r.sync()
        r.fake.add_activity(
            held_back.activity,
            held_back.splits_mi,
            held_back.splits_km,
            uploaded_at=NOW - timedelta(days=90),
        )
        r.fake.reset_requests()
        # when
        report = r.sync()
        # then the sweep noticed it, and its detail and splits were fetched
        assert str(held_back.activity_id) in r.store.live_ids()
        assert len(r.store.splits([str(held_back.activity_id)])) == len(held_back.splits_mi)
        assert r.fake.count(f"/my/activities/{held_back.activity_id}") == 2
        assert report.runs_synced == 1


def test_a_run_we_cannot_read_is_quarantined_once_and_the_rest_are_stored(
    athlete: Athlete,
) -> None:
    # given a run whose start carries no offset
    broken = {**athlete.runs[-1].activity, "activityId": 9_000_001}
    broken["startDateTimeLocal"] = broken["startDateTimeLocal"][:19]
    with rig(athlete, clock=lambda: NOW) as r:
        r.fake.add_activity(broken)
        # when two syncs run
        first = r.sync()
        r.fake.reset_requests()
        second = r.sync()
        # then it was quarantined with its reason, once, and never fetched on its own
        assert first.quarantined == 1
        assert first.status is SyncStatus.SUCCESS
        assert second.quarantined == 0
        rows = r.store.quarantined()
        assert [(row["activity_id"], row["source"]) for row in rows] == [
            ("9000001", "activities/search")
        ]
        assert "no UTC offset" in rows[0]["reason"]
        assert "9000001" not in r.store.live_ids()
        assert r.store.count("activities") == len(athlete.runs)
        assert r.fake.count("/my/activities/9000001") == 0


def test_a_fixed_run_leaves_quarantine_behind_and_is_stored(athlete: Athlete) -> None:
    broken = {**athlete.runs[-1].activity, "activityId": 9_000_002}
    good_start = broken["startDateTimeLocal"]
    broken["startDateTimeLocal"] = good_start[:19]
    with rig(athlete, clock=lambda: NOW) as r:
        r.fake.add_activity(broken)
        r.sync()
        r.fake.advance(60)
        r.fake.edit_activity(9_000_002, startDateTimeLocal=good_start)
        report = r.sync()
        assert "9000002" in r.store.live_ids()
        assert report.runs_synced == 1
        assert r.store.count("quarantine") == 1


def test_unknown_enum_values_keep_every_run(athlete: Athlete) -> None:
    with rig(athlete) as r:
        r.fake.inject("/my/activities/search", "unknown_enum", times=10)
        report = r.sync()
        assert report.quarantined == 0
        assert len(r.store.live_ids()) == len(athlete.runs)
        payloads = r.store.connection.execute("SELECT payload FROM activities").fetchall()
        assert any(UNKNOWN_ENUM_VALUE in p[0] for p in payloads)


class UploadDuringTheSearch:
    """Before page 1 is read, a new run arrives (shifting every page by one) and the run
    that ended page 0 is edited, so page 1 starts with its new version. Then the time
    budget runs out before that new version's splits can be asked for."""

    def __init__(
        self, inner: ActivitySource, r: SyncRig, arrive: Callable[[], None], budget_s: float
    ) -> None:
        self._inner = inner
        self._r = r
        self._arrive = arrive
        self._budget_s = budget_s
        self.page_size = inner.page_size

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        if page == 1:
            # Let every split of page 0 come back, and the budget run out, first.
            deadline = time.monotonic() + 10
            while self._r.fake.count("/my/activities/4") < 100 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(self._budget_s)
            self._arrive()
        return self._inner.search(from_date, page)

    def activity_ids(self, page: int) -> Sequence[str]:
        return self._inner.activity_ids(page)

    def activity(self, activity_id: str) -> SearchPage:
        return self._inner.activity(activity_id)

    def splits(self, activity_id: str, unit: str) -> SplitsResult:
        return self._inner.splits(activity_id, unit)  # type: ignore[arg-type]


def test_a_run_edited_while_its_splits_were_fetched_keeps_its_newest_version(
    athlete: Athlete,
) -> None:
    # given the 100th newest run, whose splits are fetched from page 0 and which is then
    # edited and shows up again at the top of page 1
    newest_first = sorted(
        athlete.runs, key=lambda run: datetime.fromisoformat(run.activity["startDateTimeLocal"])
    )[::-1]
    edited = newest_first[99]
    newest = newest_first[0]
    start = datetime.fromisoformat(newest.activity["startDateTimeLocal"]) + timedelta(minutes=1)
    arrival = {**newest.activity, "activityId": 9_000_100, "startDateTimeLocal": start.isoformat()}
    new_distance_km = edited.activity["distance"] + 2
    with rig(athlete) as r:

        def arrive() -> None:
            r.fake.edit_activity(edited.activity_id, distance=new_distance_km)
            r.fake.add_activity(arrival, newest.splits_mi, newest.splits_km)

        # when the budget runs out before the new version's splits are asked for
        first = r.sync(
            budget_s=1.0,
            wrap=lambda source: UploadDuringTheSearch(source, r, arrive, budget_s=1.0),
        )
        # then the older answer did not overwrite the newer summary, and the run still
        # waits for its splits
        assert first.status is SyncStatus.PARTIAL
        stored = {a.activity_id: a for a in r.store.activities()}
        assert stored[str(edited.activity_id)].distance_m == pytest.approx(new_distance_km * 1000)
        assert str(edited.activity_id) in r.store.get_state(CHECKPOINT_KEY)["backlog"]
        # and the next sync finishes it
        second = r.sync()
        assert second.status is SyncStatus.SUCCESS
        assert len(r.store.splits([str(edited.activity_id)])) == len(edited.splits_mi)
        # and the search after it finds the run uploaded during the first pass (a first
        # backfill into an empty store makes no id sweep that would have found it sooner)
        r.sync()
        assert "9000100" in r.store.live_ids()
