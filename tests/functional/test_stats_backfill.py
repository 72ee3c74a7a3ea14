"""`/stats` during a first backfill: how far it is, and records marked provisional (issue 12)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from fixtures.smashrun_sync import SyncRig, rig
from streakcore.domain.evening_check import evening_check
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import render_stats
from streakcore.entrypoints.cli.commands.render import print_stats
from streakcore.smashrun.budget import RequestBudget
from streakcore.testing import Athlete, recent_athlete
from streakcore.usecases.alert import alert_message
from streakcore.usecases.stats import snapshot_from_store, stats_from_store
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOME = ZoneInfo("America/New_York")
PER_HOUR = 60


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def _paused(r: SyncRig, at: datetime = NOW) -> None:
    r.budget = RequestBudget(PER_HOUR, burst=1_000, clock=lambda: at.timestamp())
    assert r.sync(budget_s=30).status is SyncStatus.PARTIAL


def test_stats_during_a_backfill_say_how_many_runs_wait_and_when_a_sync_can_go_on(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        _paused(r)
        report = r.reports[-1]
        # when /stats is asked (straight from the store, and from the sync's snapshot)
        direct = stats_from_store(r.store, rule=StreakRule(), as_of=NOW, tz=HOME)
        snapshot = render_stats(
            snapshot_from_store(r.store, StreakRule()),
            rule=StreakRule(),
            as_of=NOW,
            tz=HOME,
            last_sync=None,
        )
        # then both say the same: the backlog, incomplete, the budget's opening at home
        for body in (direct, snapshot):
            backfill = json.loads(body.model_dump_json())["backfill"]
            assert backfill == {
                "runs_waiting_for_splits": report.backlog,
                "complete": False,
                "next_sync_after": "2026-11-26T08:00:00-05:00",
            }


def test_split_derived_records_are_provisional_while_the_backfill_is_incomplete(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        _paused(r)
        body = json.loads(
            stats_from_store(r.store, rule=StreakRule(), as_of=NOW, tz=HOME).model_dump_json()
        )
        assert body["fastest_mile"]["provisional"] is True
        races = [body["records"][k] for k in ("fastest_5k", "fastest_10k")]
        assert all(race is None or race["provisional"] is True for race in races)
        assert any(race is not None for race in races)


def test_records_are_final_once_the_backfill_completes_and_the_opening_passed_is_now(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        _paused(r)
        # when the opening has passed but no sync ran yet, a sync can go on now
        later = stats_from_store(
            r.store, rule=StreakRule(), as_of=NOW + timedelta(hours=2), tz=HOME
        )
        assert later.backfill.next_sync_after is None
        assert later.backfill.complete is False
        # when the backfill finishes, hour by hour
        for hour in range(1, 10):
            r.budget = RequestBudget(
                PER_HOUR, burst=1_000, clock=lambda h=hour: (NOW + timedelta(hours=h)).timestamp()
            )
            if r.sync(budget_s=30).status is SyncStatus.SUCCESS:
                break
        body = stats_from_store(r.store, rule=StreakRule(), as_of=NOW, tz=HOME)
        # then nothing is provisional any more
        assert body.backfill.model_dump() == {
            "runs_waiting_for_splits": 0,
            "complete": True,
            "next_sync_after": None,
        }
        assert body.fastest_mile is not None
        assert body.fastest_mile.provisional is False
        assert body.records.fastest_5k is None or body.records.fastest_5k.provisional is False


def test_the_terminal_stats_say_the_backfill_is_incomplete_and_mark_the_records(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        _paused(r)
        body = stats_from_store(r.store, rule=StreakRule(), as_of=NOW, tz=HOME)
        console = Console(record=True, width=200)
        print_stats(body, "mi", console)
        text = console.export_text()
        assert f"{body.backfill.runs_waiting_for_splits:,} runs still wait for their splits" in text
        assert "a sync after Thu 26 Nov 08:00 carries on" in text
        fastest_line = next(line for line in text.splitlines() if "Fastest mile" in line)
        assert fastest_line.rstrip(" │").endswith("(provisional)")


def test_the_evening_alert_says_records_are_provisional_during_the_backfill(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        _paused(r)
        body = stats_from_store(r.store, rule=StreakRule(), as_of=NOW, tz=HOME)
    check = evening_check([], rule=StreakRule(), now=NOW, tz=HOME, units="mi")
    during = alert_message(check, sync_failed=False, runs_as_of=None, backfill=body.backfill)
    after = alert_message(check, sync_failed=False, runs_as_of=None, backfill=None)
    assert during.startswith(check.message)
    assert f"({body.backfill.runs_waiting_for_splits:,} runs wait for their splits)" in during
    assert "provisional" in during
    assert after == check.message
