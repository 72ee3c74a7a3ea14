"""Flags and helpers shared by the subcommands, and how the terminal reaches its database
(a local file or `s3://bucket/key`) and AWS."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from streakcore.domain.rules import RuleName
from streakcore.errors import ConfigError
from streakcore.settings import Settings, resolve_timezone

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from streakcore.database import Database, DbLocation
    from streakcore.storage.duckdb_store import RunStore
    from streakcore.storage.s3_blob import S3BlobStore

Subparsers = Any  # argparse's private _SubParsersAction

# Exit codes every command shares; `streak check` adds its own (1 means "at risk" there).
EXIT_OK = 0
EXIT_FAILED = 1
"""The job could not be done: SmashRun, S3, another sync running, the file in use."""
EXIT_USAGE = 2
"""The invocation or the setup needs fixing (argparse uses 2 for bad flags too)."""

# The same client settings as the Lambda's: a stalled connection fails in seconds.
BOTO_CONNECT_TIMEOUT_S = 5
BOTO_READ_TIMEOUT_S = 30
BOTO_MAX_ATTEMPTS = 3


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="DuckDB file or s3://bucket/key.duckdb (default: $STREAK_DB or ./runs.duckdb)",
    )


def add_rule_args(parser: argparse.ArgumentParser, *, rule_help: str | None = None) -> None:
    parser.add_argument(
        "--rule",
        choices=[r.value for r in RuleName],
        help=(
            rule_help
            or "usrsa: the day's runs add up to the minimum; strict: one run of the minimum; "
            "any: any run counts"
        )
        + " (default: $STREAK_RULE or usrsa)",
    )
    add_min_distance_arg(parser)


def add_min_distance_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-distance",
        metavar="D",
        help="minimum distance, e.g. 1mi, 1.6km, 1609m (default: $STREAK_MIN_DISTANCE or 1mi)",
    )


def add_tz_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz",
        metavar="IANA",
        help="home time zone, e.g. America/New_York "
        "(default: $STREAK_TIMEZONE or this machine's zone)",
    )


def add_as_of_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="ISO-8601",
        help="answer as of this instant, e.g. 2026-11-26T07:00:00-05:00 (default: now)",
    )


def add_json_arg(parser: argparse.ArgumentParser, *, instead_of: str = "a table") -> None:
    parser.add_argument("--json", action="store_true", help=f"print JSON instead of {instead_of}")


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment with this invocation's flags on top."""
    overrides: dict[str, Any] = {}
    for flag, field in (
        ("db", "db"),
        ("tz", "timezone"),
        ("rule", "rule"),
        ("min_distance", "min_distance"),
        ("secret_id", "token_secret_id"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"bad setting {where}: {first['msg']}") from None


def parse_as_of(text: str | None, tz_name: str) -> datetime:
    """An aware instant; a naive one is read in the home zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"cannot read --as-of {text!r}: use ISO 8601, e.g. 2026-11-26T07:00:00-05:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=resolve_timezone(tz_name))
    return value


# -- the database, wherever STREAK_DB points -------------------------------------------------


@contextmanager
def open_read_store(settings: Settings) -> Iterator[RunStore]:
    """The database in `settings.db`, read-only, for the commands that only read it."""
    with open_read_only(settings.db, cache_dir=settings.cache_dir) as store:
        yield store


@contextmanager
def open_read_only(db: str, *, cache_dir: Path) -> Iterator[RunStore]:
    """A local file opened read-only in place; an `s3://` object downloaded into
    `cache_dir` (again only when its ETag changed) and the copy opened read-only.

    Nothing is ever written back: the S3 side goes through a read-only blob store.
    """
    from streakcore.database import parse_db_location

    location = parse_db_location(db)
    if location.is_s3:
        with read_database(location, cache_dir).reading() as store:
            yield store
        return
    from streakcore.storage.duckdb_store import RunStore

    with RunStore.open(Path(db).expanduser(), read_only=True) as store:
        yield store


def read_database(location: DbLocation, cache_dir: Path) -> Database:
    """The database on S3 as the Lambda's read paths see it: it cannot write."""
    from streakcore.database import Database
    from streakcore.storage.blob import ReadOnlyBlobStore

    blobs = ReadOnlyBlobStore(s3_blob_store(location, cache_dir))
    return Database(blobs, location.key, cache_dir / "work")


def database_for_sync(location: DbLocation, cache_dir: Path) -> tuple[Database, str | None]:
    """The database for the sync path, the only writer, and for one on S3 its object's URL.

    A local file gets the same blob store the local gateway gives it, so a terminal sync
    and a gateway sync of one file replace it by the same rules and neither loses runs.
    """
    from streakcore.database import Database

    if location.is_s3:
        s3_blobs = s3_blob_store(location, cache_dir)
        return Database(s3_blobs, location.key, cache_dir / "work"), s3_blobs.url(location.key)
    from streakcore.storage.blob import LocalDirectoryBlobStore

    assert location.directory is not None, "a local location has a directory"
    local_blobs = LocalDirectoryBlobStore(location.directory, cache_dir)
    return Database(local_blobs, location.key, cache_dir / "work"), None


def s3_blob_store(location: DbLocation, cache_dir: Path) -> S3BlobStore:
    assert location.bucket is not None, "only for s3:// locations"
    _require_aws_extra("an s3:// database")
    from streakcore.storage.s3_blob import S3BlobStore

    return S3BlobStore(s3_client(), location.bucket, location.prefix, cache_dir)


# -- AWS clients -------------------------------------------------------------------------------


def s3_client() -> S3Client:
    """An S3 client from the usual AWS configuration; boto3 itself honours
    AWS_ENDPOINT_URL, AWS_PROFILE and the region settings."""
    _require_aws_extra("an s3:// database")
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.client("s3", config=_boto_config())
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up an S3 client: {exc}") from None


def secrets_client(secret_id: str) -> SecretsManagerClient:
    """A Secrets Manager client in the secret's own region when `secret_id` is an ARN
    (so a laptop set up for another region still finds it), else the configured one."""
    _require_aws_extra("--secret-id and STREAK_TOKEN_SECRET_ID")
    import boto3
    from botocore.exceptions import BotoCoreError, NoRegionError

    try:
        return boto3.client(
            "secretsmanager", region_name=region_of_arn(secret_id), config=_boto_config()
        )
    except NoRegionError:
        raise ConfigError(
            f"no AWS region for secret {secret_id}: pass its full ARN, or set AWS_REGION"
        ) from None
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up a Secrets Manager client: {exc}") from None


def region_of_arn(resource: str) -> str | None:
    """`arn:aws:secretsmanager:eu-west-1:123456789012:secret:x` -> `eu-west-1`; a plain
    name -> None."""
    parts = resource.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return None


def _boto_config() -> Config:
    from botocore.config import Config

    return Config(
        connect_timeout=BOTO_CONNECT_TIMEOUT_S,
        read_timeout=BOTO_READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": BOTO_MAX_ATTEMPTS},
    )


def _require_aws_extra(feature: str) -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise ConfigError(f"{feature} needs boto3: pip install 'streakcore[aws]'") from None
