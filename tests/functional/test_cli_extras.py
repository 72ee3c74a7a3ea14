"""`streak rules`, `check`, `heatmap`, `badge` and `ledger` against a real DuckDB file."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_outcome import Terminal
from helpers import daily_runs, run
from streakcore.domain.days import group_days, qualifying_days
from streakcore.domain.models import Activity
from streakcore.domain.rules import StreakRule
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun

SVG = "{http://www.w3.org/2000/svg}"
ZONE = ["--tz", "America/New_York"]
EVENING = "2026-11-25T20:00:00-05:00"


def november_runs() -> list[Activity]:
    """A 3-mile streak from 2026-11-01 to 2026-11-24 with one split-mile day (11-11) and
    one short-but-counting-under-any day (11-15) that breaks usrsa and strict."""
    runs = [r for r in daily_runs("2026-11-01", 24) if r.local_date.day not in (11, 15)]
    runs += [run("2026-11-11", 0.6, at="06:00"), run("2026-11-11", 0.6, at="18:00")]
    runs.append(run("2026-11-15", 0.5))
    return runs


def store_runs(path: Path, runs: list[Activity]) -> Path:
    with DuckDBRunStore.open(path) as store:
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(store_runs(tmp_path / "runs.duckdb", november_runs()))


def streak(*args: str) -> int:
    return main(list(args))


def test_rules_json_shows_every_rule_and_the_days_they_disagree_on(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the November streak, read on the morning of the 25th
    # when `streak rules --json` runs
    code = streak("rules", "--db", db, "--json", "--as-of", "2026-11-25T07:00:00-05:00", *ZONE)
    body = json.loads(capsys.readouterr().out)
    # then the three rules stand side by side and the two odd days are listed
    assert code == 0
    current = {r["rule"]: r["current_streak"]["days"] for r in body["rules"]}
    assert current == {"any": 24, "usrsa": 9, "strict": 9}
    assert {r["current_streak"]["status"] for r in body["rules"]} == {"at_risk"}
    assert body["disagreement_days"] == 2
    assert [(d["date"], d["counts_under"]) for d in body["disagreements"]] == [
        ("2026-11-11", ["usrsa", "any"]),
        ("2026-11-15", ["any"]),
    ]
    assert body["as_of"] == "2026-11-25T07:00:00-05:00"


def test_rules_table_names_the_rules_and_the_disagreement_days(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak("rules", "--db", db, "--as-of", EVENING, *ZONE)
    out = capsys.readouterr().out
    assert code == 0
    for text in ("usrsa", "strict", "any", "2026-11-11", "2026-11-15", "2 days the rules"):
        assert text in out


@pytest.mark.parametrize(
    ("extra_run", "expected_code", "expected_status"),
    [(None, 1, "at_risk"), ("07:00", 0, "done_today")],
)
def test_check_exits_1_when_the_streak_is_at_risk_and_0_when_today_counts(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra_run: str | None,
    expected_code: int,
    expected_status: str,
) -> None:
    # given the streak through yesterday, with or without a run this morning
    runs = november_runs() + ([run("2026-11-25", 3.0, at=extra_run)] if extra_run else [])
    db = str(store_runs(tmp_path / "runs.duckdb", runs))
    # when checked at 20:00 without syncing
    code = streak("check", "--no-sync", "--db", db, "--as-of", EVENING, "--json", *ZONE)
    body = json.loads(capsys.readouterr().out)
    # then the exit code is what cron needs and the body says why
    assert code == expected_code
    assert body["status"] == expected_status
    assert body["time_left_s"] == 4 * 3600


def test_check_prints_the_message_a_runner_reads_at_20_00(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak("check", "--no-sync", "--db", db, "--as-of", EVENING, *ZONE)
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("At risk: your 9-day streak ends tonight")
    assert "4 h 00 min left" in out


def smashrun_payload(activity: Activity) -> dict[str, Any]:
    """The activity as `/my/activities/search` lists it (distance in km)."""
    return {
        "activityId": int(activity.activity_id),
        "startDateTimeLocal": activity.start_local.isoformat(),
        "distance": activity.distance_m / 1000,
        "duration": activity.duration_s,
        "activityType": "running",
    }


@pytest.fixture
def smashrun_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAK_TOKEN_FILE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("STREAK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("STREAK_SMASHRUN_CLIENT_ID", raising=False)


def test_check_syncs_first_so_a_run_uploaded_this_morning_makes_today_safe(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smashrun_env: None,
) -> None:
    # given the streak stored through yesterday, and this morning's run only at SmashRun
    stored = november_runs()
    db = str(store_runs(tmp_path / "runs.duckdb", stored))
    this_morning = run("2026-11-25", 3.0, at="07:00", activity_id="99001")
    payloads = [smashrun_payload(a) for a in [*stored, this_morning]]
    evening = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with FakeSmashRun(payloads, clock=lambda: evening) as fake:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", fake.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", fake.access_token)
        # when the evening check runs with its sync
        code = streak("check", "--db", db, "--as-of", EVENING, *ZONE)
    out, err = capsys.readouterr()
    # then the run was synced and today is safe
    assert code == 0
    assert out.startswith("Safe")
    assert "sync" in err
    with DuckDBRunStore.open(db, read_only=True) as store:
        assert "99001" in {r.activity_id for r in store.run_facts()}


def test_check_still_warns_of_the_risk_when_the_sync_fails(
    db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smashrun_env: None,
) -> None:
    # given SmashRun refuses the token
    with FakeSmashRun([]) as fake:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", fake.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", "a-token-smashrun-does-not-know")
        # when the evening check runs
        code = streak("check", "--db", db, "--as-of", EVENING, *ZONE)
    out, err = capsys.readouterr()
    # then it says the sync failed, and still checks the stored runs: at risk
    assert code == 1
    assert "sync failed" in err
    assert "a-token-smashrun-does-not-know" not in out + err
    assert out.startswith("At risk")


def test_check_with_a_bad_instant_is_a_usage_error(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak("check", "--no-sync", "--db", db, "--as-of", "tonight")
    assert code == 2
    assert "--as-of" in capsys.readouterr().err


def test_check_without_a_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak("check", "--no-sync", "--db", str(tmp_path / "missing.duckdb"))
    assert code == 2
    assert "no database" in capsys.readouterr().err


def test_heatmap_of_a_year_draws_each_day_until_today_and_marks_the_streaks(
    db: str, tmp_path: Path
) -> None:
    # given the November streaks, drawn on the evening of 25 November
    out = tmp_path / "year.svg"
    code = streak(
        "heatmap", "--year", "2026", "-o", str(out), "--db", db, "--as-of", EVENING, *ZONE
    )  # fmt: skip
    assert code == 0
    root = ET.fromstring(out.read_bytes())
    day_cells = [r for r in root.iter(f"{SVG}rect") if "data-date" in r.attrib]
    # then every day up to today has a cell, none after it
    assert len(day_cells) == 329
    assert day_cells[-1].attrib["data-date"] == "2026-11-25"
    # and the marks tell the streak's story: two starts, the short day that broke the
    # first (11-15, under usrsa), and today
    marks = {
        r.attrib["data-date"]: r.attrib["data-marks"] for r in day_cells if "data-marks" in r.attrib
    }
    assert marks == {
        "2026-11-01": "start",
        "2026-11-15": "broken",
        "2026-11-16": "start",
        "2026-11-25": "today",
    }


def test_heatmap_of_the_current_streak_spans_the_streak_and_today(db: str, tmp_path: Path) -> None:
    out = tmp_path / "streak.svg"
    code = streak(
        "heatmap", "--streak", "-o", str(out), "--db", db, "--as-of", EVENING, "--rule", "any",
        *ZONE,
    )  # fmt: skip
    assert code == 0
    root = ET.fromstring(out.read_bytes())
    dates = [r.attrib["data-date"] for r in root.iter(f"{SVG}rect") if "data-date" in r.attrib]
    # the streak (24 days from 11-01, at risk) and today, still without a run
    assert dates[0] == "2026-11-01"
    assert dates[-1] == "2026-11-25"
    assert len(dates) == 25


def test_heatmap_of_a_broken_streak_is_refused_with_a_hint(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak(
        "heatmap", "--streak", "-o", str(tmp_path / "x.svg"), "--db", db,
        "--as-of", "2026-12-10T12:00:00-05:00", *ZONE,
    )  # fmt: skip
    assert code == 2
    assert "--year" in capsys.readouterr().err
    assert not (tmp_path / "x.svg").exists()


def test_heatmap_year_and_streak_together_are_a_usage_error(db: str) -> None:
    assert streak("heatmap", "--year", "2026", "--streak", "--db", db) == 2


def test_badge_writes_the_current_streak_for_a_readme(db: str, tmp_path: Path) -> None:
    out = tmp_path / "badge.svg"
    code = streak("badge", "-o", str(out), "--db", db, "--as-of", EVENING, "--rule", "any", *ZONE)
    assert code == 0
    texts = [t.text for t in ET.fromstring(out.read_bytes()).iter(f"{SVG}text")]
    assert "24 days" in texts
    assert "run streak" in texts


def test_ledger_csv_has_a_row_per_qualifying_day(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the November streak
    # when the ledger is printed as CSV
    code = streak("ledger", "--db", db, "--csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # then its rows are the qualifying days under usrsa, with the evidence
    days = qualifying_days(group_days(november_runs()), StreakRule())
    assert code == 0
    assert [r["date"] for r in rows] == [d.local_date.isoformat() for d in days]
    split_day = next(r for r in rows if r["date"] == "2026-11-11")
    assert len(split_day["activity_ids"].split(";")) == 2
    assert split_day["utc_offsets"] == "-05:00;-05:00"
    assert split_day["rule"] == "usrsa"
    assert float(split_day["min_distance_m"]) == pytest.approx(1609.344)


def test_ledger_range_goes_to_a_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    code = streak(
        "ledger", "--db", db, "--csv", "--from", "2026-11-14", "--to", "2026-11-17", "-o", str(out)
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert code == 0
    assert [(r["date"], r["streak_day"]) for r in rows] == [
        ("2026-11-14", "14"),
        ("2026-11-16", "1"),
        ("2026-11-17", "2"),
    ]


@pytest.mark.parametrize(
    "flags", [["--from", "yesterday"], ["--from", "2026-11-20", "--to", "2026-11-10"]]
)
def test_ledger_with_unreadable_dates_is_a_usage_error(
    db: str, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = streak("ledger", "--db", db, "--csv", *flags)
    assert code == 2
    assert "--" in capsys.readouterr().err


def test_the_first_streak_day_of_the_ledger_is_the_first_day_of_the_streak(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    streak("ledger", "--db", db, "--csv", "--rule", "any")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    first = date(2026, 11, 1)
    assert [(r["date"], int(r["streak_day"])) for r in rows] == [
        ((first + timedelta(days=i)).isoformat(), i + 1) for i in range(24)
    ]


def test_check_wraps_between_words_to_the_terminal_and_colours_the_verdict(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the message of the evening check
    streak("check", "--no-sync", "--db", db, "--as-of", EVENING, "--json", *ZONE)
    message = json.loads(capsys.readouterr().out)["message"]
    # and a person at an 80-column terminal that shows colour
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    # when the evening check finds the streak at risk
    code = streak("check", "--no-sync", "--db", db, "--as-of", EVENING, *ZONE)
    out = terminal.getvalue()
    # then the verdict is yellow, and the paragraph is wrapped between words, never in one
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    lines = plain.splitlines()
    assert code == 1
    assert "\x1b[1;33mAt risk:" in out
    assert len(lines) > 1
    assert all(len(line) <= 80 for line in lines)
    assert " ".join(line.strip() for line in lines) == message


def test_check_honours_no_color_and_prints_one_plain_line_into_a_pipe(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given NO_COLOR on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    streak("check", "--no-sync", "--db", db, "--as-of", EVENING, *ZONE)
    # then no colour is sent
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", terminal.getvalue())
    # and into a pipe (cron, notify-send) the message is one plain line
    monkeypatch.undo()
    streak("check", "--no-sync", "--db", db, "--as-of", EVENING, *ZONE)
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert len(out.splitlines()) == 1


def test_heatmap_without_o_writes_a_file_instead_of_svg_on_the_terminal(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a person at a terminal in some directory
    monkeypatch.chdir(tmp_path)
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    # when they ask for the heatmap without -o
    code = streak("heatmap", "--db", db, "--as-of", EVENING, *ZONE)
    # then no SVG reaches the terminal: it is in ./heatmap.svg, and stderr says where
    assert code == 0
    assert "<svg" not in terminal.getvalue()
    assert (tmp_path / "heatmap.svg").read_text().startswith("<svg")
    assert "heatmap.svg" in capsys.readouterr().err


def test_heatmap_without_o_into_a_pipe_prints_the_svg(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert streak("heatmap", "--db", db, "--as-of", EVENING, *ZONE) == 0
    assert capsys.readouterr().out.startswith("<svg")
    assert not (tmp_path / "heatmap.svg").exists()


def test_demo_shows_the_progress_of_each_sync_phase_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_streak_env: Path
) -> None:
    # given a person running the demo at a terminal
    monkeypatch.setenv("COLUMNS", "100")
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    # when the demo syncs its half-year athlete
    code = streak("demo", "--dir", str(tmp_path / "demo"), "--years", "0.5")
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    # then each phase of the sync had a bar with its count, left in place when done
    assert code == 0
    fetched = re.findall(r"Fetching splits\s.*?(\d+)/(\d+)", out)
    assert fetched, out[:2000]
    done, total = fetched[-1]
    assert done == total != "0"
    assert "Searching runs" in out
    # a first sync into an empty database makes no id sweep: nothing there can be gone
    assert "Checking for deleted runs" not in out


def test_demo_into_a_pipe_shows_no_progress_bars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_streak_env: Path
) -> None:
    assert streak("demo", "--dir", str(tmp_path / "demo"), "--years", "0.5") == 0
    out = capsys.readouterr().out
    assert "Fetching splits" not in out
    assert "\x1b[" not in out


def test_badge_without_o_on_a_terminal_writes_badge_svg(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert streak("badge", "--db", db, "--as-of", EVENING, *ZONE) == 0
    assert "<svg" not in terminal.getvalue()
    assert (tmp_path / "badge.svg").read_text().startswith("<svg")


def test_the_demos_stats_and_heatmap_speak_the_runners_unit_not_the_athletes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_streak_env: Path,
) -> None:
    # given a runner in Berlin (km) and the demo's athlete in New York (miles)
    monkeypatch.setenv("STREAK_TIMEZONE", "Europe/Berlin")
    # when the demo runs
    assert streak("demo", "--dir", str(tmp_path / "demo"), "--years", "0.5") == 0
    out = capsys.readouterr().out
    heatmap = (tmp_path / "demo" / "heatmap.svg").read_text()
    # then the stats and the picture are both in km
    assert re.search(r"\d km\b", out)
    assert not re.search(r"\d mi\b", out)
    assert " km" in heatmap
    assert not re.search(r"\d mi\b", heatmap)


def test_the_demo_imports_generated_files_and_counts_each_run_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clean_streak_env: Path
) -> None:
    # when the demo runs
    assert streak("demo", "--dir", str(tmp_path / "demo"), "--years", "0.5") == 0
    out = " ".join(capsys.readouterr().out.split())  # the console wraps to 80 columns
    # then it imported its watch's files: copies of synced runs merge, the ride is skipped
    assert re.search(r"new runs 1, already synced from SmashRun 2 \(counted once\), skipped 1", out)
    db = tmp_path / "demo" / "runs.duckdb"
    with DuckDBRunStore.open(db, read_only=True) as store:
        sources = store.source_counts()
        assert sources["gpx"] == 3
        assert sum(sources.values()) == store.count("runs")
        assert len(store.live_ids()) == sources["smashrun"] + 2
