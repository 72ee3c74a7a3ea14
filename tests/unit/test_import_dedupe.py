"""One run counted once: same-run tolerances, richest record wins, order does not matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streakcore.domain.dedupe import (
    DISTANCE_TOLERANCE,
    START_TOLERANCE_S,
    RunRecord,
    groups,
    kept,
    merge,
    richest,
    same_run,
)

T0 = datetime(2017, 10, 8, 14, 54, 11, tzinfo=UTC)


def record(
    source: str = "fit",
    source_id: str = "a",
    *,
    at_s: float = 0.0,
    distance_m: float = 5000.0,
    duration_s: float | None = 1800.0,
    has_splits: bool = True,
    from_file: bool = True,
) -> RunRecord:
    return RunRecord(
        source,
        source_id,
        T0 + timedelta(seconds=at_s),
        distance_m,
        duration_s,
        has_splits,
        from_file,
    )


def test_the_fit_and_gpx_of_one_run_are_one_run_and_the_fit_is_kept() -> None:
    # given the Corenc pair's figures: FIT stream 4489 m, GPX points 4395 m, same start
    fit = record("fit", "4e0d", distance_m=4489.39, duration_s=2820.0)
    gpx = record("gpx", "0423", distance_m=4395.2, duration_s=2818.0)
    # then they are the same run, and the FIT (device stream, local offset) is kept
    assert same_run(fit, gpx)
    assert kept([gpx, fit]) == [fit]


@pytest.mark.parametrize("apart_s", [0.0, 5.0, 60.0, 119.0, 180.0])
def test_copies_started_seconds_to_minutes_apart_are_one_run(apart_s: float) -> None:
    assert same_run(record(), record("smashrun", "9", at_s=apart_s, distance_m=5100.0))


def test_a_morning_and_an_evening_run_of_the_same_distance_are_two_runs() -> None:
    morning = record("fit", "am")
    evening = record("fit", "pm", at_s=10 * 3600)
    assert not same_run(morning, evening)
    assert len(kept([morning, evening])) == 2


def test_two_runs_minutes_apart_of_very_different_distance_are_two_runs() -> None:
    # given strides of 400 m for 2 minutes, then a 5 km run starting 2 minutes 30 later
    strides = record("fit", "s", distance_m=400.0, duration_s=120.0)
    long_run = record("fit", "l", at_s=150.0, distance_m=5000.0)
    assert not same_run(strides, long_run)


def test_two_short_runs_of_one_distance_that_do_not_overlap_are_two_runs() -> None:
    # given two 300 m jogs, the second starting after the first had ended
    first = record("fit", "1", distance_m=300.0, duration_s=100.0)
    second = record("fit", "2", at_s=150.0, distance_m=310.0, duration_s=100.0)
    assert not same_run(first, second)


def test_distances_more_than_the_tolerance_apart_are_two_runs() -> None:
    longer = 5000.0
    within = longer * (1 - DISTANCE_TOLERANCE) + 1
    beyond = longer * (1 - DISTANCE_TOLERANCE) - 1
    assert same_run(record(distance_m=longer), record("gpx", "b", distance_m=within))
    assert not same_run(record(distance_m=longer), record("gpx", "b", distance_m=beyond))


def test_a_short_run_keeps_a_floor_of_distance_tolerance() -> None:
    # given a 160 m jog read as 230 m by another device (44% apart, 70 m)
    assert same_run(record(distance_m=160.0, duration_s=60.0), record("gpx", "b", distance_m=230.0))


def test_starts_past_the_tolerance_are_two_runs() -> None:
    assert not same_run(record(), record("gpx", "b", at_s=START_TOLERANCE_S + 1))


@pytest.mark.parametrize(
    ("winner", "loser"),
    [
        (record("gpx", "g", has_splits=True), record("fit", "f", has_splits=False)),
        (
            record("fit", "f", has_splits=False, from_file=True),
            record("smashrun", "s", has_splits=False, from_file=False),
        ),
        (record("fit", "f"), record("tcx", "t")),
        (record("tcx", "t"), record("gpx", "g")),
        (record("gpx", "g"), record("smashrun", "s", from_file=False)),
        (
            record("strava-export", "1", has_splits=False, from_file=False),
            record("manual", "m", has_splits=False, from_file=False),
        ),
        (record("fit", "aaa"), record("fit", "bbb")),
    ],
    ids=[
        "splits beat none",
        "device file beats summary",
        "fit beats tcx",
        "tcx beats gpx",
        "file beats smashrun",
        "strava summary beats manual",
        "tie broken by source id",
    ],
)
def test_the_richest_record_wins(winner: RunRecord, loser: RunRecord) -> None:
    assert richest([loser, winner]) == winner
    assert richest([winner, loser]) == winner


def test_a_later_smashrun_copy_merges_into_the_imported_run() -> None:
    imported = record("fit", "f")
    decision = merge(
        record("smashrun", "123", at_s=2.0, has_splits=True, from_file=False), [imported]
    )
    assert decision.keep == imported
    assert not decision.is_new_run
    assert [r.source for r in decision.superseded] == ["smashrun"]


def test_a_run_seen_for_the_first_time_is_new() -> None:
    other_day = record("fit", "x", at_s=86_400.0)
    decision = merge(record("gpx", "g"), [other_day])
    assert decision.is_new_run
    assert decision.superseded == ()


def test_a_record_that_bridges_two_kept_runs_joins_them() -> None:
    # given A and C 300 s apart (two runs), then B between them matching both
    a = record("gpx", "a", at_s=0.0, duration_s=3600.0)
    c = record("gpx", "c", at_s=300.0, duration_s=3600.0)
    b = record("fit", "b", at_s=150.0, duration_s=3600.0)
    assert len(kept([a, c])) == 2
    decision = merge(b, [a, c])
    assert decision.keep == b
    assert set(decision.superseded) == {a, c}


# --- order of arrival -------------------------------------------------------------------

SOURCES = st.sampled_from(["fit", "tcx", "gpx", "strava-export", "smashrun", "manual"])


@st.composite
def duplicated_runs(draw: st.DrawFn) -> tuple[int, list[RunRecord]]:
    """A few real runs hours apart, each reaching us 1-4 times as near-duplicates (copies
    within half the tolerances of the real run, so within the tolerances of each other),
    at most once from SmashRun (which holds a run once)."""
    n_runs = draw(st.integers(1, 4))
    records: list[RunRecord] = []
    for run in range(n_runs):
        base_s = run * 6 * 3600.0 + draw(st.floats(0, 3600))
        base_m = draw(st.floats(1000.0, 42_195.0))
        sources = draw(
            st.lists(SOURCES, min_size=1, max_size=4).filter(lambda s: s.count("smashrun") < 2)
        )
        for copy, source in enumerate(sources):
            records.append(
                RunRecord(
                    source=source,
                    source_id=f"{run}-{copy}",
                    start_utc=T0 + timedelta(seconds=base_s + draw(st.floats(-89, 89))),
                    distance_m=base_m * (1 + draw(st.floats(-0.045, 0.045))),
                    duration_s=draw(st.one_of(st.none(), st.floats(600, 20_000))),
                    has_splits=draw(st.booleans()),
                    from_file=draw(st.booleans()),
                )
            )
    return n_runs, records


def arrive_one_by_one(records: list[RunRecord]) -> set[RunRecord]:
    """What a store ends with, merging each arrival into everything seen before it."""
    seen: list[RunRecord] = []
    counted: set[RunRecord] = set()
    for incoming in records:
        decision = merge(incoming, seen)
        counted -= set(decision.superseded)
        counted.add(decision.keep)
        seen.append(incoming)
    return counted


@settings(max_examples=150, deadline=None)
@given(duplicated_runs(), st.randoms(use_true_random=False))
def test_any_order_of_arrival_keeps_one_record_per_real_run(
    runs: tuple[int, list[RunRecord]], rng: object
) -> None:
    n_runs, records = runs
    shuffled = list(records)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    expected = set(kept(records))
    assert len(expected) == n_runs
    assert arrive_one_by_one(shuffled) == expected
    assert set(kept(shuffled)) == expected


@st.composite
def crowded_records(draw: st.DrawFn) -> list[RunRecord]:
    """Records packed close enough to chain (A~B, B~C, A!~C): the hard case."""
    return [
        RunRecord(
            source=draw(SOURCES),
            source_id=str(index),
            start_utc=T0 + timedelta(seconds=draw(st.floats(0, 900))),
            distance_m=draw(st.floats(3000, 6000)),
            duration_s=draw(st.one_of(st.none(), st.floats(30, 3600))),
            has_splits=draw(st.booleans()),
            from_file=draw(st.booleans()),
        )
        for index in range(draw(st.integers(1, 8)))
    ]


@settings(max_examples=150, deadline=None)
@given(crowded_records(), st.permutations(range(8)))
def test_the_kept_set_does_not_depend_on_order_even_when_matches_chain(
    records: list[RunRecord], order: list[int]
) -> None:
    permuted = [records[i] for i in order if i < len(records)]
    assert arrive_one_by_one(permuted) == arrive_one_by_one(records) == set(kept(records))


def test_two_smashrun_runs_are_never_one_run_whatever_their_closeness() -> None:
    # SmashRun merges its own uploads; the sync mirrors its ids one to one.
    a = record("smashrun", "1", from_file=False)
    b = record("smashrun", "2", at_s=1.0, from_file=False)
    assert not same_run(a, b)
    assert len(kept([a, b])) == 2


def test_groups_of_many_records_come_out_in_start_order() -> None:
    records = [record("fit", str(i), at_s=i * 7200.0) for i in range(5)][::-1]
    assert [g[0].source_id for g in groups(records)] == ["0", "1", "2", "3", "4"]
