"""Every command that shows the current streak shows the one `streak stats` reports: the
badge, the heatmap of the streak, the evening check and the rules side by side."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from helpers import TOKYO, daily_runs, run
from streakcore.domain.streaks import StreakStatus
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.render.badge_svg import STATUS_COLOURS, streak_message
from streakcore.storage.duckdb.store import DuckDBRunStore

SVG = "{http://www.w3.org/2000/svg}"
ZONE = ["--tz", "America/New_York"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Daily 3-mile runs 2026-11-01..24, the 11th made of two short runs (counts under usrsa,
    not strict), the 15th a half mile (counts only under any), and a run in Tokyo whose
    local date (the 26th) is ahead of New York's."""
    runs = [r for r in daily_runs("2026-11-01", 24) if r.local_date.day not in (11, 15)]
    runs += [run("2026-11-11", 0.6, at="06:00"), run("2026-11-11", 0.6, at="18:00")]
    runs.append(run("2026-11-15", 0.5))
    runs.append(run("2026-11-26", 3.0, at="08:00", offset=TOKYO))
    path = tmp_path_factory.mktemp("current") / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return str(path)


def streak_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) in (0, 1)  # check exits 1 when at risk
    return json.loads(capsys.readouterr().out)


INSTANTS = [
    "2026-11-24T20:00:00-05:00",  # today ran
    "2026-11-25T07:00:00-05:00",  # yesterday ran, today not yet
    "2026-11-25T19:00:00-05:00",  # after the Tokyo run started: it is the 26th there
    "2026-12-10T12:00:00-05:00",  # long after the last run
]


@pytest.mark.parametrize("rule", ["usrsa", "strict", "any"])
@pytest.mark.parametrize("as_of", INSTANTS)
def test_badge_heatmap_check_and_rules_show_the_current_streak_stats_reports(
    db: str, rule: str, as_of: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given what `streak stats` says
    common = ["--db", db, "--as-of", as_of, *ZONE]
    stats = streak_json(capsys, "stats", "--json", "--rule", rule, *common)["current_streak"]
    # when the other commands are asked at the same instant under the same rule
    check = streak_json(capsys, "check", "--no-sync", "--json", "--rule", rule, *common)
    rules = streak_json(capsys, "rules", "--json", *common)
    badge = ET.fromstring(badge_svg(tmp_path, rule, common))
    # then they all agree with it
    assert (check["streak_days"], check["status"]) == (stats["days"], stats["status"])
    under_rule = next(r for r in rules["rules"] if r["rule"] == rule)["current_streak"]
    assert under_rule == stats
    texts = [t.text for t in badge.iter(f"{SVG}text")]
    fill = next(r.attrib["fill"] for r in badge.iter(f"{SVG}rect") if r.get("class") == "message")
    assert streak_message(stats["days"]) in texts
    assert fill == STATUS_COLOURS[StreakStatus(stats["status"])]
    assert heatmap_span(tmp_path, rule, common) == stats_span(stats)


def badge_svg(tmp_path: Path, rule: str, common: list[str]) -> bytes:
    out = tmp_path / "badge.svg"
    assert main(["badge", "-o", str(out), "--rule", rule, *common]) == 0
    return out.read_bytes()


def heatmap_span(tmp_path: Path, rule: str, common: list[str]) -> tuple[str, str] | None:
    """The first and last day of `heatmap --streak`; None when it refuses (no streak)."""
    out = tmp_path / "streak.svg"
    if main(["heatmap", "--streak", "-o", str(out), "--rule", rule, *common]) != 0:
        return None
    # The streak's own days: each says which day of the streak it is (today, drawn too,
    # does not until it counts).
    rects = ET.fromstring(out.read_bytes()).iter(f"{SVG}rect")
    cells = [
        r.attrib["data-date"]
        for r in rects
        if "data-date" in r.attrib and "streak day" in (r.findtext(f"{SVG}title") or "")
    ]
    return cells[0], cells[-1]


def stats_span(current: dict[str, Any]) -> tuple[str, str] | None:
    if current["days"] == 0:
        return None
    start = date.fromisoformat(current["start"])
    assert start + timedelta(days=current["days"] - 1) == date.fromisoformat(current["last_day"])
    return current["start"], current["last_day"]
