"""The crash matrix: a writer killed with SIGKILL at a random point of its sync, then the
runner's next `streak sync` and `streak stats`. Whatever the point, every run committed
before the kill is still there, the file opens, the recovery sync stores everything
SmashRun has, and no write-ahead log is left anywhere.

Writers: `streak sync` on a local file, a program syncing the file in place (as
`streak demo` or a notebook holds it; it leaves a log when killed), and `streak sync` on
an s3:// object (moto's server over real HTTP). Each runs in a child process against the
fake SmashRun of this process, and is killed a random time after its first request, up to
as long as a whole sync took. The trial counts are modest so that the suite stays fast;
raise them with STREAK_CRASH_TRIALS (local) and STREAK_CRASH_TRIALS_S3, and replay a run
with the STREAK_CRASH_SEED its failure message names.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from fixtures.aws import BUCKET, REGION, isolate_aws, make_bucket
from fixtures.other_processes import committed_ids, in_place_writer
from streakcore.entrypoints.cli.main import main
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun

pytestmark = pytest.mark.slow

LOCAL_TRIALS = int(os.environ.get("STREAK_CRASH_TRIALS", "2"))
S3_TRIALS = int(os.environ.get("STREAK_CRASH_TRIALS_S3", "1"))
SEED = int(os.environ.get("STREAK_CRASH_SEED", str(random.SystemRandom().randrange(10**6))))
RUNS_PER_TRIAL = 12
"""Uploaded to the fake before each trial: the killed writer has that much to write."""
LATENCY_S = 0.004
"""Per request, so that a sync lasts long enough for the kills to land inside it."""
DB_NAME = "runs.duckdb"


class FirstRequest:
    """The fake's clock (real time), which marks when an armed writer's first request
    arrives: kills are timed from there, not from process start-up."""

    def __init__(self) -> None:
        self.seen = threading.Event()

    def arm(self) -> None:
        self.seen.clear()

    def __call__(self) -> datetime:
        self.seen.set()
        return datetime.now(UTC)


@dataclass
class Tally:
    """What the trials did, for the failure message and the summary line."""

    name: str
    killed: int = 0
    finished_first: int = 0
    logs_after_kill: int = 0
    """Kills that left a write-ahead log beside the database."""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.name}: {self.killed + self.finished_first} trials (seed {SEED}): "
            f"{self.killed} killed mid-sync, {self.finished_first} finished before the kill, "
            f"{self.logs_after_kill} kills left a log beside the file; all recovered"
        )


def payload(activity_id: int, day: date) -> dict[str, Any]:
    return {
        "activityId": activity_id,
        "startDateTimeLocal": f"{day.isoformat()}T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
    }


class Athlete:
    """What the fake holds: runs added a batch at a time, one a day."""

    def __init__(self, fake: FakeSmashRun) -> None:
        self.fake = fake
        self.ids: set[str] = set()
        self._next_day = date(2020, 1, 1)

    def upload(self, count: int) -> None:
        for _ in range(count):
            self.ids.add(str(self.fake.add_activity(payload(len(self.ids) + 1, self._next_day))))
            self._next_day += timedelta(days=1)


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def first_request() -> FirstRequest:
    return FirstRequest()


@pytest.fixture
def athlete(first_request: FirstRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Athlete]:
    with FakeSmashRun([], clock=first_request, latency_s=LATENCY_S) as fake:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", fake.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", fake.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield Athlete(fake)


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 over real HTTP, which the child processes reach by AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    isolate_aws(monkeypatch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.session.Session(region_name=REGION))
        make_bucket()
        yield f"s3://{BUCKET}/{DB_NAME}"
    finally:
        server.stop()


def streak_sync(db: str) -> list[str]:
    return [sys.executable, "-m", "streakcore.entrypoints.cli.main", "sync", "--db", db, "--json"]


@dataclass(frozen=True)
class Outcome:
    killed: bool
    output: str


def run_and_kill(argv: list[str], first_request: FirstRequest, delay_s: float) -> Outcome:
    """Start `argv`, and SIGKILL it `delay_s` after its first request to the fake (unless
    it finished first)."""
    first_request.arm()
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    ) as writer:
        first_request.seen.wait(timeout=60)
        try:
            writer.wait(timeout=delay_s)
            killed = False
        except subprocess.TimeoutExpired:
            writer.kill()
            writer.wait()
            killed = True
        output, errors = writer.communicate()
    assert killed or writer.returncode == 0, errors
    return Outcome(killed=killed, output=output)


def work_time_s(argv: list[str], first_request: FirstRequest) -> float:
    """How long a whole sync takes from its first request: kills land up to this late."""
    first_request.arm()
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=dict(os.environ)) as writer:
        first_request.seen.wait(timeout=60)
        started = time.monotonic()
        assert writer.wait(timeout=120) == 0
    return time.monotonic() - started


def stored_ids(path: Path) -> set[str]:
    """The live runs in a database file, read-only (a log beside it is replayed in memory,
    not folded in)."""
    with DuckDBRunStore.open(path, read_only=True) as store:
        return store.live_ids()


def recover(db: str, athlete: Athlete, capsys: pytest.CaptureFixture[str], context: str) -> None:
    """The runner's next `streak sync` and `streak stats`, which must see every run."""
    capsys.readouterr()
    code = main(["sync", "--db", db, "--json"])
    captured = capsys.readouterr()
    assert code == 0, f"{context}: recovery sync exited {code}: {captured.err}"
    assert json.loads(captured.out)["status"] == "success", context
    code = main(["stats", "--db", db, "--json"])
    captured = capsys.readouterr()
    assert code == 0, f"{context}: stats exited {code}: {captured.err}"
    assert json.loads(captured.out)["totals"]["runs"] == len(athlete.ids), context


def logs_under(*folders: Path) -> list[Path]:
    return sorted(wal for folder in folders for wal in folder.rglob("*.wal"))


def test_a_local_writer_killed_at_any_point_loses_no_committed_run(
    athlete: Athlete,
    first_request: FirstRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = random.Random(SEED)
    data, cache = tmp_path / "data", tmp_path / "cache"
    db = data / DB_NAME
    writers = {"streak sync": streak_sync(str(db)), "in place": in_place_writer(db)}
    tallies = {name: Tally(name) for name in writers}
    # given a database holding every run so far, and how long a sync of a batch takes
    athlete.upload(RUNS_PER_TRIAL)
    work_s = {name: 0.0 for name in writers}
    for name, argv in writers.items():
        athlete.upload(RUNS_PER_TRIAL)
        work_s[name] = work_time_s(argv, first_request)
    stored_before = athlete.ids.copy()
    assert stored_ids(db) == stored_before

    for trial in range(LOCAL_TRIALS):
        name = list(writers)[trial % len(writers)]
        context = f"trial {trial} ({name}, STREAK_CRASH_SEED={SEED})"
        # when new runs arrive and a writer syncing them is killed at a random point
        athlete.upload(RUNS_PER_TRIAL)
        outcome = run_and_kill(writers[name], first_request, rng.uniform(0, work_s[name]))
        tally = tallies[name]
        tally.killed += outcome.killed
        tally.finished_first += not outcome.killed
        tally.logs_after_kill += outcome.killed and db.with_name(f"{DB_NAME}.wal").exists()

        # then the file opens and holds every run stored before and every commit it made
        assert stored_ids(db) >= stored_before | committed_ids(outcome.output), context
        # and the next sync and stats see every run, and leave no log behind
        recover(str(db), athlete, capsys, context)
        assert stored_ids(db) == athlete.ids, context
        assert logs_under(data, cache) == [], context
        stored_before = athlete.ids.copy()

    print("\n".join(t.summary() for t in tallies.values()))


def test_an_s3_sync_killed_at_any_point_loses_no_committed_run(
    athlete: Athlete,
    first_request: FirstRequest,
    s3_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = random.Random(SEED)
    cache = tmp_path / "cache"
    argv = streak_sync(s3_server)
    tally = Tally("s3 streak sync")
    object_copy = tmp_path / "object.duckdb"

    def stored_on_s3() -> set[str]:
        s3 = boto3.client("s3", region_name=REGION)
        object_copy.write_bytes(s3.get_object(Bucket=BUCKET, Key=DB_NAME)["Body"].read())
        return stored_ids(object_copy)

    # given an object holding every run so far, and how long a sync of a batch takes
    athlete.upload(RUNS_PER_TRIAL)
    assert main(["sync", "--db", s3_server]) == 0
    athlete.upload(RUNS_PER_TRIAL)
    work_s = work_time_s(argv, first_request)
    stored_before = athlete.ids.copy()
    assert stored_on_s3() == stored_before

    for trial in range(S3_TRIALS):
        context = f"trial {trial} (s3, STREAK_CRASH_SEED={SEED})"
        # when new runs arrive and a sync of them is killed at a random point
        athlete.upload(RUNS_PER_TRIAL)
        outcome = run_and_kill(argv, first_request, rng.uniform(0, work_s))
        tally.killed += outcome.killed
        tally.finished_first += not outcome.killed

        # then the object opens and holds every run stored before
        assert stored_on_s3() >= stored_before, context
        # and the next sync and stats see every run, and leave no log in the cache
        recover(s3_server, athlete, capsys, context)
        assert stored_on_s3() == athlete.ids, context
        assert logs_under(cache) == [], context
        stored_before = athlete.ids.copy()

    print(tally.summary())
