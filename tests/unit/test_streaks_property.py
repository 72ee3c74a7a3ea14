"""The streak engine against a deliberately simple reference implementation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from streakcore.domain.models import Activity
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import compute_stats
from streakcore.domain.streaks import StreakStatus
from streakcore.testing.reference import reference_streaks

HOME = ZoneInfo("America/New_York")
EPOCH = date(2024, 1, 1)


offsets = st.sampled_from([-5, -4, 0, 1, 9]).map(lambda h: timezone(timedelta(hours=h)))
runs_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),  # day
        st.integers(min_value=0, max_value=23 * 60 + 59),  # minute of the day
        st.floats(min_value=0.0, max_value=3.0),  # miles
        offsets,
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    runs=runs_strategy,
    rule_name=st.sampled_from(list(RuleName)),
    today_offset=st.integers(min_value=-2, max_value=45),
    hour=st.integers(min_value=0, max_value=23),
)
def test_engine_agrees_with_the_reference(
    runs: list[tuple[int, int, float, timezone]], rule_name: RuleName, today_offset: int, hour: int
) -> None:
    activities = [
        Activity(
            activity_id=str(i),
            start_local=datetime.combine(
                EPOCH + timedelta(days=day), time(minute // 60, minute % 60), tzinfo=tz
            ),
            distance_m=miles * 1609.344,
            duration_s=miles * 500,
        )
        for i, (day, minute, miles, tz) in enumerate(runs)
    ]
    rule = StreakRule(name=rule_name)
    today = EPOCH + timedelta(days=today_offset)
    # Ask late in the home day after every run: no run is left out by the as_of filter.
    as_of = datetime.combine(today, time(hour), tzinfo=HOME)
    activities = [a for a in activities if a.start_local <= as_of]

    body = compute_stats(activities, [], rule=rule, as_of=as_of, tz=HOME)
    days, status, longest = reference_streaks(activities, rule, today)

    assert body.current_streak.days == days
    assert body.current_streak.status == StreakStatus(status)
    assert body.longest_streak.days == longest
    assert body.totals.runs == len(activities)
