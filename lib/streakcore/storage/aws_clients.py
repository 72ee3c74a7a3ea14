"""The one place AWS clients are made: short timeouts (a stalled connection fails in
seconds), standard retries, and the usual AWS configuration (AWS_ENDPOINT_URL, AWS_PROFILE,
the region), all of which botocore reads itself. The terminal, the notebook and the Lambda
all build their clients here.

Clients come straight from a botocore session, not through boto3: boto3 adds resources and
managed transfers, which nothing here uses, and importing it costs a cold start ~40 ms more
(it imports s3transfer, and s3transfer multiprocessing). A boto3 session passed in (tests
observe its events) works too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streakcore.errors import ConfigError

if TYPE_CHECKING:
    from botocore.config import Config
    from botocore.session import Session
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


def default_session() -> Session:
    """A botocore session from the environment and the shared AWS config files."""
    require_aws_extra("reaching AWS (an s3:// database, a secret, the alert topic)")
    from botocore.session import get_session

    return get_session()


def client(service: str, session: Any = None, **kwargs: Any) -> Any:
    """A client of `service` from `session`: a botocore session, a boto3 one, or None for
    a new `default_session()`."""
    source: Any = session if session is not None else default_session()
    create = getattr(source, "create_client", None) or source.client
    return create(service, config=boto_config(), **kwargs)


def s3_client(session: Any = None) -> S3Client:
    """An S3 client from the usual AWS configuration; botocore itself honours
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
        import botocore  # noqa: F401
    except ImportError:
        raise ConfigError(f"{feature} needs botocore: pip install 'streakcore[aws]'") from None
