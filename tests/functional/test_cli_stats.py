"""`streak stats` and `streak streaks` from the terminal."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import daily_runs, mile_splits
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

CONTRACT_KEYS = {
    "as_of", "timezone", "rule", "current_streak", "longest_streak", "totals", "fastest_mile",
    "last_sync",
}  # fmt: skip


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    runs = daily_runs("2026-11-01", 10, miles=3.2) + daily_runs("2026-11-12", 14, miles=2.0)
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        store.apply(
            Batch(
                activities=[
                    StoredActivity(a, "fp", None, mile_splits(a, [470.0, 455.0])) for a in runs
                ]
            )
        )
    return path


def test_stats_json_is_the_stats_body(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "stats",
            "--db",
            str(db_path),
            "--json",
            "--as-of",
            "2026-11-26T07:00:00-05:00",
            "--tz",
            "America/New_York",
        ]
    )
    body = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(body) >= CONTRACT_KEYS
    assert body["as_of"] == "2026-11-26T07:00:00-05:00"
    assert body["timezone"] == "America/New_York"
    assert body["rule"] == {"name": "usrsa", "min_distance_m": 1609.344}
    assert body["current_streak"] == {
        "days": 14, "start": "2026-11-12", "last_day": "2026-11-25", "status": "at_risk",
        "distance_m": pytest.approx(14 * 2.0 * 1609.344),
    }  # fmt: skip
    assert body["longest_streak"]["days"] == 14
    assert set(body["totals"]) == {"runs", "distance_m", "duration_s"}
    assert body["totals"]["runs"] == 24
    assert body["fastest_mile"]["seconds"] == 455.0
    assert body["last_sync"] is None


def test_rule_and_minimum_flags_change_the_answer(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "stats",
            "--db",
            str(db_path),
            "--json",
            "--as-of",
            "2026-11-26T07:00:00-05:00",
            "--min-distance",
            "3mi",
        ]
    )
    body = json.loads(capsys.readouterr().out)
    assert body["rule"]["min_distance_m"] == pytest.approx(3 * 1609.344)
    assert body["current_streak"]["status"] == "broken"
    assert body["longest_streak"]["days"] == 10


def test_stats_table_says_the_streak_is_at_risk(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "stats",
            "--db",
            str(db_path),
            "--as-of",
            "2026-11-26T07:00:00-05:00",
            "--tz",
            "America/New_York",
        ]
    )
    out = capsys.readouterr().out
    assert "14 days since 2026-11-12" in out
    assert "AT RISK" in out


def test_streaks_lists_the_longest_first(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["streaks", "--db", str(db_path), "--json", "-n", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["start"], r["days"]) for r in rows] == [("2026-11-12", 14)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stats", "--as-of", "yesterday"], "cannot read --as-of"),
        (["stats", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["stats", "--min-distance", "far"], "cannot read distance"),
    ],
)
def test_bad_values_give_one_line_and_exit_2(
    db_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*argv, "--db", str(db_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1


def test_an_unknown_flag_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["stats", "--colour", "red"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("streak: error: unrecognized arguments: --colour red")
    assert len(err.splitlines()) == 1


def test_a_missing_database_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stats", "--db", str(tmp_path / "none.duckdb")])
    assert code == 2
    assert "run `streak sync` (or `streak demo`) first" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


def test_a_bad_environment_setting_is_reported_as_such(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAK_RULE", "sometimes")
    code = main(["stats", "--db", str(db_path)])
    assert code == 2
    assert "rule" in capsys.readouterr().err


def test_library_warnings_reach_the_terminal_as_one_line(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from streakcore.entrypoints.cli.commands import stats as stats_command

    # A library warning logged while the command runs (the terminal's handler is there for
    # the command's run only: see test_log_handlers).
    def warn_then_answer(args: object) -> int:
        logging.getLogger("streakcore.usecases.database").warning(
            "could not record health.json: boom"
        )
        return 0

    monkeypatch.setattr(stats_command, "run_stats", warn_then_answer)
    main(["stats", "--db", str(db_path), "--json"])
    assert capsys.readouterr().err == "streak: warning: could not record health.json: boom\n"


AS_OF = ["--as-of", "2026-11-26T07:00:00-05:00"]


@pytest.mark.parametrize(
    ("argv", "env", "unit", "other"),
    [
        (["--units", "km"], {}, "km", " mi"),
        (["--units", "mi"], {}, "mi", " km"),
        ([], {"STREAK_UNITS": "km"}, "km", " mi"),
        ([], {"STREAK_TIMEZONE": "Europe/Berlin"}, "km", " mi"),
        ([], {"STREAK_TIMEZONE": "America/New_York"}, "mi", " km"),
    ],
    ids=["--units km", "--units mi", "STREAK_UNITS", "zone in km", "zone in miles"],
)
def test_stats_prints_every_distance_in_one_unit(
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_streak_env: Path,
    argv: list[str],
    env: dict[str, str],
    unit: str,
    other: str,
) -> None:
    # given a runner's setting (a flag, STREAK_UNITS, or only their home zone)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # when the stats table is printed
    code = main(["stats", "--db", str(db_path), *AS_OF, *argv])
    out = capsys.readouterr().out
    # then every distance is in that unit, none in the other, never "mi (km)"
    assert code == 0
    assert re.search(rf"\d {unit}\b", out)
    assert not re.search(rf"\d{other}\b", out)
    assert "(1.61 km)" not in out
    assert "(miles)" not in out


def test_stats_json_stays_in_metres_whatever_the_units(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for unit in ("km", "mi"):
        assert main(["stats", "--db", str(db_path), "--json", *AS_OF, "--units", unit]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert outputs[0]["rule"]["min_distance_m"] == 1609.344


def test_stats_json_prints_no_float_noise(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given 24 runs of 3.2 and 2.0 miles: their sum in metres carries float noise
    assert main(["stats", "--db", str(db_path), "--json", *AS_OF]) == 0
    text = capsys.readouterr().out
    # then no number in the JSON has more digits after the point than it means
    decimals = [len(d) for d in re.findall(r"\d\.(\d+)", text)]
    assert decimals
    assert max(decimals) <= 3
    body = json.loads(text)
    assert body["totals"]["distance_m"] == round(10 * 3.2 * 1609.344 + 14 * 2.0 * 1609.344, 1)


def test_streaks_json_prints_distances_to_a_tenth_of_a_metre(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["streaks", "--db", str(db_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    for row in rows:
        assert round(row["distance_m"], 1) == row["distance_m"]


def test_streaks_help_says_what_the_command_shows(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["streaks", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Every streak under the rule, longest first" in out
    assert "ongoing" in out


def test_the_streaks_table_marks_the_ongoing_streak(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a streak that ran to today in New York, and an older, longer one
    today = datetime.now(ZoneInfo("America/New_York")).date()
    current = daily_runs(today - timedelta(days=19), 20)
    older = daily_runs(today - timedelta(days=90), 30)
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in current + older]))
    # when the streaks are listed
    code = main(["streaks", "--db", str(path), "--tz", "America/New_York"])
    lines = capsys.readouterr().out.splitlines()
    # then the ongoing one says so (done today; at risk should midnight pass meanwhile),
    # and the older one does not
    assert code == 0
    now_line = next(line for line in lines if str(today - timedelta(days=19)) in line)
    old_line = next(line for line in lines if str(today - timedelta(days=90)) in line)
    assert "ongoing" in now_line
    assert "ongoing" not in old_line
