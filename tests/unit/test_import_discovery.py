"""Finding activity files: folders, gzip, zips (Strava, Garmin), and what is refused."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fixtures.activity_files import (
    CENTRAL_PARK,
    FitLeg,
    fit_bytes,
    gpx_bytes,
    gz,
    steady_points,
    tcx_bytes,
    zip_bytes,
)
from streakcore.importers.discovery import FoundFile, Unreadable, discover
from streakcore.importers.limits import ImportLimits

START = datetime(2025, 6, 1, 11, 0, tzinfo=UTC)
POINTS = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
GPX = gpx_bytes(START, POINTS)
TCX = tcx_bytes(START, [POINTS])
FIT = fit_bytes(FitLeg(START, POINTS), local_offset=timedelta(hours=-4))


def found(paths: list[Path], **limits: int) -> list[FoundFile | Unreadable]:
    items = list(discover(paths, ImportLimits(**limits)))
    assert all(isinstance(i, FoundFile | Unreadable) for i in items)
    return items  # type: ignore[return-value]


def origins(items: list[FoundFile | Unreadable]) -> list[str]:
    return [i.origin for i in items]


def test_a_folder_is_walked_recursively_in_name_order_and_other_files_are_ignored(
    tmp_path: Path,
) -> None:
    # given activity files at two depths, one gzipped, beside a photo and a note
    (tmp_path / "2024" / "june").mkdir(parents=True)
    (tmp_path / "b.gpx").write_bytes(GPX)
    (tmp_path / "a.tcx.gz").write_bytes(gz(TCX))
    (tmp_path / "2024" / "june" / "c.FIT").write_bytes(FIT)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "notes.txt").write_text("ran well")
    # when discovered
    items = found([tmp_path])
    # then the three activity files come out, decompressed, in a stable order
    assert origins(items) == [
        str(tmp_path / "a.tcx.gz"),
        str(tmp_path / "b.gpx"),
        str(tmp_path / "2024" / "june" / "c.FIT"),
    ]
    assert [(i.file_format, i.data) for i in items if isinstance(i, FoundFile)] == [
        ("tcx", TCX),
        ("gpx", GPX),
        ("fit", FIT),
    ]


def test_a_path_that_is_missing_or_of_another_kind_is_named_as_unreadable(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    items = found([tmp_path / "nope.gpx", tmp_path / "photo.jpg"])
    assert items == [
        Unreadable(str(tmp_path / "nope.gpx"), "no such file or folder"),
        Unreadable(
            str(tmp_path / "photo.jpg"),
            "not a .gpx, .tcx or .fit file (optionally .gz), a folder or a .zip",
        ),
    ]


def test_a_damaged_gz_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "run.gpx.gz").write_bytes(gz(GPX)[:-20])
    [item] = found([tmp_path / "run.gpx.gz"])
    assert isinstance(item, Unreadable)
    assert "damaged or truncated" in item.reason


def test_a_gz_bomb_is_refused_at_the_size_limit(tmp_path: Path) -> None:
    # given 8 MiB of zeros gzipped to a few kB, and a 1 MiB limit
    (tmp_path / "bomb.fit.gz").write_bytes(gz(bytes(8 * 1024 * 1024)))
    [item] = found([tmp_path / "bomb.fit.gz"], max_file_bytes=1024 * 1024)
    assert isinstance(item, Unreadable)
    assert "larger than 1 MiB once decompressed" in item.reason


def test_a_zip_of_activity_files_yields_each_member_named_inside_the_zip(tmp_path: Path) -> None:
    archive = tmp_path / "runs.zip"
    archive.write_bytes(zip_bytes({"runs/one.gpx": GPX, "runs/two.fit.gz": gz(FIT), "x.txt": b""}))
    items = found([archive])
    assert origins(items) == [f"{archive}:runs/one.gpx", f"{archive}:runs/two.fit.gz"]
    assert [i.data for i in items if isinstance(i, FoundFile)] == [GPX, FIT]


def test_a_zip_member_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    # given a zip whose member is 8 MiB of zeros (a few kB stored), before a good member
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bytes({"a.gpx": bytes(8 * 1024 * 1024), "b.gpx": GPX}))
    items = found([archive], max_file_bytes=1024 * 1024)
    # then the bomb is refused by name and the good member still comes out
    assert isinstance(items[0], Unreadable)
    assert items[0].origin == f"{archive}:a.gpx"
    assert "zip bomb" in items[0].reason
    assert isinstance(items[1], FoundFile)


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../../outside.gpx", "climbs out of the archive"),
        ("activities/../../outside.gpx", "climbs out of the archive"),
        ("/etc/run.gpx", "absolute member path"),
        ("C:/runs/run.gpx", "absolute member path"),
    ],
)
def test_a_zip_member_with_an_unsafe_path_is_refused_by_name(
    tmp_path: Path, member: str, reason: str
) -> None:
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({member: GPX}))
    [item] = found([archive])
    assert isinstance(item, Unreadable)
    assert item.origin == f"{archive}:{member}"
    assert reason in item.reason


def test_a_symlink_inside_a_zip_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("run.gpx")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    (tmp_path / "links.zip").write_bytes(buffer.getvalue())
    [item] = found([tmp_path / "links.zip"])
    assert isinstance(item, Unreadable)
    assert "symbolic link" in item.reason


def test_a_zip_member_whose_bytes_are_damaged_is_refused_and_the_rest_read(tmp_path: Path) -> None:
    # given a zip whose first member's compressed bytes were overwritten
    data = bytearray(zip_bytes({"a.gpx": GPX, "b.gpx": GPX}))
    first = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    body = first.header_offset + 30 + len(first.filename)
    data[body + 10 : body + 40] = bytes(30)
    (tmp_path / "hurt.zip").write_bytes(bytes(data))
    items = found([tmp_path / "hurt.zip"])
    assert isinstance(items[0], Unreadable)
    assert "damaged" in items[0].reason
    assert isinstance(items[1], FoundFile)


def test_a_file_named_zip_that_is_not_one_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "export.zip").write_bytes(b"PK but not really")
    [item] = found([tmp_path / "export.zip"])
    assert isinstance(item, Unreadable)
    assert "not a readable zip" in item.reason


def test_a_garmin_export_reads_fit_files_inside_its_nested_zips(tmp_path: Path) -> None:
    # given Garmin's "export your data" layout: FIT files in part zips inside the export
    part1 = zip_bytes({"someone_1001.fit": FIT, "someone_1002.fit": FIT})
    part2 = zip_bytes({"someone_1003.fit": FIT})
    export = tmp_path / "garmin.zip"
    uploads = "DI_CONNECT/DI-Connect-Uploaded-Files"
    export.write_bytes(
        zip_bytes(
            {
                "DI_CONNECT/DI-Connect-Fitness/someone_0_summarizedActivities.json": b"[]",
                f"{uploads}/UploadedFiles_0-_Part1.zip": part1,
                f"{uploads}/UploadedFiles_0-_Part2.zip": part2,
            }
        )
    )
    items = found([export])
    assert origins(items) == [
        f"{export}:{uploads}/UploadedFiles_0-_Part1.zip:someone_1001.fit",
        f"{export}:{uploads}/UploadedFiles_0-_Part1.zip:someone_1002.fit",
        f"{export}:{uploads}/UploadedFiles_0-_Part2.zip:someone_1003.fit",
    ]
    assert all(isinstance(i, FoundFile) and i.data == FIT for i in items)


def test_zips_nested_deeper_than_the_limit_are_refused(tmp_path: Path) -> None:
    innermost = zip_bytes({"run.gpx": GPX})
    export = tmp_path / "deep.zip"
    export.write_bytes(zip_bytes({"a.zip": zip_bytes({"b.zip": innermost})}))
    [item] = found([export], max_nesting=1)
    assert item == Unreadable(f"{export}:a.zip:b.zip", "a zip nested more than 1 deep")


def test_discovery_hands_out_one_file_at_a_time(tmp_path: Path) -> None:
    # given a folder of two files, the second of which is removed after the first is seen
    (tmp_path / "a.gpx").write_bytes(GPX)
    (tmp_path / "b.gpx").write_bytes(GPX)
    items = discover([tmp_path])
    first = next(items)
    (tmp_path / "b.gpx").unlink()
    # then the first was read alone (the second is read only when asked for)
    assert isinstance(first, FoundFile)
    assert isinstance(next(items), Unreadable)
