"""Peak memory (RSS) of a 10-year backfill and of a cold `GET /stats`, each in a fresh
interpreter, beside the memory the Lambda function that runs it is given.

Each child reports its own high-water mark, `VmHWM` from /proc/self/status, as it exits.
Not `ru_maxrss`: Linux carries the RSS a child had before `exec` (a copy of this process,
fake SmashRun, athlete and all) into both its RUSAGE_SELF and what `wait4` returns, so a
bare `python -c pass` would "peak" at this process's size. The fake runs here, in the
parent, so only the sync's own memory is counted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hcl2

from bench.sync_harness import HOME_TZ, UNTHROTTLED_REQUESTS_PER_HOUR, uploaded_runs
from bench.table import Row
from streakcore.errors import StreakError
from streakcore.testing import FakeSmashRun, decade_athlete

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "tests" / "fixtures" / "events"
TERRAFORM = ROOT / "terraform"
TARGET_MB = 200
SYNC_BUDGET_S = 900
STDERR_TAIL = 2_000

PEAK_FILE_ENV = "BENCH_PEAK_RSS_FILE"
REPORT_PEAK = f"""
import atexit as _atexit, os as _os

def _report_peak():
    with open("/proc/self/status") as status:
        peak_kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(_os.environ["{PEAK_FILE_ENV}"], "w") as out:
        out.write(peak_kib)

_atexit.register(_report_peak)
"""
"""Put before a child's code: it writes its peak RSS in KiB to the file the env names."""
RUN_CLI = """
import sys
from streakcore.entrypoints.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
INVOKE = """
import json, sys
from streak_lambda.handler import lambda_handler
from streak_lambda.proxy_event import LocalLambdaContext
with open(sys.argv[1]) as f:
    event = json.load(f)
response = lambda_handler(event, LocalLambdaContext())
print(json.dumps({"response": response, "duckdb_imported": "duckdb" in sys.modules}))
"""
"""Calls the handler once with the event in argv[1]; its last line of output says how it went."""


def peak_rss_mb(code: str, args: Sequence[str], env: Mapping[str, str]) -> tuple[float, str]:
    """Run `code` in a fresh interpreter to the end: its peak RSS in MB (as Lambda counts
    them, MiB) and what it printed. StreakError, with the end of its stderr, if it failed."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        peak_file = Path(tmp) / "peak"
        done = subprocess.run(
            [sys.executable, "-c", REPORT_PEAK + code, *args],
            cwd=ROOT,
            env={**env, PEAK_FILE_ENV: str(peak_file)},
            stdout=out,
            stderr=err,
            check=False,
        )
        if done.returncode != 0 or not peak_file.exists():
            err.seek(0)
            tail = err.read().decode(errors="replace")[-STDERR_TAIL:]
            raise StreakError(f"{args[:2]} exited with {done.returncode}: {tail}")
        out.seek(0)
        return int(peak_file.read_text()) / 1024, out.read().decode()


def _last_json(output: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _unquoted(label: str) -> str:
    return label.strip('"')


def lambda_memory_mb(function: str) -> tuple[int, str]:
    """`memory_size` of `aws_lambda_function.<function>` in terraform/, following a
    `var.` reference to the variable's default; and where the number came from."""
    resources = hcl2.loads((TERRAFORM / "lambda.tf").read_text()).get("resource", [])
    bodies = {
        _unquoted(name): body
        for entry in resources
        for kind, named in entry.items()
        if _unquoted(kind) == "aws_lambda_function"
        for name, body in named.items()
    }
    memory = str(bodies[function]["memory_size"])
    reference = re.fullmatch(r"\$\{var\.(\w+)\}", memory)
    if reference is None:
        return int(memory), f"{function} Lambda memory_size"
    variables = hcl2.loads((TERRAFORM / "variables.tf").read_text()).get("variable", [])
    declared = {_unquoted(name): body for entry in variables for name, body in entry.items()}
    default = declared[reference.group(1)]["default"]
    return int(default), f"{function} Lambda memory (var.{reference.group(1)} default)"


def _env(**streak: str) -> dict[str, str]:
    """This environment without any STREAK_ setting of the caller's, plus `streak`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAK_")}
    env.update(
        POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING",
        STREAK_TIMEZONE=HOME_TZ,
        **{f"STREAK_{key.upper()}": value for key, value in streak.items()},
    )  # fmt: skip
    return env


def _stats_rss(data: Path, cache: Path) -> tuple[float, dict[str, Any], bool]:
    """Peak RSS of one cold `GET /stats`, its body, and whether it had to open DuckDB."""
    rss, output = peak_rss_mb(
        INVOKE,
        [str(EVENTS / "apigw_rest_get_stats.json")],
        _env(db=str(data / "runs.duckdb"), cache_dir=str(cache)),
    )
    result = _last_json(output)
    response = result["response"]
    if response["statusCode"] != 200:
        raise StreakError(f"GET /stats answered {response['statusCode']}: {response['body']}")
    return rss, json.loads(response["body"]), bool(result["duckdb_imported"])


def run() -> list[Row]:
    # Real time, not a fixed instant: /stats asks "as of now", and stats.json answers only
    # for instants after the latest run it holds.
    now = datetime.now(UTC).replace(microsecond=0)
    athlete = decade_athlete(now, home_tz=HOME_TZ)
    n = uploaded_runs(athlete, now)
    sync_mb, sync_name = lambda_memory_mb("sync")
    read_mb, read_name = lambda_memory_mb("read")
    bare, _ = peak_rss_mb("import duckdb, pydantic, httpx", [], _env())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "data"
        with FakeSmashRun(athlete, clock=lambda: now) as fake:
            smashrun = {
                "smashrun_base_url": fake.base_url,
                "smashrun_access_token": fake.access_token,
                "requests_per_hour": str(UNTHROTTLED_REQUESTS_PER_HOUR),
                "sync_budget_s": str(SYNC_BUDGET_S),
                "token_file": str(work / "no-tokens.json"),
            }
            lambda_sync, output = peak_rss_mb(
                INVOKE,
                [str(EVENTS / "scheduler_sync.json")],
                _env(db=str(data / "runs.duckdb"), cache_dir=str(work / "sync-cache"), **smashrun),
            )
            synced = _last_json(output)["response"]["runs_synced"]
            cli_args = ["sync", "--json", "--db", str(work / "cli.duckdb")]
            cli_sync, output = peak_rss_mb(
                RUN_CLI,
                [*cli_args, "--budget", str(SYNC_BUDGET_S)],
                _env(cache_dir=str(work / "cli-cache"), **smashrun),
            )
            cli_synced = json.loads(output)["runs_synced"]
        if synced != n or cli_synced != n:
            raise StreakError(f"a backfill stopped short: {synced} and {cli_synced} of {n} runs")
        # The same database without its stats.json: /stats has to open DuckDB.
        no_snapshot = work / "no-snapshot"
        no_snapshot.mkdir()
        shutil.copyfile(data / "runs.duckdb", no_snapshot / "runs.duckdb")
        snapshot_stats, body, snapshot_duckdb = _stats_rss(data, work / "cache-1")
        duckdb_stats, duckdb_body, duckdb_opened = _stats_rss(no_snapshot, work / "cache-2")

    def over_bare(mb: float) -> str:
        return f"{mb - bare:+.0f} MB over the bare imports"

    def row(name: str, mb: float, baseline_name: str, baseline: int, note: str) -> Row:
        return Row("memory", name, mb, "MB", baseline_name, baseline, f"< {TARGET_MB} MB",
                   mb < TARGET_MB, f"{note}; {over_bare(mb)}")  # fmt: skip

    return [
        Row("memory", "bare `import duckdb, pydantic, httpx`", bare, "MB", "", None,
            note="for context: the three libraries imported, before any work"),
        row(f"10-year backfill ({n:,} runs), sync Lambda handler", lambda_sync, sync_name,
            sync_mb, "scheduled sync event into a local STREAK_DB: the sync plus the private "
            "copy, checkpoint, verify and stats.json of the Lambda's path"),
        row(f"10-year backfill ({n:,} runs), `streak sync`", cli_sync, sync_name, sync_mb,
            "one sync into a DuckDB file"),
        row("cold GET /stats from stats.json, read Lambda handler", snapshot_stats, read_name,
            read_mb, f"totals.runs {body['totals']['runs']:,}; DuckDB imported: "
            f"{snapshot_duckdb}"),
        row("cold GET /stats from DuckDB (no stats.json)", duckdb_stats, read_name, read_mb,
            f"totals.runs {duckdb_body['totals']['runs']:,}; DuckDB imported: {duckdb_opened}"),
    ]  # fmt: skip
