"""The blob store (`ports.BlobStore`) on this machine: a directory, with the same
replace-if-unchanged rules as S3."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from streakcore.errors import BlobStoreError, StoreConflict, StoreLocked
from streakcore.ports import Blob, LocalCopy
from streakcore.storage.blob_files import check_key, prune_cache, remove_stale, write_atomically
from streakcore.storage.database_files import held_for_writing_elsewhere, wal_of
from streakcore.storage.durable import fsync_dir

_ASKING_THE_LOCK_TABLE = threading.Lock()
"""Held while this process asks whether a runner's file is in use or folds its log: asking
drops this process's own locks on the file (see `database_files`), so never during a fold."""


def _version_of(stat: os.stat_result, wal: Path) -> str:
    # Every write below lands as a new file renamed into place, so inode + mtime + size
    # changes with every version without hashing the whole database on each read. A write
    # ahead log beside the file is part of its version: a program writing the file in
    # place (and killed before it checkpointed) changes only the log.
    version = f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"
    try:
        log = wal.stat()
    except FileNotFoundError:
        return version
    return f"{version}+{log.st_ino:x}-{log.st_mtime_ns:x}-{log.st_size:x}"


class LocalDirectoryBlobStore:
    """Objects as files in one directory; the same replace-if-unchanged rules as S3.

    Writes go to a temporary file renamed into place under an advisory lock, so a crash
    leaves the old or the new file and two writers cannot both win.

    The directory is the runner's own, and other programs may write a database in it in
    place (`streak demo`, a notebook, the duckdb shell). So a file is copied only once it
    holds everything committed to it (a write-ahead log a killed writer left is folded in
    first), and never while another program has it open for writing; a file is replaced
    only with no log beside it, so no log is ever left beside a file it does not belong to.
    """

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = root
        self._cache = cache_dir
        self._fetch_lock = threading.Lock()

    def fetch(self, key: str) -> LocalCopy | None:
        source = self.root / check_key(key)
        if source.exists():
            self._settle(key, source)
        try:
            handle = source.open("rb")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobStoreError(f"cannot read {source}: {exc.strerror}") from exc
        with handle, self._fetch_lock:
            etag = _version_of(os.fstat(handle.fileno()), wal_of(source))
            target = self._cache_path(key, etag)
            # A log beside a cached copy means something opened it for writing: it is no
            # longer the version it is named after.
            if wal_of(target).exists():
                target.unlink(missing_ok=True)
                wal_of(target).unlink(missing_ok=True)
            if not target.exists():
                try:
                    write_atomically(handle, target)
                except OSError as exc:
                    raise BlobStoreError(
                        f"cannot copy {source} into the cache at {target.parent}: {exc.strerror}"
                    ) from exc
                prune_cache(target)
            return LocalCopy(path=target, etag=etag)

    def _settle(self, key: str, source: Path) -> None:
        """Make `source` safe to copy: nobody writing it, nothing committed only to a log."""
        with _ASKING_THE_LOCK_TABLE:
            if held_for_writing_elsewhere(source):
                raise _in_use(source)
        if not wal_of(source).exists():
            return
        # DuckDB only when there is a log: reading and copying stay light.
        from streakcore.storage.duckdb.store import checkpoint_leftover_wal

        with self._locked(key), _ASKING_THE_LOCK_TABLE:
            checkpoint_leftover_wal(source, label=str(source))

    def read(self, key: str) -> Blob | None:
        source = self.root / check_key(key)
        try:
            with source.open("rb") as handle:
                return Blob(
                    data=handle.read(), etag=_version_of(os.fstat(handle.fileno()), wal_of(source))
                )
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobStoreError(f"cannot read {source}: {exc.strerror}") from exc

    def replace(self, key: str, data: Path | bytes, *, expected: str | None) -> str:
        target = self.root / check_key(key)
        with self._staged(target, data) as staged, self._locked(key):
            current = self._current(target)
            if current != expected:
                raise StoreConflict(
                    f"{target} changed since it was read (expected version {expected}, "
                    f"found {current}); read it again and retry"
                )
            return self._install(staged, target)

    def put(self, key: str, data: bytes) -> str:
        target = self.root / check_key(key)
        with self._staged(target, data) as staged, self._locked(key):
            return self._install(staged, target)

    def copy(self, source_key: str, target_key: str, *, expected: str) -> None:
        source = self.root / check_key(source_key)
        target = self.root / check_key(target_key)
        try:
            handle = source.open("rb")
        except FileNotFoundError:
            raise StoreConflict(f"{source} is gone; read it again and retry") from None
        with handle:
            if _version_of(os.fstat(handle.fileno()), wal_of(source)) != expected:
                raise StoreConflict(f"{source} changed since it was read; read it again and retry")
            staging = self._stage_path(target)
            try:
                write_atomically(handle, staging)
                with self._locked(target_key):
                    self._install(staging, target)
            finally:
                staging.unlink(missing_ok=True)

    # -- helpers ---------------------------------------------------------------------------

    def _cache_path(self, key: str, etag: str) -> Path:
        return self._cache / "local" / key / f"{etag}.blob"

    @staticmethod
    def _current(target: Path) -> str | None:
        try:
            return _version_of(target.stat(), wal_of(target))
        except FileNotFoundError:
            return None

    def _stage_path(self, target: Path) -> Path:
        # Our own temporary names (`.runs.duckdb.x1y2.part`, and `..runs.duckdb.x1y2.part.*`
        # inside a copy), so nothing of the runner's is ever matched.
        remove_stale(self.root, f".{target.name}.*.part", f"..{target.name}.*.part")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=self.root)
        except OSError as exc:
            raise BlobStoreError(f"cannot write to {self.root}: {exc.strerror}") from exc
        os.close(fd)
        return Path(name)

    @contextlib.contextmanager
    def _staged(self, target: Path, data: Path | bytes) -> Iterator[Path]:
        staging = self._stage_path(target)
        try:
            try:
                if isinstance(data, Path):
                    shutil.copyfile(data, staging)
                else:
                    staging.write_bytes(data)
                with staging.open("rb+") as handle:
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise BlobStoreError(f"cannot write {target}: {exc.strerror}") from exc
            yield staging
        finally:
            staging.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        lock_path = self.root / f".{key}.lock"
        try:
            handle = lock_path.open("a+b")
        except OSError as exc:
            raise BlobStoreError(f"cannot lock {lock_path}: {exc.strerror}") from exc
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _install(self, staged: Path, target: Path) -> str:
        """Rename `staged` over `target`; the caller holds the target's lock."""
        with _ASKING_THE_LOCK_TABLE:
            if held_for_writing_elsewhere(target):
                raise _in_use(target)
        try:
            # A log beside the file being replaced belongs to the old file; left there,
            # DuckDB would try to replay it into the new one. (The database's own log is
            # never here: fetch folded it in, and one written since changes the version.)
            wal_of(target).unlink(missing_ok=True)
            os.replace(staged, target)
            fsync_dir(self.root)
            return _version_of(target.stat(), wal_of(target))
        except OSError as exc:
            raise BlobStoreError(f"cannot write {target}: {exc.strerror}") from exc


def _in_use(path: Path) -> StoreLocked:
    return StoreLocked(f"{path} is in use by another process; try again when it finishes")
