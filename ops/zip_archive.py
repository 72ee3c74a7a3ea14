"""A byte-for-byte reproducible zip of a file tree, minus what Lambda never needs.

Reproducible means: the same files give the same SHA-256 whatever their mtimes, owners,
modes or the order the file system lists them in.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from streakcore.errors import StreakError

# Zip cannot store dates before 1980; it is also the conventional "no date" value.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# A regular file, rw-r--r--: Lambda only needs to read (and mmap) what it imports.
FILE_MODE = 0o100644
UNIX_CREATOR = 3
COMPRESS_LEVEL = 9

EXCLUDED_DIR_NAMES = frozenset({"__pycache__", "tests", "test"})
# Bytecode from a wheel (or this machine) may be for another CPython; ops/bytecode.py
# compiles what the Lambda needs with the runtime's. Stubs are for type checkers only.
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo", ".pyi"})
# PEP 561 markers, read by type checkers only.
EXCLUDED_FILE_NAMES = frozenset({"py.typed"})
# RECORD lists the console scripts pip wrote (whose shebang names the build machine's
# interpreter), so it differs between machines; INSTALLER/REQUESTED/direct_url.json say
# how, not what, was installed. Nothing reads them at run time.
EXCLUDED_DIST_INFO_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# pip --target puts console scripts here; they are useless inside a Lambda.
EXCLUDED_TOP_LEVEL_DIRS = frozenset({"bin"})


@dataclass(frozen=True)
class ArchiveStats:
    path: Path
    sha256: str
    zipped_bytes: int
    unzipped_bytes: int
    entries: int


def is_excluded(relative: PurePosixPath) -> bool:
    """True for caches, tests, typing files, console scripts and install bookkeeping."""
    parts = relative.parts
    if not parts:
        return True
    if parts[0] in EXCLUDED_TOP_LEVEL_DIRS:
        return True
    if any(part in EXCLUDED_DIR_NAMES for part in parts[:-1]):
        return True
    if relative.suffix in EXCLUDED_SUFFIXES or relative.name in EXCLUDED_FILE_NAMES:
        return True
    in_dist_info = len(parts) >= 2 and parts[-2].endswith(".dist-info")
    return in_dist_info and parts[-1] in EXCLUDED_DIST_INFO_FILES


def collect_tree(root: Path, prefix: str = "") -> dict[str, Path]:
    """Map archive names to files under `root`, skipping what `is_excluded` rejects."""
    entries: dict[str, Path] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if is_excluded(relative):
            continue
        entries[str(PurePosixPath(prefix) / relative) if prefix else str(relative)] = path
    return entries


def zip_timestamp(source_date_epoch: str | None) -> tuple[int, int, int, int, int, int]:
    """The one timestamp every entry gets: SOURCE_DATE_EPOCH if given, never before 1980."""
    if not source_date_epoch:
        return ZIP_EPOCH
    moment = time.gmtime(int(source_date_epoch))
    stamp = (
        moment.tm_year,
        moment.tm_mon,
        moment.tm_mday,
        moment.tm_hour,
        moment.tm_min,
        moment.tm_sec,
    )
    return max(stamp, ZIP_EPOCH)


def write_reproducible_zip(
    entries: Mapping[str, Path],
    destination: Path,
    timestamp: tuple[int, int, int, int, int, int] = ZIP_EPOCH,
) -> ArchiveStats:
    """Write `entries` (archive name -> file) sorted, with fixed metadata and compression."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    unzipped_bytes = 0
    with zipfile.ZipFile(destination, "w") as archive:
        for name in sorted(entries):
            data = entries[name].read_bytes()
            unzipped_bytes += len(data)
            info = zipfile.ZipInfo(name, date_time=timestamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = UNIX_CREATOR
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return ArchiveStats(
        path=destination,
        sha256=sha256_of(destination),
        zipped_bytes=destination.stat().st_size,
        unzipped_bytes=unzipped_bytes,
        entries=len(entries),
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def merge_entries(*trees: Mapping[str, Path]) -> dict[str, Path]:
    """Union of several trees; a name claimed twice is a packaging bug, not a silent win."""
    merged: dict[str, Path] = {}
    for tree in trees:
        clashes = sorted(set(merged) & set(tree))
        if clashes:
            raise StreakError(f"two sources provide {clashes[0]} (and {len(clashes) - 1} more)")
        merged.update(tree)
    return merged


def entry_sizes(archive_path: Path) -> dict[str, tuple[int, int]]:
    """Each entry's (compressed, uncompressed) bytes: what it costs in the zip and unpacked."""
    with zipfile.ZipFile(archive_path) as archive:
        return {info.filename: (info.compress_size, info.file_size) for info in archive.infolist()}


def distributions(names: Iterable[str]) -> list[str]:
    """`name==version` of every installed distribution, read from dist-info folder names."""
    found = set()
    for name in names:
        top = name.split("/", 1)[0]
        if top.endswith(".dist-info"):
            project, _, version = top.removesuffix(".dist-info").partition("-")
            found.add(f"{project}=={version}")
    return sorted(found)
