"""The sync's pure core (`usecases.sync.plan`): what a page, a sweep and failed splits
change, decided without a store, a source or a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from in_memory_source import as_source

from helpers import run
from streakcore.ports import RejectedPayload, SearchPage
from streakcore.usecases.sync.plan import (
    MAX_SPLIT_ATTEMPTS,
    OVERLAP,
    SWEEP_SAMPLE,
    Checkpoint,
    SearchPass,
    merge_page,
    next_search,
    payload_digest,
    plan_sweep,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_page_skips_unchanged_runs_and_asks_splits_only_for_new_shapes() -> None:
    # given a stored run, an edit of another's notes, and a new run
    same, edited, new = (
        run("2026-11-01", activity_id="1"),
        run("2026-11-02", activity_id="2"),
        run("2026-11-03", activity_id="3"),
    )
    stored = {"1": as_source(same).fingerprint, "2": as_source(edited).fingerprint}
    renamed = edited.model_copy(update={"notes": "hills"})
    page = SearchPage(accepted=[as_source(new), as_source(renamed), as_source(same)], size=3)
    # when the page is merged
    merge = merge_page(page, stored)
    # then the unchanged run is skipped, the edit re-stored without a splits request
    assert [s.activity.activity_id for s in merge.upserts] == ["3", "2"]
    assert merge.needs_splits == ["3"]
    assert merge.accepted_ids == ["3", "2", "1"]


def test_a_rejected_payload_is_quarantined_once_whatever_pages_repeat_it() -> None:
    # given a payload SmashRun sends twice on one page, already quarantined once before
    bad = RejectedPayload("activities/search", "distance missing", '{"activityId": 9}', "9")
    page = SearchPage(rejected=[bad, bad], size=2)
    # when the page is merged, first fresh and then with the earlier quarantine known
    fresh = merge_page(page, {})
    known = merge_page(page, {}, rejected={"9": payload_digest(bad.payload)})
    # then it is quarantined once, and not again
    assert fresh.quarantined == [bad]
    assert fresh.rejected == {"9": payload_digest(bad.payload)}
    assert known.quarantined == []


def test_a_run_whose_splits_keep_failing_is_given_up_after_the_bound_and_asked_again_by_full() -> (
    None
):
    # given a backlog of two runs, one of which keeps failing
    checkpoint = Checkpoint(backlog=["1", "2"])
    # when its failures are counted in MAX_SPLIT_ATTEMPTS syncs
    given_up = [checkpoint.count_split_failures(["2"]) for _ in range(MAX_SPLIT_ATTEMPTS)]
    # then it leaves the backlog at the bound, and a full sync puts it back
    assert given_up[-1] == ["2"]
    assert not any(given_up[:-1])
    assert checkpoint.backlog == ["1"]
    assert checkpoint.splits_given_up == ["2"]
    checkpoint.retry_given_up()
    assert checkpoint.backlog == ["1", "2"]
    assert checkpoint.splits_given_up == []


def test_a_sweep_that_lists_nothing_while_runs_are_stored_deletes_nothing() -> None:
    plan = plan_sweep([], live={"1", "2"}, quarantined=set())
    assert not plan.trusted
    assert plan.candidates == []
    assert plan.warning is not None
    assert "nothing was marked deleted" in plan.warning


def test_a_sweep_missing_many_runs_confirms_a_sample_first() -> None:
    live = {str(i) for i in range(40)}
    listed = sorted(live)[: 40 - (SWEEP_SAMPLE + 5)]
    plan = plan_sweep(listed, live, set())
    assert plan.trusted
    assert plan.sample_first
    assert len(plan.candidates) == SWEEP_SAMPLE + 5


def test_a_sweep_fetches_listed_runs_it_does_not_have_unless_quarantined() -> None:
    plan = plan_sweep(["1", "2", "3"], live={"1"}, quarantined={"3"})
    assert plan.unknown == ["2"]
    assert plan.candidates == []


@pytest.mark.parametrize(
    ("checkpoint", "full", "from_date"),
    [
        (Checkpoint(), False, None),
        (Checkpoint(watermark=NOW - timedelta(days=3)), False, NOW - timedelta(days=3) - OVERLAP),
        (Checkpoint(watermark=NOW - timedelta(days=3)), True, None),
    ],
)
def test_the_search_starts_from_the_watermark_less_the_overlap_unless_full(
    checkpoint: Checkpoint, full: bool, from_date: datetime | None
) -> None:
    search = next_search(checkpoint, NOW, full=full)
    assert search == SearchPass(from_date=from_date, started_at=NOW)


def test_a_finished_search_moves_the_watermark_to_where_it_began_and_calls_for_a_sweep() -> None:
    checkpoint = Checkpoint(search=SearchPass(from_date=None, started_at=NOW))
    checkpoint.end_search(NOW + timedelta(minutes=2))
    assert checkpoint.watermark == NOW
    assert checkpoint.sweep_ready()
