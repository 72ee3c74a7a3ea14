"""Settings, read once per entry point (`read_settings`): the terminal, the Lambda, the
local gateway and the notebook.

Every field comes from an environment variable with the prefix `STREAK_`; CLI flags
override them. Secrets are `SecretStr` so they never print.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import DistanceUnit, parse_distance, units_for_zone
from streakcore.errors import ConfigError, echo

DEFAULT_SMASHRUN_BASE_URL = "https://api.smashrun.com/v1"
DEFAULT_SMASHRUN_AUTHORIZE_URL = "https://secure.smashrun.com/oauth2/authenticate"
DEFAULT_SMASHRUN_TOKEN_URL = "https://secure.smashrun.com/oauth2/token"  # noqa: S105 - a URL


def default_token_file() -> Path:
    return Path.home() / ".config" / "streakcore" / "tokens.json"


def default_cache_dir() -> Path:
    """Lambda's scratch directory there (its only writable place); elsewhere the user's own
    cache directory, so other users of a shared machine cannot plant files in it."""
    import os

    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return Path("/tmp/streakcore")  # noqa: S108 - Lambda's only writable directory
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "streakcore"


def writable_cache_dir(path: Path) -> Path:
    """`path` created if need be and checked writable, before anything is downloaded or
    copied into it: a file there, or a read-only directory, is a setting to fix."""
    import tempfile

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot write to the cache directory {path} ({exc.strerror or exc}): set "
            "STREAK_CACHE_DIR to a directory you can write to"
        ) from None
    return path


MAX_SYNC_BUDGET_S = 86_400.0
"""A day: the longest time budget a sync (or the flag) may have; more is a typo, and an
infinite one would overflow the waits that are measured against it."""

MAX_ZONE_NAME_CHARS = 255
"""Far above any IANA name (the longest has 32 characters), below any file system's limit."""

# What IANA names are made of (tz-link's theory.html): ASCII letters, digits, `_`, `-`, `+`,
# in components separated by `/`. No `.` or `..`, no leading `/`, no NUL, nothing empty.
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")


def resolve_timezone(name: str) -> ZoneInfo:
    """An IANA zone, or a ConfigError that says what to write instead.

    Every zone a user gives (`--tz`, STREAK_TIMEZONE, `GET /stats?tz=`) comes through here.
    ZoneInfo looks the name up as a file path, so a name is checked for the shape of one
    first, and what the file system says of a shapely one (a directory such as `America`,
    a name too long for it) is a refusal too, never an OSError.
    """
    if len(name) <= MAX_ZONE_NAME_CHARS and _ZONE_NAME.fullmatch(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ConfigError(
        f"unknown time zone {echo(name)}: use an IANA name such as America/New_York "
        "or Europe/London"
    )


def local_timezone_name() -> str:
    """The machine's IANA zone from TZ or /etc/localtime; UTC when it cannot be told."""
    import os

    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        return tz
    try:
        target = Path("/etc/localtime").resolve()
    except OSError:
        return "UTC"
    parts = target.parts
    if "zoneinfo" in parts:
        return "/".join(parts[parts.index("zoneinfo") + 1 :]) or "UTC"
    return "UTC"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREAK_", extra="ignore")

    db: str = Field(default="./runs.duckdb", description="DuckDB path or s3://bucket/key")
    timezone: str = Field(default_factory=local_timezone_name, description="home IANA zone")
    rule: RuleName = RuleName.USRSA
    min_distance: str = "1mi"
    units: DistanceUnit = Field(
        default="km",
        description="unit of every human-facing output; JSON stays in metres. Unset, the "
        "home zone's: mi in the US and the UK, km elsewhere",
    )

    smashrun_base_url: str = DEFAULT_SMASHRUN_BASE_URL
    smashrun_authorize_url: str = DEFAULT_SMASHRUN_AUTHORIZE_URL
    smashrun_token_url: str = DEFAULT_SMASHRUN_TOKEN_URL
    smashrun_access_token: SecretStr | None = None
    smashrun_client_id: str | None = None
    smashrun_client_secret: SecretStr | None = None
    smashrun_redirect_port: int = Field(default=8765, ge=0, le=65535)

    token_file: Path = Field(default_factory=default_token_file)
    token_secret_id: str | None = Field(
        default=None, description="Secrets Manager id of the SmashRun OAuth secret"
    )

    sync_budget_s: float = Field(
        default=240.0, gt=0, le=MAX_SYNC_BUDGET_S, description="time budget of one sync"
    )
    api_sync_budget_s: float = Field(
        default=20.0,
        gt=0,
        le=MAX_SYNC_BUDGET_S,
        description="budget of a sync behind API Gateway's 29 s timeout",
    )
    sync_concurrency: int = Field(default=4, ge=1, le=16)
    requests_per_hour: int = Field(default=240, ge=1, description="client-side request budget")
    cache_dir: Path = Field(
        default_factory=default_cache_dir, description="downloaded s3:// databases, by ETag"
    )
    sns_topic_arn: str | None = None
    import_sports: str | None = Field(
        default=None,
        description="comma-separated sport labels `streak import` counts as runs "
        "(default: running, trail, treadmill, track and virtual runs in each format's words)",
    )
    page_token: SecretStr | None = Field(
        default=None, description="the page's share token (else the secret, else a file)"
    )
    notify_url: SecretStr | None = Field(
        default=None, description="apprise URL for `streak check --notify` (holds a token)"
    )
    page_token_secret_id: str | None = Field(
        default=None, description="Secrets Manager id of the page's share token"
    )

    @field_validator("min_distance")
    @classmethod
    def _distance_parses(cls, value: str) -> str:
        parse_distance(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        resolve_timezone(value)
        return value

    @model_validator(mode="after")
    def _units_of_the_home_zone(self) -> Settings:
        # Unset, the units follow the home zone (`units_for_zone`): a New York runner reads
        # miles and a Berlin runner kilometres without setting anything.
        if "units" not in self.model_fields_set:
            self.units = units_for_zone(self.timezone)
            self.model_fields_set.discard("units")
        return self

    @property
    def streak_rule(self) -> StreakRule:
        return StreakRule(name=self.rule, min_distance_m=parse_distance(self.min_distance))

    @property
    def zone(self) -> ZoneInfo:
        return resolve_timezone(self.timezone)


def read_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The STREAK_* settings with `overrides` (flags) on top; a value that does not validate
    is a ConfigError naming its variable, here and nowhere else."""
    try:
        return Settings(**(overrides or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"bad setting {where} (STREAK_{where.upper()}): {first['msg']}") from None
