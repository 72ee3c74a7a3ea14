"""The blob store on S3: conditional reads into an ETag-keyed cache, conditional writes.

- `fetch` sends the cached ETag as `If-None-Match`: a warm Lambda whose copy is current
  gets a 304 and transfers no bytes.
- `replace` sends `If-Match` with the ETag the writer started from (`If-None-Match: *` for
  the first upload); S3 answers 412 if the object moved on, which becomes StoreConflict.
- A PUT is atomic in S3: readers see the old object or the new one, never a torn one.

botocore errors never leave this module: 412/409 become StoreConflict, the rest
BlobStoreError. boto3 honours `AWS_ENDPOINT_URL` itself, so tests and the local gateway
point it at moto's server without any code here.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from botocore import __version__ as botocore_version
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from streakcore.errors import BlobStoreError, StoreConflict
from streakcore.ports import Blob, LocalCopy
from streakcore.storage.blob_files import (
    cache_name,
    check_key,
    prune_cache,
    write_atomically,
)
from streakcore.storage.database_files import wal_of

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectOutputTypeDef

_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _is_conflict(exc: ClientError) -> bool:
    return _code(exc) in _CONFLICT_CODES or _status(exc) in {409, 412}


def _is_missing(exc: ClientError) -> bool:
    return _code(exc) in _MISSING_CODES


def _strip(etag: str) -> str:
    return etag.strip('"')


class S3BlobStore:
    """Objects under `s3://bucket/prefix`; downloads cached under `cache_dir` by ETag."""

    def __init__(self, client: S3Client, bucket: str, prefix: str, cache_dir: Path) -> None:
        self._s3 = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._cache = cache_dir / "s3"
        self._small: dict[str, Blob] = {}
        self._lock = threading.Lock()

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    # -- reading ---------------------------------------------------------------------------

    def fetch(self, key: str) -> LocalCopy | None:
        folder = self._cache / cache_name(f"{self.bucket}/{self._key(key)}")
        with self._lock:
            cached = self._newest(folder)
            args: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key)}
            if cached is not None:
                args["IfNoneMatch"] = f'"{cached.etag}"'
            try:
                response = self._s3.get_object(**args)
            except ClientError as exc:
                if _status(exc) == 304 and cached is not None:
                    return cached
                if _is_missing(exc):
                    return None
                raise self._error("download", key, exc) from exc
            except BotoCoreError as exc:
                raise self._error("download", key, exc) from exc
            etag = _strip(response["ETag"])
            target = folder / f"{cache_name(etag)}.blob"
            try:
                with contextlib.closing(response["Body"]) as body:
                    size = write_atomically(body, target)
            except (BotoCoreError, OSError) as exc:
                raise self._error("download", key, exc) from exc
            expected = response.get("ContentLength")
            if expected is not None and size != expected:
                target.unlink(missing_ok=True)
                raise BlobStoreError(
                    f"download of {self.url(key)} stopped after {size} of {expected} bytes; "
                    "try again"
                )
            (folder / f"{cache_name(etag)}.etag").write_text(etag)
            prune_cache(target)
            return LocalCopy(path=target, etag=etag)

    @staticmethod
    def _newest(folder: Path) -> LocalCopy | None:
        """The most recent complete download in `folder`, if any.

        A copy with a write-ahead log beside it was opened for writing by something: it is
        no longer the object it was downloaded as, so it is dropped and fetched again."""
        best: tuple[int, LocalCopy] | None = None
        for blob in folder.glob("*.blob"):
            label = blob.with_suffix(".etag")
            if wal_of(blob).exists():
                blob.unlink(missing_ok=True)
                wal_of(blob).unlink(missing_ok=True)
                label.unlink(missing_ok=True)
                continue
            try:
                etag = label.read_text()
                mtime = blob.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if best is None or mtime > best[0]:
                best = (mtime, LocalCopy(path=blob, etag=etag))
        return best[1] if best else None

    def read(self, key: str) -> Blob | None:
        cached = self._small.get(key)
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key)}
        if cached is not None:
            args["IfNoneMatch"] = f'"{cached.etag}"'
        try:
            response = self._s3.get_object(**args)
            data = response["Body"].read()
        except ClientError as exc:
            if _status(exc) == 304 and cached is not None:
                return cached
            if _is_missing(exc):
                self._small.pop(key, None)
                return None
            raise self._error("read", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("read", key, exc) from exc
        blob = Blob(data=data, etag=_strip(response["ETag"]))
        self._small[key] = blob
        return blob

    # -- writing ---------------------------------------------------------------------------

    def replace(self, key: str, data: Path | bytes, *, expected: str | None) -> str:
        try:
            if isinstance(data, Path):
                with data.open("rb") as body:
                    response = self._conditional_put(key, body, expected)
            else:
                response = self._conditional_put(key, data, expected)
        except ClientError as exc:
            if _is_conflict(exc) or (expected and _is_missing(exc)):
                raise StoreConflict(
                    f"{self.url(key)} changed since it was read; read it again and retry"
                ) from exc
            raise self._error("upload", key, exc) from exc
        except (BotoCoreError, OSError) as exc:
            raise self._error("upload", key, exc) from exc
        etag = _strip(response["ETag"])
        if isinstance(data, Path):
            self._remember(key, data, etag)
        return etag

    def _conditional_put(
        self, key: str, body: bytes | BinaryIO, expected: str | None
    ) -> PutObjectOutputTypeDef:
        if expected is None:
            return self._s3.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=body, IfNoneMatch="*"
            )
        return self._s3.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=body, IfMatch=f'"{expected}"'
        )

    def _remember(self, key: str, source: Path, etag: str) -> None:
        """Keep what we just uploaded as the cached copy: the next fetch is then a 304."""
        folder = self._cache / cache_name(f"{self.bucket}/{self._key(key)}")
        target = folder / f"{cache_name(etag)}.blob"
        with self._lock, contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            staging = folder / f".{target.name}.part"
            shutil.copyfile(source, staging)
            staging.replace(target)
            (folder / f"{cache_name(etag)}.etag").write_text(etag)
            prune_cache(target)

    def put(self, key: str, data: bytes) -> str:
        try:
            response = self._s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise self._error("upload", key, exc) from exc
        return _strip(response["ETag"])

    def copy(self, source_key: str, target_key: str, *, expected: str) -> None:
        try:
            self._s3.copy_object(
                Bucket=self.bucket,
                Key=self._key(target_key),
                CopySource={"Bucket": self.bucket, "Key": self._key(source_key)},
                CopySourceIfMatch=f'"{expected}"',
            )
        except ClientError as exc:
            if _is_conflict(exc) or _is_missing(exc):
                raise StoreConflict(
                    f"{self.url(source_key)} changed since it was read; read it again and retry"
                ) from exc
            raise self._error("copy", source_key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("copy", source_key, exc) from exc

    def _error(self, action: str, key: str, exc: Exception) -> BlobStoreError:
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code == "NoSuchBucket":
                hint = "the bucket does not exist: deploy the stack or fix STREAK_DB"
            elif code in {"AccessDenied", "403", "InvalidAccessKeyId", "ExpiredToken"}:
                hint = "access denied: check the role's S3 permissions and credentials"
            else:
                hint = f"S3 said {code or _status(exc)}"
        elif isinstance(exc, ParamValidationError):
            # IfMatch on PutObject arrived in botocore 1.35.69; an older one (say, a
            # Lambda runtime's) refuses it, and writing unconditionally would lose updates.
            hint = f"this botocore ({botocore_version}) is too old for conditional writes"
        else:
            hint = type(exc).__name__
        return BlobStoreError(f"could not {action} {self.url(key)}: {hint}")
