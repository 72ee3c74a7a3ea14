"""`streak-api serve`: API Gateway on this machine, in front of the same `lambda_handler`.

Each HTTP request (`gateway_server`) becomes a REST proxy event (payload 1.0) and goes
through what API Gateway enforces before the Lambda ever runs (`api_gateway`): `x-api-key`
on `/sync` and `/stats` (and on `/badge.svg` unless `--public-badge`), the usage plan's
rates and daily quota, and its exact refusals. This module is the command: its settings, a
fresh machine's defaults, and the handler's container built from them.

On a fresh machine it needs nothing: the fake SmashRun (a synthetic demo athlete) stands
in when no SmashRun token is configured, and a development API key is generated and
printed. With a token the database goes to `./streak-api-data/`; the demo athlete's goes
to `./streak-api-demo/`, and only there.

The fake never syncs into a real database: its synthetic runs would be stored next to the
real ones, and the deletion sweep (the fake answers 404 for real ids) would mark every real
run deleted. So without a token `STREAK_DB` is refused, and so is a `--data-dir` holding a
`runs.duckdb` that the demo did not create: the demo marks its directories with a
`.streak-api-demo` file before the first sync.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from streak_lambda.api_gateway import Gateway
from streak_lambda.api_keys import KeyRing, parse_api_keys
from streak_lambda.gateway_server import RunningGateway
from streakcore.entrypoints.cli.commands.arg_types import whole_number
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import Settings, read_settings

DEFAULT_PORT = 8787
DEFAULT_HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path("streak-api-data")
DEMO_DATA_DIR = Path("streak-api-demo")
DEMO_MARKER = ".streak-api-demo"
DATABASE_FILE = "runs.duckdb"
FAKE_REQUESTS_PER_HOUR = 100_000
AWS_EXTRA_MODULES = frozenset({"aws_lambda_powertools", "boto3", "botocore"})
AWS_EXTRA_MISSING = "streak-api needs the aws extra: pip install 'streakcore[aws]'"

# -- a fresh machine's defaults -------------------------------------------------------------


def api_keys_from(environ: Mapping[str, str]) -> dict[str, SecretStr] | None:
    """Keys from STREAK_API_KEYS, else the API-keys secret; None when neither is set."""
    if environ.get("STREAK_API_KEYS"):
        return parse_api_keys(environ["STREAK_API_KEYS"])
    secret_id = environ.get("STREAK_API_KEYS_SECRET_ID")
    if secret_id:
        from streakcore.bootstrap import api_keys_in_secret

        return api_keys_in_secret(secret_id)
    return None


def smashrun_configured(environ: Mapping[str, str]) -> bool:
    """Some way to reach the real SmashRun is configured: a token, its secret, a token file."""
    if environ.get("STREAK_SMASHRUN_ACCESS_TOKEN") or environ.get("STREAK_TOKEN_SECRET_ID"):
        return True
    from streakcore.settings import default_token_file

    token_file = Path(environ.get("STREAK_TOKEN_FILE") or default_token_file())
    return token_file.exists()


def use_fake_smashrun(environ: Mapping[str, str]) -> bool:
    """Whether the demo athlete stands in for SmashRun: only without credentials, and never
    for a database `STREAK_DB` names (a ConfigError: it has no credentials to sync it)."""
    if smashrun_configured(environ):
        return False
    if environ.get("STREAK_DB"):
        raise ConfigError(
            "STREAK_DB is set but no SmashRun credentials are configured: set "
            "STREAK_SMASHRUN_ACCESS_TOKEN (or run `streak auth`), or unset STREAK_DB to try "
            "the demo athlete"
        )
    return True


def data_dir_for(explicit: Path | None, *, fake: bool) -> Path:
    """The `--data-dir` given, else the demo's own directory or the real one."""
    if explicit is not None:
        return explicit
    return DEMO_DATA_DIR if fake else DEFAULT_DATA_DIR


def claim_for_demo(data_dir: Path) -> None:
    """Mark `data_dir` as the demo's before its first sync; a ConfigError, and nothing
    written, when it already holds a database the demo did not create."""
    marker = data_dir / DEMO_MARKER
    if (data_dir / DATABASE_FILE).exists() and not marker.exists():
        raise ConfigError(
            f"{data_dir} holds a database not made by the demo and no SmashRun credentials "
            "are configured: set STREAK_SMASHRUN_ACCESS_TOKEN (or run `streak auth`) to sync "
            f"it, or leave out --data-dir to try the demo athlete in ./{DEMO_DATA_DIR}/"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            "streak-api serve keeps the demo athlete's synthetic runs here (the fake SmashRun).\n"
        )
    except OSError as exc:
        raise ConfigError(f"cannot write {marker}: {exc.strerror}") from None


@dataclass(frozen=True, slots=True)
class FakeAccess:
    """Where the running fake SmashRun answers, and its athlete's home zone."""

    base_url: str
    access_token: str
    home_tz: str


def local_settings(
    environ: Mapping[str, str], data_dir: Path, fake: FakeAccess | None = None
) -> Settings:
    """The settings of a gateway on this machine: the database in `data_dir` unless
    STREAK_DB and STREAK_CACHE_DIR say otherwise, and with `fake`, the fake SmashRun's URL
    and token. What the environment sets wins everywhere else."""
    overrides: dict[str, Any] = {}
    if not environ.get("STREAK_DB"):
        overrides["db"] = str(data_dir / DATABASE_FILE)
    if not environ.get("STREAK_CACHE_DIR"):
        overrides["cache_dir"] = data_dir / "cache"
    if fake is not None:
        overrides["smashrun_base_url"] = fake.base_url
        overrides["smashrun_access_token"] = SecretStr(fake.access_token)
        if not environ.get("STREAK_TIMEZONE"):
            overrides["timezone"] = fake.home_tz
        if not environ.get("STREAK_REQUESTS_PER_HOUR"):
            # The fake has no hourly limit; SmashRun's would make the first demo sync take
            # hours.
            overrides["requests_per_hour"] = FAKE_REQUESTS_PER_HOUR
    return read_settings(overrides)


def powertools_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """Powertools' own options for running on this machine (it reads them only from the
    environment); what is already set wins."""
    defaults = {
        "POWERTOOLS_SERVICE_NAME": "streakcore-local",
        "POWERTOOLS_METRICS_NAMESPACE": "streakcore-local",
        # EMF lines are for CloudWatch; locally they would bury the request log.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    return {k: v for k, v in defaults.items() if not environ.get(k)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streak-api",
        description="The streakcore API on this machine, as API Gateway serves it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve /sync, /stats, /health, /badge.svg and the page /p/{token}"
    )
    serve.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=DEFAULT_PORT,
        help=f"0 to 65535, 0 for any free port (default {DEFAULT_PORT})",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    serve.add_argument(
        "--data-dir",
        type=Path,
        help=(
            "where the database goes unless STREAK_DB says otherwise (default "
            f"./{DEFAULT_DATA_DIR}/ with a SmashRun token; without one, the demo athlete's "
            f"goes to ./{DEMO_DATA_DIR}/ and a directory holding another database is refused)"
        ),
    )
    serve.add_argument(
        "--public-badge", action="store_true", help="serve /badge.svg without an API key"
    )
    args = parser.parse_args(argv)
    try:
        return _serve(args)
    except StreakError as exc:
        print(f"streak-api: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in AWS_EXTRA_MODULES:
            raise
        print(AWS_EXTRA_MISSING, file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    fake_wanted = use_fake_smashrun(os.environ)
    data_dir = data_dir_for(args.data_dir, fake=fake_wanted)
    # Powertools reads its options from the environment only, when the handler is imported;
    # streakcore's own settings go to the handler as a Settings object below.
    for name, value in powertools_defaults(os.environ).items():
        os.environ.setdefault(name, value)
    # Before anything starts, so a missing aws extra leaves nothing running.
    from streak_lambda.composition import install_container
    from streak_lambda.handler import lambda_handler
    from streakcore.bootstrap import Services

    if fake_wanted:
        claim_for_demo(data_dir)

    keys = api_keys_from(os.environ)
    generated: str | None = None
    if keys is None:
        generated = secrets.token_urlsafe(24)
        keys = {"dev": SecretStr(generated)}
    fake, access = _start_fake_smashrun() if fake_wanted else (None, None)
    try:
        settings = local_settings(os.environ, data_dir, access)
        services = Services(settings)
        install_container(services)
        gateway = Gateway(lambda_handler, KeyRing(keys), public_badge=args.public_badge)
        try:
            running = RunningGateway(gateway, args.host, args.port).start()
        except OSError as exc:
            raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        print(f"streak-api: serving {running.url} (database: {settings.db})")
        if fake is not None:
            print(
                "streak-api: no SmashRun token configured; using the fake SmashRun at "
                f"{fake.base_url} (demo data in {data_dir})"
            )
        if generated is not None:
            print(f"streak-api: development API key (send it as x-api-key): {generated}")
        else:
            print(f"streak-api: API keys: {', '.join(KeyRing(keys).names)}")
        print(f"streak-api: try  curl -X POST -H 'x-api-key: KEY' {running.url}/sync")
        try:
            page_token = services.page_tokens.current().get_secret_value()
        except StreakError as exc:
            print(f"streak-api: the page is off: {exc}")
        else:
            print(f"streak-api: your page (after the first sync): {running.url}/p/{page_token}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("streak-api: stopping")
        finally:
            running.stop()
    finally:
        if fake is not None:
            fake.stop()
    return 0


def _start_fake_smashrun() -> tuple[Any, FakeAccess]:
    from datetime import UTC, datetime

    from streakcore.testing import FakeSmashRun, demo_athlete

    athlete = demo_athlete(datetime.now(UTC))
    fake = FakeSmashRun(athlete).start()
    return fake, FakeAccess(fake.base_url, fake.access_token, athlete.home_tz)


if __name__ == "__main__":
    sys.exit(main())
