"""Run the handler's routes from an unpacked Lambda zip, each in a new interpreter.

A `LambdaWorld` is what a deployed function talks to, on this machine: a moto server
(S3 with a bucket, SNS with the alert topic), the fake SmashRun, and the environment
Terraform gives the function (terraform/lambda.tf), with dummy AWS credentials. Each
action runs `ops/lambda_probe.py` under the runtime's interpreter with `-I -S -B` and the
unpacked tree alone on sys.path, as a cold start: a new process and an empty cache dir.

The packager uses it to prove the zip serves requests (a sync, then GET /stats, /health and
/badge.svg answered from what the sync wrote); the benchmarks use it to time cold starts;
`ops.cold_modules` uses it to list what the routes import.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops.import_check import moto_endpoint, probe_environment
from streakcore.errors import StreakError

PROBE = Path(__file__).with_name("lambda_probe.py")
PROBE_TIMEOUT_S = 300
BUCKET = "streak-route-check"
DATABASE_KEY = "runs.duckdb"
REGION = "us-east-1"
TOPIC = "streak-route-check-alerts"
# The API routes a read function serves; `sync` writes what they read.
READ_ROUTES = ("GET /stats", "GET /health", "GET /badge.svg", "GET /p/{token}")
# Every action either function runs; `ops.cold_modules` traces all of them.
ALL_ACTIONS = ("import", "sync", "check", "POST /sync", *READ_ROUTES)


@dataclass(frozen=True)
class ProbeResult:
    action: str
    status: Any
    wall_s: float
    """From starting the process to its exit, as this process saw it."""
    import_s: float
    invoke_s: float
    modules: dict[str, str]
    """Module -> `bytecode`, `source` or `extension`, for modules imported from the tree."""
    failed_imports: list[str]
    top_levels: list[str]
    """Top-level names of every module the process had imported, from anywhere."""

    def compiled_from_source(self) -> list[str]:
        return sorted(name for name, how in self.modules.items() if how == "source")


@dataclass
class LambdaWorld:
    """moto, the fake SmashRun and the function's environment; build with `lambda_world`."""

    environment: dict[str, str]
    scratch: Path
    _runs: int = 0

    def fresh_environment(self) -> dict[str, str]:
        """The function's environment with a new, empty cache dir: a new container's /tmp."""
        self._runs += 1
        cache = self.scratch / f"tmp-{self._runs}"
        cache.mkdir(parents=True)
        return {**self.environment, "STREAK_CACHE_DIR": str(cache)}


@contextmanager
def lambda_world(scratch: Path, athlete_years: float | None = None) -> Iterator[LambdaWorld]:
    """Start moto and the fake SmashRun (half a year of runs unless `athlete_years` says
    otherwise) for as long as the block runs."""
    from streakcore.testing import FakeSmashRun, recent_athlete, synthetic_athlete

    now = datetime.now(UTC)
    athlete = (
        recent_athlete(now)
        if athlete_years is None
        else synthetic_athlete(now=now, years=athlete_years)
    )
    with ExitStack() as stack:
        endpoint = stack.enter_context(moto_endpoint())
        fake = stack.enter_context(FakeSmashRun(athlete))
        home = scratch / "home"
        home.mkdir(parents=True, exist_ok=True)
        environment = probe_environment(endpoint, home)
        topic_arn = _make_bucket_and_topic(environment)
        page_token = secrets.token_urlsafe(32)
        page_secret_arn = _make_page_token_secret(environment, page_token)
        environment.update(
            {
                "STREAK_DB": f"s3://{BUCKET}/{DATABASE_KEY}",
                "STREAK_TIMEZONE": "America/New_York",
                "STREAK_SMASHRUN_BASE_URL": fake.base_url,
                "STREAK_SMASHRUN_ACCESS_TOKEN": fake.access_token,
                # The fake has no hourly limit; the default budget would slow the sync down.
                "STREAK_REQUESTS_PER_HOUR": "100000",
                "STREAK_SNS_TOPIC_ARN": topic_arn,
                "STREAK_PAGE_TOKEN_SECRET_ID": page_secret_arn,
                "PROBE_PAGE_TOKEN": page_token,
                "POWERTOOLS_SERVICE_NAME": "streakcore",
                "POWERTOOLS_METRICS_NAMESPACE": "streakcore",
            }
        )
        yield LambdaWorld(environment, scratch)


def _make_bucket_and_topic(environment: Mapping[str, str]) -> str:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    endpoint = environment["AWS_ENDPOINT_URL"]
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    topic = session.client("sns", endpoint_url=endpoint).create_topic(Name=TOPIC)
    return str(topic["TopicArn"])


def _make_page_token_secret(environment: Mapping[str, str], token: str) -> str:
    """The page's share token in Secrets Manager, as the stack keeps it (a name of its own
    per world: several may share one moto); returns its ARN."""
    import boto3

    client = boto3.session.Session(region_name=REGION).client(
        "secretsmanager",
        endpoint_url=environment["AWS_ENDPOINT_URL"],
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )
    return str(
        client.create_secret(
            Name=f"streakcore/page-token-{secrets.token_hex(4)}", SecretString=token
        )["ARN"]
    )


# As Lambda runs the code: isolated (no PYTHON* variables, no user site), no site-packages,
# and no bytecode written (/var/task is read-only).
RUNTIME_FLAGS = ("-I", "-S", "-B")


def run_probe(
    interpreter: Path,
    tree: Path,
    action: str,
    environment: Mapping[str, str],
    flags: tuple[str, ...] = RUNTIME_FLAGS,
    absent: Iterable[str] = (),
) -> ProbeResult:
    """One cold invocation of `action` from `tree`; StreakError if the process fails.
    `absent` top-level modules cannot be imported, as if the package left them out."""
    started = time.perf_counter()
    completed = subprocess.run(
        [str(interpreter), *flags, str(PROBE), str(tree), action, ",".join(sorted(absent))],
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_S,
        env=dict(environment),
        cwd=environment.get("HOME"),
        check=False,
    )
    wall_s = time.perf_counter() - started
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise StreakError(f"{action} from the package failed:\n{last_lines}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return ProbeResult(
        action=action,
        status=report["status"],
        wall_s=wall_s,
        import_s=report["import_s"],
        invoke_s=report["invoke_s"],
        modules=report["modules"],
        failed_imports=report["failed_imports"],
        top_levels=report["top_levels"],
    )


def left_out_imports(results: Iterable[ProbeResult], left_out: Iterable[str]) -> list[str]:
    """Imports the routes tried of a module the package left out (or of one inside it)."""
    prefixes = tuple(left_out)
    return sorted(
        {
            name
            for result in results
            for name in result.failed_imports
            if any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)
        }
    )


@dataclass(frozen=True)
class RouteCheck:
    results: list[ProbeResult]

    def compiled_from_source(self) -> list[str]:
        return sorted({name for result in self.results for name in result.compiled_from_source()})


def check_routes(
    interpreter: Path,
    tree: Path,
    scratch: Path,
    left_out_modules: Iterable[str],
    actions: Iterable[str] = ("sync", *READ_ROUTES),
) -> RouteCheck:
    """Run `actions` (a sync first, so the reads have a database and stats document) and
    fail unless each answers 200 (API) or completes (schedule) without importing anything
    the package left out."""
    results = []
    with lambda_world(scratch) as world:
        for action in actions:
            result = run_probe(interpreter, tree, action, world.fresh_environment())
            if action.startswith(("GET ", "POST ")) and result.status != 200:
                raise StreakError(f"{action} from the package answered {result.status}, not 200")
            results.append(result)
    tried = left_out_imports(results, left_out_modules)
    if tried:
        raise StreakError(
            "the handler tried to import what the package leaves out: " + ", ".join(tried)
        )
    return RouteCheck(results)
