"""A whole import: a folder and an export together, every outcome named and counted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

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
    zip_bytes,
)
from streakcore.domain.dedupe import RunRecord, kept
from streakcore.importers import Imported, ImportOptions, Rejected, Skipped, import_runs

HOME = ZoneInfo("America/New_York")
START = datetime(2017, 10, 8, 14, 54, 11, tzinfo=UTC)


def as_record(imported: Imported) -> RunRecord:
    run = imported.run
    return RunRecord(
        run.source, run.source_id, run.start_utc, run.distance_m, run.duration_s,
        run.has_splits, run.from_file,
    )  # fmt: skip


def test_a_folder_and_an_export_import_as_runs_skips_and_rejects_and_dedupe_to_real_runs(
    tmp_path: Path,
) -> None:
    # given a FIT run and its GPX export (one run), a ride, a truncated FIT, and a Strava
    # export holding the same FIT run again plus a Tokyo run
    points = steady_points(seconds=2800, metres_per_s=1.6, start=CENTRAL_PARK)
    fit = fit_bytes(FitLeg(START, points), local_offset=timedelta(hours=-4))
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "run.fit").write_bytes(fit)
    (folder / "run.gpx").write_bytes(gpx_bytes(START, points))
    ride = FitLeg(
        START + timedelta(days=1), steady_points(seconds=600, metres_per_s=8), sport="cycling"
    )
    (folder / "ride.fit").write_bytes(fit_bytes(ride))
    (folder / "cut.fit").write_bytes(fit[:300])
    tokyo_start = datetime(2025, 4, 1, 22, 0, tzinfo=UTC)
    tokyo = gpx_bytes(tokyo_start, steady_points(seconds=1200, metres_per_s=3, start=TOKYO_STATION))
    export = tmp_path / "export.zip"
    export.write_bytes(
        zip_bytes(
            {
                "activities.csv": strava_csv(
                    [
                        StravaRow("1", START, "Again", "Run", "activities/1.fit.gz", 4480.0, 2800),
                        StravaRow(
                            "2", tokyo_start, "Tokyo", "Run", "activities/2.gpx", 3600.0, 1200
                        ),
                    ]
                ),
                "activities/1.fit.gz": gz(fit),
                "activities/2.gpx": tokyo,
            }
        )
    )
    # when imported together
    outcomes = list(import_runs([folder, export], ImportOptions(home=HOME)))
    # then every outcome is named, and the rejected file gives one line
    counts = Counter(type(o).__name__ for o in outcomes)
    assert counts == {"Imported": 4, "Skipped": 1, "Rejected": 1}
    [rejected] = [o for o in outcomes if isinstance(o, Rejected)]
    assert rejected.line.startswith(f"{folder / 'cut.fit'}: the FIT file is truncated")
    assert [o.sport for o in outcomes if isinstance(o, Skipped)] == ["cycling"]
    # and the four imported records are two real runs, the standalone FIT kept for one
    imported = [o for o in outcomes if isinstance(o, Imported)]
    runs = kept(as_record(o) for o in imported)
    assert [(r.source, r.source_id) for r in runs] == [
        ("fit", imported[0].run.source_id),
        ("strava-export", "2"),
    ]


def test_a_rejection_is_one_line_even_when_the_parser_says_more() -> None:
    rejected = Rejected("export.zip:activities/1.gpx", "cannot be read\nline 2, column 7")
    assert rejected.line == "export.zip:activities/1.gpx: cannot be read line 2, column 7"


def test_files_parsed_in_worker_processes_give_the_same_outcomes_in_the_same_order(
    tmp_path: Path,
) -> None:
    # given a folder of twelve runs, one of them truncated
    folder = tmp_path / "many"
    folder.mkdir()
    for day in range(12):
        start = START + timedelta(days=day)
        points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
        (folder / f"{day:02d}.gpx").write_bytes(gpx_bytes(start, points))
    (folder / "05.gpx").write_bytes(b"<gpx")
    # when imported in this process, and with two workers after the first three files
    alone = list(import_runs([folder], ImportOptions(home=HOME)))
    parallel = list(import_runs([folder], ImportOptions(home=HOME), workers=2, parallel_after=3))
    # then the outcomes are the same, in the same order
    assert parallel == alone
    assert [type(o).__name__ for o in alone].count("Rejected") == 1


class _BrokenPool:
    """A process pool whose processes could not start."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def submit(self, *args: object, **kwargs: object) -> object:
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool("a child process terminated abruptly")

    def shutdown(self, **kwargs: object) -> None:
        pass


def test_an_import_whose_workers_cannot_start_parses_its_files_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given six runs, and worker processes that cannot start
    for day in range(6):
        points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
        (tmp_path / f"{day}.gpx").write_bytes(gpx_bytes(START + timedelta(days=day), points))
    monkeypatch.setattr("streakcore.importers.pipeline.ProcessPoolExecutor", _BrokenPool)
    # when imported with two workers after the first file
    outcomes = list(import_runs([tmp_path], ImportOptions(home=HOME), workers=2, parallel_after=1))
    # then every file was still read
    assert [type(o).__name__ for o in outcomes] == ["Imported"] * 6
