"""How the `/stats` body writes instants: the contract's shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helpers import daily_runs
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import compute_stats, format_instant


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (datetime(2026, 11, 26, 11, 0, 4, 999, tzinfo=UTC), "2026-11-26T11:00:04Z"),
        (datetime(2026, 11, 26, 11, 0, 4, tzinfo=ZoneInfo("UTC")), "2026-11-26T11:00:04Z"),
        (
            datetime(2026, 11, 26, 7, tzinfo=ZoneInfo("America/New_York")),
            "2026-11-26T07:00:00-05:00",
        ),
        (datetime(2026, 1, 5, 7, tzinfo=ZoneInfo("Europe/London")), "2026-01-05T07:00:00+00:00"),
        (datetime(2026, 6, 5, 7, tzinfo=timezone(timedelta(hours=9))), "2026-06-05T07:00:00+09:00"),
    ],
)
def test_instants_are_written_to_the_second_with_z_only_for_utc(
    instant: datetime, text: str
) -> None:
    assert format_instant(instant) == text


def test_the_body_gives_as_of_in_the_home_zone_and_last_sync_in_utc() -> None:
    body = compute_stats(
        daily_runs("2026-11-20", 5),
        [],
        rule=StreakRule(),
        as_of=datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC),
        tz=ZoneInfo("America/New_York"),
        last_sync=datetime(2026, 11, 26, 11, 0, 4, 500, tzinfo=UTC),
    )
    dumped = body.model_dump(mode="json")
    assert dumped["as_of"] == "2026-11-26T07:00:00-05:00"
    assert dumped["last_sync"] == "2026-11-26T11:00:04Z"
