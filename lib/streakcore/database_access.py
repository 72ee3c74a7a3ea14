"""Where `STREAK_DB` points — a local file or `s3://bucket/key.duckdb` — opened the way each
path needs it: read-only for stats (an S3 object through a blob store that cannot write),
or through `Database`'s sync path for the one writer. The terminal and the notebook use
these; the Lambda composes the same pieces in `streak_lambda.composition`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from streakcore.settings import writable_cache_dir
from streakcore.storage.aws_clients import require_aws_extra, s3_client

if TYPE_CHECKING:
    from streakcore.storage.duckdb.store import RunStore
    from streakcore.storage.s3_blob import S3BlobStore
    from streakcore.usecases.database import Database, DbLocation


@contextmanager
def open_read_only(db: str, *, cache_dir: Path) -> Iterator[RunStore]:
    """A local file opened read-only in place; an `s3://` object downloaded into
    `cache_dir` (again only when its ETag changed) and the copy opened read-only.

    Nothing is ever written back: the S3 side goes through a read-only blob store.
    """
    from streakcore.usecases.database import parse_db_location

    location = parse_db_location(db)
    if location.is_s3:
        with read_database(location, cache_dir).reading() as store:
            yield store
        return
    from streakcore.storage.duckdb.store import RunStore

    # In place: a read-only open replays a log a killed writer left, and changes nothing.
    with RunStore.open(Path(db).expanduser(), read_only=True, label=db) as store:
        yield store


def read_database(location: DbLocation, cache_dir: Path) -> Database:
    """The database on S3 as the Lambda's read paths see it: it cannot write."""
    from streakcore.storage.blob import ReadOnlyBlobStore
    from streakcore.usecases.database import Database

    cache = writable_cache_dir(cache_dir)
    store = s3_blob_store(location, cache)
    blobs = ReadOnlyBlobStore(store)
    return Database(blobs, location.key, cache / "work", name=store.url(location.key))


def database_for_sync(location: DbLocation, cache_dir: Path) -> tuple[Database, str | None]:
    """The database for the sync path, the only writer, and for one on S3 its object's URL.

    A local file gets the same blob store the local gateway gives it, so a terminal sync
    and a gateway sync of one file replace it by the same rules and neither loses runs.
    """
    from streakcore.usecases.database import Database

    if location.is_s3:
        cache = writable_cache_dir(cache_dir)
        s3_blobs = s3_blob_store(location, cache)
        url = s3_blobs.url(location.key)
        return Database(s3_blobs, location.key, cache / "work", name=url), url
    from streakcore.storage.blob import LocalDirectoryBlobStore
    from streakcore.storage.duckdb.store import refuse_directory

    assert location.directory is not None, "a local location has a directory"
    path = location.directory / location.key
    refuse_directory(path, str(path))
    cache = writable_cache_dir(cache_dir)
    local_blobs = LocalDirectoryBlobStore(location.directory, cache)
    return Database(local_blobs, location.key, cache / "work", name=str(path)), None


def s3_blob_store(location: DbLocation, cache_dir: Path) -> S3BlobStore:
    assert location.bucket is not None, "only for s3:// locations"
    require_aws_extra("an s3:// database")
    from streakcore.storage.s3_blob import S3BlobStore

    return S3BlobStore(s3_client(), location.bucket, location.prefix, cache_dir)
