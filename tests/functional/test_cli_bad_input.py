"""What a runner can type that makes no sense: time zones that are directories or too long,
instants and years at the ends of the calendar, counts and budgets that are not numbers.
Each is one `streak: error:` line and exit 2, never a traceback; and the heatmap, badge and
ledger files never land on the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_outcome import Outcome, streak
from helpers import daily_runs
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

EVENING = "2026-11-24T20:00:00-05:00"
ZONE = ["--tz", "America/New_York"]
DUCKDB_MAGIC = b"DUCK"


@pytest.fixture
def db(tmp_path: Path, clean_streak_env: Path) -> Path:
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        runs = daily_runs("2026-11-01", 24)
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return path


def refused(outcome: Outcome, *says: str) -> bool:
    return outcome.is_one_line_refusal() and all(s in outcome.err for s in says)


# -- item 6: time zones --------------------------------------------------------------------


@pytest.mark.parametrize("command", ["stats", "rules", "check", "heatmap", "badge"])
@pytest.mark.parametrize("zone", ["America", "Europe", "Etc", "US", "A" * 300, "Europe/" * 700])
def test_a_time_zone_that_is_a_directory_or_too_long_is_one_line_and_exit_2(
    db: Path, command: str, zone: str
) -> None:
    extra = ["--no-sync"] if command == "check" else []
    # when
    outcome = streak([command, *extra, "--db", str(db), "--tz", zone, "--as-of", EVENING])
    # then
    assert refused(outcome, "unknown time zone"), outcome


@pytest.mark.parametrize("zone", ["America", "E" * 300])
def test_a_home_zone_setting_that_is_a_directory_is_one_line_and_exit_2(
    db: Path, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_TIMEZONE", zone)

    outcome = streak(["stats", "--db", str(db)])

    assert refused(outcome, "unknown time zone"), outcome


# -- item 7: the ends of the calendar and numbers that are not numbers ----------------------


@pytest.mark.parametrize("command", ["stats", "rules", "check", "heatmap", "badge"])
@pytest.mark.parametrize(
    "as_of",
    [
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31",
        "1969-12-31T23:59:59+00:00",
        "2201-01-01T00:00:00+00:00",
    ],
)
def test_an_instant_outside_the_years_we_answer_for_is_refused_like_the_api_does(
    db: Path, command: str, as_of: str
) -> None:
    extra = ["--no-sync"] if command == "check" else []

    outcome = streak([command, *extra, "--db", str(db), "--as-of", as_of, *ZONE])

    assert refused(outcome, "--as-of must fall between 1970 and 2200"), outcome


@pytest.mark.parametrize("as_of", ["1970-01-01T00:00:00+14:00", "2200-12-31T23:59:59-12:00"])
def test_the_first_and_last_instants_we_answer_for_are_answered(db: Path, as_of: str) -> None:
    outcome = streak(["stats", "--json", "--db", str(db), "--as-of", as_of, *ZONE])

    assert outcome.code == 0, outcome


@pytest.mark.parametrize("year", ["9999", "1", "0", "-1", "1969", "2201", "1e3", "twenty"])
def test_a_heatmap_of_a_year_we_cannot_draw_is_refused(db: Path, year: str) -> None:
    outcome = streak(["heatmap", "--year", year, "--db", str(db), "--as-of", EVENING, *ZONE])

    assert refused(outcome, "--year", "1970", "2200"), outcome


@pytest.mark.parametrize("year", ["1970", "2200"])
def test_a_heatmap_of_the_first_or_last_year_is_drawn(db: Path, year: str) -> None:
    outcome = streak(["heatmap", "--year", year, "--db", str(db), "--as-of", EVENING, *ZONE])

    assert outcome.code == 0, outcome
    assert "<svg" in outcome.out


@pytest.mark.parametrize(
    "top", ["1e23", "0", "-1", "99999999999999999999", "9223372036854775808", "nan", "ten"]
)
def test_a_streak_count_that_is_not_a_sensible_whole_number_is_refused(db: Path, top: str) -> None:
    outcome = streak(["streaks", "--db", str(db), "-n", top])

    assert refused(outcome, "-n/--top", "whole number"), outcome


@pytest.mark.parametrize("budget", ["nan", "inf", "-inf", "-1", "0", "1e400", "100000", "soon"])
def test_a_sync_budget_that_is_not_a_sensible_number_of_seconds_is_refused(
    db: Path, budget: str
) -> None:
    outcome = streak(["sync", "--db", str(db), f"--budget={budget}"])

    assert refused(outcome, "--budget", "seconds"), outcome


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e400"])
def test_a_sync_budget_setting_that_is_not_a_sensible_number_is_refused(
    db: Path, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_SYNC_BUDGET_S", value)

    outcome = streak(["sync", "--db", str(db)])

    assert refused(outcome, "sync_budget_s"), outcome


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0", "1e400"])
def test_an_auth_timeout_that_is_not_a_sensible_number_of_seconds_is_refused(
    timeout: str, clean_streak_env: Path
) -> None:
    outcome = streak(["auth", "--no-browser", "--timeout", timeout])

    assert refused(outcome, "--timeout", "seconds"), outcome


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_redirect_port_no_socket_can_have_is_refused(
    port: str, clean_streak_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_SMASHRUN_CLIENT_ID", "client-id")
    monkeypatch.setenv("STREAK_SMASHRUN_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("STREAK_SMASHRUN_REDIRECT_PORT", port)

    outcome = streak(["auth", "--no-browser", "--timeout", "1"])

    assert refused(outcome, "smashrun_redirect_port"), outcome
    assert "client-secret" not in outcome.err


@pytest.mark.parametrize("years", ["nan", "inf", "-1", "0", "0.1", "1e9", "many"])
def test_demo_years_that_are_not_a_sensible_history_are_refused(years: str, tmp_path: Path) -> None:
    outcome = streak(["demo", "--dir", str(tmp_path / "demo"), "--years", years])

    assert refused(outcome, "--years"), outcome
    assert not (tmp_path / "demo").exists()


def test_a_demo_directory_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    # given a --dir below a regular file
    (tmp_path / "notes.txt").write_text("not a directory")
    # when
    outcome = streak(["demo", "--dir", str(tmp_path / "notes.txt" / "demo"), "--years", "1"])
    # then
    assert refused(outcome, "pass another --dir"), outcome


@pytest.mark.parametrize("label", ["run\x00streak", "line\nbreak", "\udcff", "L" * 101])
def test_a_badge_label_no_svg_can_hold_is_refused(db: Path, label: str) -> None:
    outcome = streak(["badge", "--db", str(db), f"--label={label}", "--as-of", EVENING, *ZONE])

    assert refused(outcome, "--label"), outcome


def test_a_badge_label_may_be_any_drawable_text(db: Path) -> None:
    outcome = streak(["badge", "--db", str(db), "--label=🏃 días", "--as-of", EVENING, *ZONE])

    assert outcome.code == 0, outcome
    assert "🏃 días" in outcome.out


def test_the_demos_shortest_history_is_the_synthetic_athletes() -> None:
    from streakcore.entrypoints.cli.commands.demo import MIN_YEARS
    from streakcore.testing.athletes import MIN_YEARS as ATHLETE_MIN_YEARS

    assert MIN_YEARS == ATHLETE_MIN_YEARS


@pytest.mark.parametrize(
    "distance",
    ["1e400km", "1" + "0" * 400 + "km", "nan", "-1mi", "inf km", "1001km", "622mi", "1000001m"],
)
@pytest.mark.parametrize("command", ["stats", "streaks", "rules", "ledger"])
def test_a_minimum_distance_that_is_not_a_sensible_distance_is_refused(
    db: Path, command: str, distance: str
) -> None:
    outcome = streak([command, "--db", str(db), "--min-distance", distance])

    assert refused(outcome, "distance"), outcome


def test_the_farthest_minimum_distance_is_answered(db: Path) -> None:
    outcome = streak(["stats", "--json", "--db", str(db), "--min-distance", "1000km"])

    assert outcome.code == 0, outcome


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--from", "0001-01-01"), ("--to", "9999-12-31"), ("--from", "2026-02-30")],
)
def test_ledger_dates_at_the_ends_of_the_calendar_are_answered_or_refused_in_one_line(
    db: Path, flag: str, value: str
) -> None:
    outcome = streak(["ledger", "--csv", "--db", str(db), flag, value])

    assert outcome.code == 0 or refused(outcome, flag), outcome


@pytest.mark.parametrize("db_text", ["", "runs\x00.duckdb"])
def test_a_database_path_no_file_can_have_is_refused(db_text: str) -> None:
    outcome = streak(["stats", "--db", db_text])

    assert refused(outcome, "--db"), outcome


# -- item 8: -o never lands on the database -----------------------------------------------


OUTPUT_COMMANDS = [
    pytest.param(["badge", "--as-of", EVENING, *ZONE], id="badge"),
    pytest.param(["heatmap", "--year", "2026", "--as-of", EVENING, *ZONE], id="heatmap"),
    pytest.param(["ledger", "--csv"], id="ledger"),
]


def _spellings(db: Path) -> list[str]:
    """The database's path as a runner might type it, and the files kept beside it."""
    return [
        str(db),
        os.path.relpath(db),
        str(db.parent / "." / db.name),
        str(db.parent / ".." / db.parent.name / db.name),
        *(str(db.with_name(f"{db.name}.{s}")) for s in ("wal", "backup", "stats.json")),
        *(str(db.with_name(f"{db.name}.{s}")) for s in ("sync_state.json", "health.json")),
    ]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_output_onto_the_database_or_a_file_beside_it_is_refused_and_nothing_changes(
    db: Path, command: list[str]
) -> None:
    before = db.read_bytes()
    for target in _spellings(db):
        # when the output is sent to the database (or its WAL, backup, documents)
        outcome = streak([*command, "--db", str(db), "-o", target])
        # then it is refused in one line and the database is as it was
        assert refused(outcome, "-o"), (target, outcome)
        assert db.read_bytes() == before
        assert not db.with_name(db.name + ".wal").exists()


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_output_through_a_link_to_the_database_is_refused(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    # given a symlink and a hard link to the database under other names
    (tmp_path / "picture.svg").symlink_to(db)
    os.link(db, tmp_path / "copy.bin")
    before = db.read_bytes()
    for target in ("picture.svg", "copy.bin"):
        # when the output goes to one of them
        outcome = streak([*command, "--db", str(db), "-o", str(tmp_path / target)])
        # then
        assert refused(outcome, "is the database"), (target, outcome)
    assert db.read_bytes() == before


def test_output_onto_another_duckdb_database_is_refused(db: Path, tmp_path: Path) -> None:
    # given a second database that is not the one being read
    other = tmp_path / "other.duckdb"
    other.write_bytes(db.read_bytes())
    # when a badge is written onto it, or onto its WAL
    onto_file = streak(["badge", "--db", str(db), "-o", str(other), "--as-of", EVENING, *ZONE])
    onto_wal = streak(["badge", "--db", str(db), "-o", f"{other}.wal", "--as-of", EVENING, *ZONE])
    # then both are refused and the other database is untouched
    assert refused(onto_file, "is a DuckDB database"), onto_file
    assert refused(onto_wal, "write-ahead log"), onto_wal
    assert other.read_bytes() == db.read_bytes()
    assert not Path(f"{other}.wal").exists()


def test_output_replaces_an_existing_file_whole_and_keeps_its_mode(
    db: Path, tmp_path: Path
) -> None:
    # given an older badge that a web server reads
    out = tmp_path / "badge.svg"
    out.write_text("old badge")
    out.chmod(0o644)
    # when a new one is written
    outcome = streak(["badge", "--db", str(db), "-o", str(out), "--as-of", EVENING, *ZONE])
    # then it replaced the old one whole, kept its mode, and left no temporary file
    assert outcome.code == 0, outcome
    assert "<svg" in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["badge.svg", "runs.duckdb"]


def test_a_render_that_fails_leaves_no_half_file(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an older ledger, and a write that fails halfway (a full disk)
    out = tmp_path / "ledger.csv"
    out.write_text("the old ledger\n")
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        real_fsync(fd)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    # when
    outcome = streak(["ledger", "--csv", "--db", str(db), "-o", str(out)])
    # then one line, the old ledger whole, no temporary file left
    assert refused(outcome, "No space left on device"), outcome
    assert out.read_text() == "the old ledger\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "runs.duckdb"]


def test_output_to_a_device_is_written_not_replaced(db: Path) -> None:
    outcome = streak(["badge", "--db", str(db), "-o", os.devnull, "--as-of", EVENING, *ZONE])

    assert outcome.code == 0, outcome
    assert Path(os.devnull).is_char_device()
