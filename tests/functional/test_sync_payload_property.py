"""Whatever SmashRun sends, the sync neither crashes nor loses a run, and what it leaves
behind (its report, the stats) stays inside the API's contract.

Hypothesis drives the fields of the search items (ids, distances, durations, start dates
and offsets, activity types) and the split bodies (lists of any numbers, objects, 500s)
through the real client and sync, against a SmashRun that serves exactly what it is
given. Syncs run until one succeeds (a run whose splits always fail takes a few), and
after each: no exception, every run the search listed is stored or quarantined, and the
report and the `/stats` body are finite and valid against `lambda/openapi.yaml`.

Kept to a modest number of examples so the suite stays fast; raise STREAK_PROPERTY_EXAMPLES
to search harder.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixtures.openapi import schema_errors
from fixtures.scripted_smashrun import Scripted
from streakcore.domain.rules import StreakRule
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.stats import stats_from_store
from streakcore.usecases.sync import SyncReport, SyncStatus
from streakcore.usecases.sync.plan import MAX_SPLIT_ATTEMPTS

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOME = ZoneInfo("America/New_York")
EXAMPLES = int(os.environ.get("STREAK_PROPERTY_EXAMPLES", "25"))

# -- what SmashRun might send ---------------------------------------------------------------
# Each item starts as an ordinary run and then has up to two fields replaced by something
# odd: one strange field among sane ones is where a boundary gives way.

numbers = st.one_of(
    st.sampled_from([1e306, 1.7976931348623157e308]),  # finite, but not once in metres
    st.sampled_from([0, 1000.0, 1000.001, 864_000, 864_001, -1.0, -0.0, 1e-320]),
    st.floats(allow_nan=True, allow_infinity=True),  # anything a float can be
    st.integers(min_value=-(10**20), max_value=10**20),
)
odd_values = st.one_of(st.none(), st.booleans(), st.text(max_size=8), st.just([]), st.just({}))
ordinary_ids = st.one_of(
    st.integers(min_value=1, max_value=40),  # a small pool, so ids repeat on a page
    st.integers(min_value=1, max_value=40).map(str),
    st.integers(min_value=0, max_value=10**15),
)
odd_ids = st.one_of(st.sampled_from([-5, "12a", "", "٣", "007", True, 3.5, None]), st.text())
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
ordinary_starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2026, 11, 26)
).map(lambda d: d.replace(tzinfo=timezone(timedelta(hours=-5))).isoformat())
odd_starts = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
    ).map(lambda d: d.isoformat()),
    st.datetimes(
        min_value=datetime(1890, 1, 1), max_value=datetime(2210, 1, 1), timezones=offsets
    ).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # no offset
    st.sampled_from(["yesterday", "2026-02-30T07:00:00-05:00", "0001-01-01T00:00:00+05:00"]),
    st.integers(),
    st.none(),
)
ODD_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "activityId": odd_ids,
    "startDateTimeLocal": odd_starts,
    "distance": st.one_of(numbers, numbers, odd_values),
    "duration": st.one_of(numbers, numbers, odd_values),
    "activityType": st.one_of(st.sampled_from(["cycling", "hyperloop", ""]), st.integers()),
    "heartRateAverage": st.one_of(numbers, odd_values),
    "notes": st.one_of(st.text(), st.integers(), odd_values),
    "isTreadmill": odd_values,
}


@st.composite
def items(draw: st.DrawFn) -> Any:
    """One search item: an ordinary run with up to two odd fields (or none at all)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.one_of(st.text(max_size=5), st.integers(), st.lists(st.integers())))
    item: dict[str, Any] = {
        "activityId": draw(ordinary_ids),
        "startDateTimeLocal": draw(ordinary_starts),
        "distance": draw(st.floats(min_value=0, max_value=50)),
        "duration": draw(st.floats(min_value=0, max_value=20_000)),
        "activityType": "running",
    }
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from(sorted(ODD_FIELDS)))
        item[field] = draw(ODD_FIELDS[field])
    if draw(st.integers(0, 9)) == 0:
        del item[draw(st.sampled_from(sorted(item)))]
    return item


split_rows = st.lists(
    st.fixed_dictionaries(
        {"distance": numbers, "seconds": numbers},
        optional={"speed": numbers, "heartRate": st.one_of(numbers, odd_values)},
    ),
    max_size=4,
)
split_bodies = st.one_of(
    split_rows,
    split_rows.map(lambda rows: sorted(rows, key=lambda r: repr(r["distance"]))),
    st.sampled_from([{"splits": []}, "no splits", None, {"error": "try later"}]),
)


@st.composite
def smashruns(draw: st.DrawFn) -> Scripted:
    listed = draw(st.lists(items(), max_size=8))
    named = {str(i["activityId"]) for i in listed if isinstance(i, dict) and "activityId" in i}
    bodies = draw(st.dictionaries(st.sampled_from(sorted(named) or ["1"]), split_bodies))
    failing = draw(st.sets(st.sampled_from(sorted(named) or ["1"]), max_size=2))
    return Scripted(
        items=listed,
        splits=bodies,
        split_status={i: 500 for i in failing},
    )


# -- what must hold whatever it sent ---------------------------------------------------------


def _named_id(item: Any) -> str | None:
    """The id a payload names, as the quarantine keeps it (None when it names none)."""
    if isinstance(item, dict):
        value = item.get("activityId")
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _canonical(value: Any) -> str:
    """The payload as the quarantine keeps it."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _assert_nothing_dropped(smashrun: Scripted, store: DuckDBRunStore) -> None:
    live = store.live_ids()
    quarantined = store.quarantined()
    quarantined_ids = {row["activity_id"] for row in quarantined}
    quarantined_payloads = {row["payload"] for row in quarantined}
    for item in smashrun.items:
        named = _named_id(item)
        if named is not None:
            assert named in live or named in quarantined_ids, f"run {named!r} was dropped"
        else:
            assert _canonical(item) in quarantined_payloads, f"{item!r} was dropped"


def _assert_valid_report(report: SyncReport) -> None:
    body = json.loads(report.model_dump_json())
    json.dumps(body, allow_nan=False)
    assert schema_errors("SyncReport", body) == []


def _assert_valid_stats(store: DuckDBRunStore) -> None:
    stats = stats_from_store(store, rule=StreakRule(), as_of=NOW, tz=HOME)
    body = json.loads(stats.model_dump_json())
    json.dumps(body, allow_nan=False)  # every number finite
    assert schema_errors("Stats", body) == []


def _run(activity_id: int, **change: Any) -> dict[str, Any]:
    return {
        "activityId": activity_id,
        "startDateTimeLocal": "2026-11-25T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
        **change,
    }


@given(smashrun=smashruns())
# The edges this test was written for, tried every time whatever the search finds.
@example(smashrun=Scripted(items=[_run(1), _run(2, distance=1e306)]))
@example(
    smashrun=Scripted(items=[_run(1), _run(2, startDateTimeLocal="9999-12-31T23:59:59-12:00")])
)
@example(smashrun=Scripted(items=[_run(1), _run(2, duration=1e308), _run(1, notes="again")]))
@example(smashrun=Scripted(items=[_run(1), _run(2)], split_status={"2": 500}))
@example(smashrun=Scripted(items=[_run(1), _run(2)], splits={"2": {"splits": []}}))
@example(smashrun=Scripted(items=[_run(1)], splits={"1": [{"distance": 1e306, "seconds": 1.0}]}))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_whatever_smashrun_sends_no_run_is_dropped_and_the_report_and_stats_stay_valid(
    smashrun: Scripted,
) -> None:
    with DuckDBRunStore.open(":memory:") as store:
        for _ in range(MAX_SPLIT_ATTEMPTS + 1):
            report = smashrun.sync(store, clock=lambda: NOW)
            _assert_valid_report(report)
            _assert_nothing_dropped(smashrun, store)
            _assert_valid_stats(store)
            if report.status is SyncStatus.SUCCESS:
                break
