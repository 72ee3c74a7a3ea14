"""Find the activity files in the PATHs of an import, one at a time.

A PATH is a `.gpx`, `.tcx` or `.fit` file (each optionally `.gz`), a folder (walked
recursively, symlinked folders not followed), or a `.zip`:
- a Strava bulk export: `activities.csv` beside `activities/` (`.gpx`, `.tcx.gz`,
  `.fit.gz` ...); each file is paired with its CSV row, and a row with no file (a manual
  Strava entry) comes out as a summary;
- a Garmin "export your data" zip: FIT files in zips inside the zip
  (`DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip`); nested zips are
  read where they lie, never unpacked;
- any other zip of activity files.

Nothing is extracted to disk and nothing is held but the file at hand (and the CSV's rows):
memory does not grow with the export. Each member is read through `limits`, and a member
with an unsafe name (absolute, `..`, a link) is rejected by name.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from streakcore.importers.imported_run import FileFormat
from streakcore.importers.limits import (
    ImportLimits,
    describe_size,
    gunzip_bounded,
    read_bounded,
)
from streakcore.importers.rejection import UnreadableFile
from streakcore.importers.strava_csv import StravaActivity, read_activities

FORMATS: dict[str, FileFormat] = {".gpx": "gpx", ".tcx": "tcx", ".fit": "fit"}
STRAVA_CSV = "activities.csv"
ZIP_ENCRYPTED = 0x1


@dataclass(frozen=True)
class FoundFile:
    origin: str
    """The file, and the zip member inside it, for messages: `export.zip:activities/1.gpx`."""
    file_format: FileFormat
    data: bytes
    strava: StravaActivity | None = None


@dataclass(frozen=True)
class FoundSummary:
    """A Strava activity with no file: its CSV row is all there is."""

    origin: str
    strava: StravaActivity


@dataclass(frozen=True)
class PassedOver:
    """A Strava file its CSV row says is not wanted (a ride): counted, never decompressed."""

    origin: str
    strava: StravaActivity


@dataclass(frozen=True)
class Unreadable:
    origin: str
    reason: str


Found = FoundFile | FoundSummary | PassedOver | Unreadable
Wanted = Callable[[StravaActivity], bool]


def activity_format(name: str) -> tuple[FileFormat, bool] | None:
    """(format, gzipped) from a file name, or None when it is no activity file."""
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    stem = lower[:-3] if gzipped else lower
    file_format = FORMATS.get(posixpath.splitext(stem)[1])
    return None if file_format is None else (file_format, gzipped)


def discover(
    paths: Iterable[Path],
    limits: ImportLimits | None = None,
    wanted: Wanted | None = None,
) -> Iterator[Found]:
    """Every activity file under `paths`, in a stable order, one at a time.

    `wanted` lets a Strava export's CSV rule out a file before it is read.
    """
    walker = _Walker(limits or ImportLimits(), wanted or (lambda _: True))
    for path in paths:
        yield from walker.path(path, explicit=True)


class _Walker:
    def __init__(self, limits: ImportLimits, wanted: Wanted) -> None:
        self.limits = limits
        self.wanted = wanted

    def path(self, path: Path, *, explicit: bool) -> Iterator[Found]:
        if path.is_dir():
            yield from self.folder(path)
        elif not path.exists():
            yield Unreadable(str(path), "no such file or folder")
        elif path.suffix.lower() == ".zip":
            yield from self.zip_file(path)
        elif (kind := activity_format(path.name)) is not None:
            yield self.plain_file(path, *kind)
        elif explicit:
            yield Unreadable(
                str(path), "not a .gpx, .tcx or .fit file (optionally .gz), a folder or a .zip"
            )

    def folder(self, folder: Path) -> Iterator[Found]:
        for root, dirs, files in os.walk(folder, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                yield from self.path(Path(root) / name, explicit=False)

    def plain_file(self, path: Path, file_format: FileFormat, gzipped: bool) -> Found:
        try:
            with path.open("rb") as stream:
                data = self.read(stream, gzipped)
        except UnreadableFile as exc:
            return Unreadable(str(path), exc.reason)
        except OSError as exc:
            return Unreadable(str(path), f"cannot be read ({exc.strerror or exc})")
        return FoundFile(str(path), file_format, data)

    def read(self, stream: IO[bytes], gzipped: bool) -> bytes:
        limit = self.limits.max_file_bytes
        if gzipped:
            return gunzip_bounded(stream, limit)
        return read_bounded(stream, limit, "the file")

    def zip_file(self, path: Path) -> Iterator[Found]:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            yield Unreadable(str(path), f"not a readable zip file ({exc})")
            return
        with archive:
            yield from self.archive(archive, str(path), depth=0)

    def archive(self, archive: zipfile.ZipFile, origin: str, depth: int) -> Iterator[Found]:
        members = archive.infolist()
        strava = self.strava_rows(archive, members, origin)
        if isinstance(strava, Unreadable):
            yield strava
            strava = None
        by_file = {} if strava is None else strava.by_file
        for info in members:
            if info.is_dir():
                continue
            where = f"{origin}:{info.filename}"
            # Its row goes with the file, whatever becomes of the file: a rejected file
            # is not replaced by its CSV summary.
            row = by_file.pop(posixpath.normpath(info.filename), None)
            problem = _unsafe(info)
            if problem is not None:
                yield Unreadable(where, problem)
                continue
            if info.filename.lower().endswith(".zip"):
                yield from self.nested(archive, info, where, depth)
                continue
            kind = activity_format(info.filename)
            if kind is None:
                continue
            if row is not None and not self.wanted(row):
                yield PassedOver(where, row)
                continue
            try:
                with archive.open(info) as stream:
                    data = self.read(stream, kind[1])
            except UnreadableFile as exc:
                yield Unreadable(where, exc.reason)
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                yield Unreadable(where, f"the zip member is damaged ({exc})")
                continue
            except NotImplementedError as exc:
                yield Unreadable(where, f"the zip member cannot be unpacked here ({exc})")
                continue
            yield FoundFile(where, kind[0], data, row)
        if strava is not None:
            for member, row in by_file.items():
                yield FoundSummary(f"{origin}:{member}", row)
            for row in strava.without_file:
                yield FoundSummary(f"{origin}:{strava.csv_name}#{row.activity_id}", row)

    def nested(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, depth: int
    ) -> Iterator[Found]:
        if depth + 1 > self.limits.max_nesting:
            yield Unreadable(where, f"a zip nested more than {self.limits.max_nesting} deep")
            return
        try:
            # A member stream seeks (by reading forward, or from its start to go back),
            # so the nested zip is read in place: nothing is unpacked to disk.
            with archive.open(info) as stream, zipfile.ZipFile(stream) as inner:
                yield from self.archive(inner, where, depth + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            yield Unreadable(where, f"the nested zip is damaged ({exc})")
        except NotImplementedError as exc:
            yield Unreadable(where, f"the nested zip cannot be unpacked here ({exc})")

    def strava_rows(
        self, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], origin: str
    ) -> _StravaIndex | Unreadable | None:
        csvs = [
            info
            for info in members
            if posixpath.basename(info.filename).lower() == STRAVA_CSV and _unsafe(info) is None
        ]
        if not csvs:
            return None
        info = min(csvs, key=lambda i: (i.filename.count("/"), i.filename))
        root = posixpath.dirname(info.filename)
        index = _StravaIndex(info.filename)
        try:
            with archive.open(info) as raw:
                bounded = io.BufferedReader(_BoundedRaw(raw, self.limits.max_csv_bytes))
                for row in read_activities(bounded):
                    if row.filename:
                        member = posixpath.normpath(posixpath.join(root, row.filename))
                        index.by_file[member] = row
                    else:
                        index.without_file.append(row)
        except UnreadableFile as exc:
            return Unreadable(f"{origin}:{info.filename}", exc.reason)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            return Unreadable(f"{origin}:{info.filename}", f"the zip member is damaged ({exc})")
        return index


@dataclass
class _StravaIndex:
    csv_name: str
    by_file: dict[str, StravaActivity] = field(default_factory=dict)
    without_file: list[StravaActivity] = field(default_factory=list)


class _BoundedRaw(io.RawIOBase):
    """A read-only stream that refuses to go past `limit` bytes (for activities.csv)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.left = limit
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.raw.read(min(len(view), self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise UnreadableFile(
                f"activities.csv is larger than {describe_size(self.limit)}; refused"
            )
        view[: len(data)] = data
        return len(data)


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why a member's name or kind is not to be trusted, or None."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        return "an absolute member path; refused"
    if ".." in parts:
        return "a member path that climbs out of the archive (..); refused"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "a symbolic link inside the zip; refused"
    if info.flag_bits & ZIP_ENCRYPTED:
        return "an encrypted zip member; export it again without a password"
    return None
