"""`streak import`, `streak add` and `streak remove` on a real DuckDB file: what a runner
sees, what the database ends up counting, and that a refused import changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from cli_outcome import Terminal, streak
from fixtures.activity_files import (
    CENTRAL_PARK,
    TOKYO_STATION,
    FitLeg,
    StravaRow,
    fit_bytes,
    gpx_bytes,
    gz,
    steady_points,
    strava_csv,
    tcx_bytes,
    zip_bytes,
)
from helpers import run
from streakcore.domain.models import Activity
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

START = datetime(2025, 6, 1, 11, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("clean_streak_env")  # home: America/New_York


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def watch(tmp_path: Path) -> Path:
    """A FIT run and its GPX export (one run), a ride, a Tokyo GPX, a truncated FIT."""
    points = steady_points(seconds=1800, metres_per_s=3.0, start=CENTRAL_PARK)
    fit = fit_bytes(FitLeg(START, points), local_offset=timedelta(hours=-4))
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "run.fit").write_bytes(fit)
    (folder / "run.gpx").write_bytes(gpx_bytes(START, points))
    ride = FitLeg(START + timedelta(days=1), steady_points(seconds=600, metres_per_s=8))
    (folder / "ride.fit").write_bytes(fit_bytes(FitLeg(ride.start, ride.points, sport="cycling")))
    tokyo_start = datetime(2025, 6, 2, 22, 0, tzinfo=UTC)  # 07:00 on the 3rd in Tokyo
    tokyo_points = steady_points(seconds=1200, metres_per_s=3.0, start=TOKYO_STATION)
    (folder / "tokyo.gpx.gz").write_bytes(gz(gpx_bytes(tokyo_start, tokyo_points)))
    (folder / "cut.fit").write_bytes(fit[:300])
    return folder


def counted(db: Path) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT CAST(local_date AS VARCHAR), source, zone_source FROM runs ORDER BY local_date"
        ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def test_import_counts_each_real_run_once_and_names_the_rejected_file(
    watch: Path, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    outcome = streak(["import", str(watch), "--db", str(db), "--json"])

    assert outcome.code == 0
    body = json.loads(outcome.out)
    assert {k: body[k] for k in ("imported", "duplicates", "skipped", "rejected")} == {
        "imported": 2,
        "duplicates": 1,
        "skipped": 1,
        "rejected": 1,
    }
    assert body["skipped_by_sport"] == {"cycling": 1}
    assert [f["file"] for f in body["rejected_files"]] == [str(watch / "cut.fit")]
    assert "truncated" in body["rejected_files"][0]["reason"]
    assert outcome.err_lines == [
        f"streak: rejected {watch / 'cut.fit'}: {body['rejected_files'][0]['reason']}"
    ]
    # the FIT (richer than its GPX) counts, on New York's date; Tokyo's run on Tokyo's date
    assert counted(db) == [
        ("2025-06-01", "fit", "fit-local-timestamp"),
        ("2025-06-03", "gpx", "track-position"),
    ]


def test_importing_the_same_files_again_adds_nothing(watch: Path, tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    streak(["import", str(watch), "--db", str(db)])
    again = streak(["import", str(watch), "--db", str(db), "--json"])

    body = json.loads(again.out)
    assert (body["imported"], body["duplicates"], body["runs_in_database"]) == (0, 3, 2)
    assert len(counted(db)) == 2


def test_an_import_with_nothing_readable_exits_2_and_leaves_the_database_untouched(
    watch: Path, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    streak(["import", str(watch / "run.fit"), "--db", str(db)])
    before = digest(db)

    outcome = streak(["import", str(watch / "cut.fit"), "--db", str(db)])

    assert outcome.code == 2
    assert outcome.err_lines[0].startswith(f"streak: rejected {watch / 'cut.fit'}: ")
    assert outcome.err_lines[-1].startswith("streak: error: nothing could be imported")
    assert digest(db) == before
    assert not (tmp_path / "runs.duckdb.backup").exists()


def test_a_strava_export_row_without_a_file_counts_on_the_home_date(tmp_path: Path) -> None:
    export = tmp_path / "export.zip"
    late = datetime(2025, 6, 5, 3, 30, tzinfo=UTC)  # 23:30 on the 4th in New York
    csv = strava_csv([StravaRow("9", late, "Treadmill", "Run", "", 5000.0, 1500)])
    export.write_bytes(zip_bytes({"activities.csv": csv}))
    db = tmp_path / "runs.duckdb"

    outcome = streak(["import", str(export), "--db", str(db)])

    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith("imported 1 runs, 0 already there or duplicates")
    assert counted(db) == [("2025-06-04", "strava-export", "home")]


def test_a_file_without_place_or_local_time_takes_the_tz_flag(tmp_path: Path) -> None:
    treadmill = tmp_path / "treadmill.tcx"
    late = datetime(2025, 6, 5, 3, 30, tzinfo=UTC)  # 05:30 in Berlin, 23:30 in New York
    treadmill.write_bytes(tcx_bytes(late, [steady_points(seconds=900, metres_per_s=3.0)]))
    db = tmp_path / "runs.duckdb"

    outcome = streak(["import", str(treadmill), "--db", str(db), "--tz", "Europe/Berlin"])

    assert outcome.code == 0, outcome.err
    assert counted(db) == [("2025-06-05", "tcx", "--tz")]


def test_a_bad_tz_is_one_line_and_exit_2(watch: Path, tmp_path: Path) -> None:
    outcome = streak(
        ["import", str(watch), "--db", str(tmp_path / "x.duckdb"), "--tz", "Mars/Base"]
    )
    assert outcome.is_one_line_refusal()
    assert not (tmp_path / "x.duckdb").exists()


def test_a_later_smashrun_copy_of_an_imported_run_does_not_double_the_day(
    watch: Path, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    streak(["import", str(watch / "run.fit"), "--db", str(db)])
    # SmashRun's copy of the FIT run: 30 s later, 60 m shorter, no splits yet
    smashrun = Activity(
        activity_id="987654",
        start_local=(START + timedelta(seconds=30)).astimezone(timezone(timedelta(hours=-4))),
        distance_m=1800 * 3.0 - 60.0,
        duration_s=1800.0,
    )
    with DuckDBRunStore.open(db) as store:
        store.apply(Batch(activities=[StoredActivity(smashrun, "fp", None, [])]))
        days = store.days()
    assert [(d.local_date.isoformat(), d.runs) for d in days] == [("2025-06-01", 1)]


def test_add_logs_a_manual_run_that_the_ledger_marks_and_remove_takes_it_out(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "runs.duckdb")
    added = streak(["add", "--date", "2026-12-05", "--distance", "2mi", "--duration", "18:30",
                    "--note", "hotel treadmill", "--db", db, "--json"])  # fmt: skip
    assert added.code == 0, added.err
    assert json.loads(added.out)["added"] == "manual-20261205-1"

    ledger = streak(["ledger", "--csv", "--db", db])
    assert "manual-20261205-1" in ledger.out
    assert ledger.out.splitlines()[0].endswith(",sources")
    assert ledger.out.splitlines()[1].endswith(",manual")

    stats = streak(["stats", "--db", db, "--as-of", "2026-12-05T20:00:00-05:00"])
    assert "1 runs" in stats.out
    assert "(manual 1)" in stats.out

    removed = streak(["remove", "manual-20261205-1", "--db", db])
    assert removed.code == 0, removed.err
    assert counted(Path(db)) == []


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["add", "--date", "5 Dec", "--distance", "2mi"], "cannot read --date '5 Dec'"),
        (["add", "--date", "2026-12-05", "--distance", "far"], "cannot read distance 'far'"),
        (["add", "--date", "2026-12-05", "--distance", "2mi", "--duration", "9:99"], "--duration"),
        (["remove", "nope"], "no run with the id 'nope'"),
    ],
)
def test_bad_add_and_remove_input_is_one_line_and_exit_2(
    argv: list[str], says: str, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    streak(["add", "--date", "2026-12-04", "--distance", "1mi", "--db", str(db)])
    before = digest(db)
    outcome = streak([*argv, "--db", str(db)])
    assert outcome.is_one_line_refusal(), outcome
    assert says in outcome.err
    assert digest(db) == before


def test_remove_refuses_a_smashrun_run(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(db) as store:
        store.apply(Batch(activities=[StoredActivity(run("2026-12-01", activity_id="555"), "fp")]))
    outcome = streak(["remove", "555", "--db", str(db)])
    assert outcome.is_one_line_refusal()
    assert "delete it there" in outcome.err


def test_a_big_import_shows_a_progress_bar_on_a_terminal_and_none_into_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given sixty runs' GPX files
    folder = tmp_path / "many"
    folder.mkdir()
    for day in range(60):
        points = steady_points(seconds=300, metres_per_s=3.0, start=CENTRAL_PARK)
        (folder / f"{day:02d}.gpx").write_bytes(gpx_bytes(START + timedelta(days=day), points))
    # when imported at a terminal, then again into a pipe
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["import", str(folder), "--db", str(tmp_path / "a.duckdb")]) == 0
    monkeypatch.undo()
    assert main(["import", str(folder), "--db", str(tmp_path / "b.duckdb")]) == 0
    # then the terminal saw the bar (and the summary), the pipe only the summary
    assert "Reading activities" in terminal.getvalue()
    assert "imported 60 runs" in terminal.getvalue()
    piped = capsys.readouterr().out
    assert piped.startswith("imported 60 runs")
    assert "Reading activities" not in piped


def test_import_sports_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a walk's GPX, and a runner who counts walks
    walk = tmp_path / "walk.gpx"
    points = steady_points(seconds=1800, metres_per_s=1.4, start=CENTRAL_PARK)
    walk.write_bytes(gpx_bytes(START, points, sport="walking"))
    db = tmp_path / "runs.duckdb"
    skipped = json.loads(streak(["import", str(walk), "--db", str(db), "--json"]).out)
    monkeypatch.setenv("STREAK_IMPORT_SPORTS", "running, walking,")
    counted_now = json.loads(streak(["import", str(walk), "--db", str(db), "--json"]).out)

    assert (skipped["imported"], skipped["skipped_by_sport"]) == (0, {"walking": 1})
    assert (counted_now["imported"], counted_now["skipped"]) == (1, 0)
