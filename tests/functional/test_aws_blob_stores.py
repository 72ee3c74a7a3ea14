"""The blob store contract, held by both adapters (a local directory and S3 on moto), and
the S3-only behaviour: conditional GETs into an ETag-keyed cache, error mapping."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from moto import mock_aws

from fixtures.aws import BUCKET, REGION, S3Traffic, isolate_aws, make_bucket, s3_client
from streakcore.errors import BlobStoreError, StoreConflict
from streakcore.ports import BlobStore
from streakcore.storage.blob_local import LocalDirectoryBlobStore
from streakcore.storage.blob_readonly import ReadOnlyBlobStore
from streakcore.storage.blob_s3 import S3BlobStore


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolate_aws(monkeypatch)
    with mock_aws():
        make_bucket()
        yield


@pytest.fixture
def traffic() -> S3Traffic:
    return S3Traffic()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalDirectoryBlobStore(tmp_path / "data", tmp_path / "cache")
    else:
        request.getfixturevalue("aws")
        yield S3BlobStore(s3_client(), BUCKET, "athletes/sam", tmp_path / "cache")


def _file(tmp_path: Path, content: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


# -- the contract, both adapters ----------------------------------------------------------


def test_an_empty_store_is_a_normal_first_run(store: BlobStore) -> None:
    # given a store nothing was ever written to
    # when / then: every read says "absent" rather than failing
    assert store.fetch("runs.duckdb") is None
    assert store.read("stats.json") is None


def test_first_upload_creates_the_object_and_a_second_first_upload_conflicts(
    store: BlobStore, tmp_path: Path
) -> None:
    # given one writer that created the database
    store.replace("runs.duckdb", _file(tmp_path, b"version one"), expected=None)

    # when another writer, who also saw an empty store, uploads
    with pytest.raises(StoreConflict):
        store.replace("runs.duckdb", _file(tmp_path, b"version two"), expected=None)

    # then the first writer's object is intact
    copy = store.fetch("runs.duckdb")
    assert copy is not None
    assert copy.path.read_bytes() == b"version one"


def test_replace_from_a_stale_version_conflicts_and_leaves_the_newer_object(
    store: BlobStore, tmp_path: Path
) -> None:
    # given two writers that fetched the same version
    first = store.replace("runs.duckdb", b"v1", expected=None)
    second = store.replace("runs.duckdb", b"v2 by writer A", expected=first)

    # when writer B uploads against the version it started from
    with pytest.raises(StoreConflict):
        store.replace("runs.duckdb", b"v2 by writer B", expected=first)

    # then writer A's version is what the store holds
    copy = store.fetch("runs.duckdb")
    assert copy is not None
    assert copy.etag == second
    assert copy.path.read_bytes() == b"v2 by writer A"


def test_fetch_reports_the_version_that_replace_expects(store: BlobStore) -> None:
    # given an object written once
    store.replace("runs.duckdb", b"v1", expected=None)

    # when a writer fetches it and replaces it with the fetched version
    copy = store.fetch("runs.duckdb")
    assert copy is not None
    store.replace("runs.duckdb", b"v2", expected=copy.etag)

    # then the replace went through
    after = store.fetch("runs.duckdb")
    assert after is not None
    assert after.path.read_bytes() == b"v2"
    assert after.etag != copy.etag


def test_copy_keeps_the_version_it_was_asked_for(store: BlobStore) -> None:
    # given a database at a known version
    etag = store.replace("runs.duckdb", b"the previous database", expected=None)

    # when it is backed up against that version
    store.copy("runs.duckdb", "runs.duckdb.backup", expected=etag)

    # then the backup holds those bytes
    backup = store.fetch("runs.duckdb.backup")
    assert backup is not None
    assert backup.path.read_bytes() == b"the previous database"


def test_small_objects_round_trip_with_their_version(store: BlobStore) -> None:
    # given a small document written unconditionally twice
    store.put("health.json", b'{"status": "healthy"}')
    etag = store.put("health.json", b'{"status": "degraded"}')

    # when it is read
    blob = store.read("health.json")

    # then the latest bytes and version come back
    assert blob is not None
    assert blob.data == b'{"status": "degraded"}'
    assert blob.etag == etag


@pytest.mark.parametrize("key", ["../escape", "a/b.duckdb", "", ".hidden"])
def test_object_names_cannot_leave_the_store_root(store: BlobStore, key: str) -> None:
    with pytest.raises(BlobStoreError, match="plain file name"):
        store.put(key, b"x")


def test_a_read_only_store_refuses_every_write(store: BlobStore) -> None:
    # given a database and a read-only view of the store
    etag = store.replace("runs.duckdb", b"v1", expected=None)
    read_only = ReadOnlyBlobStore(store)

    # when / then: reads work, writes are refused and change nothing
    assert read_only.fetch("runs.duckdb") is not None
    with pytest.raises(BlobStoreError, match="read-only"):
        read_only.replace("runs.duckdb", b"v2", expected=etag)
    with pytest.raises(BlobStoreError, match="read-only"):
        read_only.put("stats.json", b"{}")
    with pytest.raises(BlobStoreError, match="read-only"):
        read_only.copy("runs.duckdb", "runs.duckdb.backup", expected=etag)
    copy = store.fetch("runs.duckdb")
    assert copy is not None
    assert copy.path.read_bytes() == b"v1"
    assert store.read("stats.json") is None


# -- S3 only -----------------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_a_warm_fetch_of_an_unchanged_object_transfers_no_bytes(
    tmp_path: Path, traffic: S3Traffic
) -> None:
    # given a database on S3 that this container downloaded once
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=BUCKET, Key="runs.duckdb", Body=b"x" * 50_000
    )
    store = S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "cache")
    first = store.fetch("runs.duckdb")
    assert traffic.bytes_received == {"runs.duckdb": 50_000}
    traffic.reset()

    # when it fetches again and nothing changed
    second = store.fetch("runs.duckdb")

    # then S3 answered 304 and no object bytes were transferred
    assert first is not None
    assert second == first
    assert traffic.count("GetObject", "runs.duckdb", status=304) == 1
    assert traffic.bytes_received == {}


@pytest.mark.usefixtures("aws")
def test_a_fresh_container_reuses_the_cache_left_in_tmp(tmp_path: Path, traffic: S3Traffic) -> None:
    # given a previous invocation that downloaded the database into the cache directory
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key="runs.duckdb", Body=b"db")
    S3BlobStore(s3_client(), BUCKET, "", tmp_path / "cache").fetch("runs.duckdb")

    # when a new store object (a new invocation) fetches it
    copy = S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "cache").fetch("runs.duckdb")

    # then the conditional GET found the cached copy current
    assert copy is not None
    assert copy.path.read_bytes() == b"db"
    assert traffic.bytes_received == {}


@pytest.mark.usefixtures("aws")
def test_a_changed_object_is_downloaded_again(tmp_path: Path, traffic: S3Traffic) -> None:
    # given a cached copy, then another writer's new version
    raw = boto3.client("s3", region_name=REGION)
    raw.put_object(Bucket=BUCKET, Key="runs.duckdb", Body=b"old")
    store = S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "cache")
    store.fetch("runs.duckdb")
    raw.put_object(Bucket=BUCKET, Key="runs.duckdb", Body=b"newer")
    traffic.reset()

    # when fetched
    copy = store.fetch("runs.duckdb")

    # then the new bytes arrive
    assert copy is not None
    assert copy.path.read_bytes() == b"newer"
    assert traffic.bytes_received == {"runs.duckdb": 5}


@pytest.mark.usefixtures("aws")
def test_what_a_container_uploaded_is_its_cached_copy(tmp_path: Path, traffic: S3Traffic) -> None:
    # given a store that uploaded a database from a file
    store = S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "cache")
    store.replace("runs.duckdb", _file(tmp_path, b"synced"), expected=None)
    traffic.reset()

    # when it fetches the database next
    copy = store.fetch("runs.duckdb")

    # then nothing is downloaded
    assert copy is not None
    assert copy.path.read_bytes() == b"synced"
    assert traffic.bytes_received == {}


@pytest.mark.usefixtures("aws")
def test_a_download_cut_short_is_an_error_and_never_a_cached_copy(tmp_path: Path) -> None:
    # given a connection that drops halfway through the body
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=BUCKET, Key="runs.duckdb", Body=b"0123456789" * 100
    )
    client = s3_client()

    def drop_connection(parsed: dict[str, Any], **_: Any) -> None:
        if "Body" in parsed:
            parsed["Body"] = StreamingBody(io.BytesIO(b"0123456789" * 30), 1000)

    client.meta.events.register("after-call.s3.GetObject", drop_connection)
    store = S3BlobStore(client, BUCKET, "", tmp_path / "cache")

    # when fetched
    with pytest.raises(BlobStoreError, match="could not download"):
        store.fetch("runs.duckdb")

    # then no partial file is left to be mistaken for the database later
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    whole = S3BlobStore(s3_client(), BUCKET, "", tmp_path / "cache").fetch("runs.duckdb")
    assert whole is not None
    assert whole.path.read_bytes() == b"0123456789" * 100


@pytest.mark.usefixtures("aws")
def test_a_missing_bucket_is_a_blob_store_error_that_says_so(tmp_path: Path) -> None:
    store = S3BlobStore(s3_client(), "no-such-bucket-here", "", tmp_path / "cache")
    with pytest.raises(BlobStoreError, match="bucket does not exist"):
        store.fetch("runs.duckdb")
    with pytest.raises(BlobStoreError, match="bucket does not exist"):
        store.put("health.json", b"{}")


def test_an_unreachable_endpoint_is_a_blob_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an endpoint nothing listens on (AWS_ENDPOINT_URL is honoured)
    isolate_aws(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    from botocore.config import Config

    client = boto3.client(
        "s3", region_name=REGION, config=Config(retries={"max_attempts": 1}, connect_timeout=1)
    )
    store = S3BlobStore(client, BUCKET, "", tmp_path / "cache")

    # when / then
    with pytest.raises(BlobStoreError, match=r"could not download s3://.*EndpointConnectionError"):
        store.fetch("runs.duckdb")


@pytest.mark.usefixtures("aws")
def test_a_botocore_too_old_for_conditional_writes_refuses_instead_of_overwriting(
    tmp_path: Path,
) -> None:
    # given a client that rejects IfMatch, as botocore before 1.35.69 does
    from botocore.exceptions import ParamValidationError

    client = s3_client()

    def reject(params: dict[str, Any], **_: Any) -> None:
        if "If-Match" in params.get("headers", {}):
            raise ParamValidationError(report='Unknown parameter in input: "IfMatch"')

    client.meta.events.register("before-call.s3.PutObject", reject)
    store = S3BlobStore(client, BUCKET, "", tmp_path / "cache")
    etag = store.replace("runs.duckdb", b"v1", expected=None)

    # when a sync replaces the database
    with pytest.raises(BlobStoreError, match="too old for conditional writes"):
        store.replace("runs.duckdb", b"v2", expected=etag)

    # then the stored object was not overwritten unconditionally
    copy = store.fetch("runs.duckdb")
    assert copy is not None
    assert copy.path.read_bytes() == b"v1"


def test_aws_endpoint_url_points_the_store_at_another_s3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an S3 endpoint of our own (moto's server on 127.0.0.1) named by AWS_ENDPOINT_URL
    from moto.server import ThreadedMotoServer

    isolate_aws(monkeypatch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        make_bucket()
        store = S3BlobStore(s3_client(), BUCKET, "", tmp_path / "cache")

        # when the store writes and reads
        store.replace("runs.duckdb", b"over the wire", expected=None)
        copy = S3BlobStore(s3_client(), BUCKET, "", tmp_path / "other").fetch("runs.duckdb")
    finally:
        server.stop()

    # then it went through that endpoint
    assert copy is not None
    assert copy.path.read_bytes() == b"over the wire"
