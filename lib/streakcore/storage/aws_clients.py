"""The one place boto3 clients are made: short timeouts (a stalled connection fails in
seconds), standard retries, and boto3's own configuration (AWS_ENDPOINT_URL, AWS_PROFILE,
the region). The terminal, the notebook and the Lambda all build their clients here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streakcore.errors import ConfigError

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient

BOTO_CONNECT_TIMEOUT_S = 5
BOTO_READ_TIMEOUT_S = 30
BOTO_MAX_ATTEMPTS = 3


def boto_config() -> Config:
    from botocore.config import Config

    return Config(
        connect_timeout=BOTO_CONNECT_TIMEOUT_S,
        read_timeout=BOTO_READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": BOTO_MAX_ATTEMPTS},
    )


def client(service: str, session: Any = None, **kwargs: Any) -> Any:
    """A client of `service` from `session` (default: boto3's default session)."""
    import boto3

    source: Any = session if session is not None else boto3
    return source.client(service, config=boto_config(), **kwargs)


def s3_client(session: Any = None) -> S3Client:
    """An S3 client from the usual AWS configuration; boto3 itself honours
    AWS_ENDPOINT_URL, AWS_PROFILE and the region settings."""
    require_aws_extra("an s3:// database")
    from botocore.exceptions import BotoCoreError

    try:
        return client("s3", session)  # type: ignore[no-any-return]
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up an S3 client: {exc}") from None


def secrets_client(secret_id: str, session: Any = None) -> SecretsManagerClient:
    """A Secrets Manager client in the secret's own region when `secret_id` is an ARN
    (so a laptop set up for another region still finds it), else the configured one."""
    require_aws_extra("--secret-id and STREAK_TOKEN_SECRET_ID")
    from botocore.exceptions import BotoCoreError, NoRegionError

    try:
        return client("secretsmanager", session, region_name=region_of_arn(secret_id))  # type: ignore[no-any-return]
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


def require_aws_extra(feature: str) -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise ConfigError(f"{feature} needs boto3: pip install 'streakcore[aws]'") from None
