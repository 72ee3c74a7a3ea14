"""`streak sync` on a local file goes through the same sync path as the local gateway
(`Database.sync` on a local-directory blob store): a private copy replaced only if nobody
replaced the file meanwhile, with the companions written beside it.

The other writer gets in through the fake's clock, which the fake reads as each request
arrives: by the terminal's first request to SmashRun it has already taken its copy of the
database, so whatever the other writer saves then is a real race, without any sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fixtures.aws import live_activity_ids
from streakcore.bootstrap import Services
from streakcore.entrypoints.cli.main import main
from streakcore.settings import Settings
from streakcore.storage.blob_local import LocalDirectoryBlobStore
from streakcore.testing import FakeSmashRun
from streakcore.usecases.sync import SyncReport

DB_NAME = "runs.duckdb"


class OtherWriterMeanwhile:
    """The fake's clock (real time), which lets another writer in: once when armed, or at
    every request when `every_request`. Errors are kept for the test to see, since they
    happen on the fake's server thread."""

    def __init__(self) -> None:
        self.writer: Callable[[], None] | None = None
        self.every_request = False
        self.runs = 0
        self.errors: list[BaseException] = []

    def arm(self, writer: Callable[[], None], *, every_request: bool = False) -> None:
        self.writer = writer
        self.every_request = every_request

    def __call__(self) -> datetime:
        writer = self.writer
        if writer is not None:
            if not self.every_request:
                self.writer = None  # before running it: the writer's own requests read the clock
            try:
                writer()
                self.runs += 1
            except BaseException as exc:
                self.errors.append(exc)
        return datetime.now(UTC)


def payload(activity_id: int, day: str) -> dict[str, Any]:
    """A run as `/my/activities/search` lists it (distance in km)."""
    return {
        "activityId": activity_id,
        "startDateTimeLocal": f"{day}T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
    }


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def clock() -> OtherWriterMeanwhile:
    return OtherWriterMeanwhile()


@pytest.fixture
def fake(clock: OtherWriterMeanwhile, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    runs = [payload(1001 + i, f"2026-11-{10 + i:02d}") for i in range(5)]
    with FakeSmashRun(runs, clock=clock) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def gateway_sync(data_dir: Path, cache_dir: Path) -> SyncReport:
    """What the local gateway does for POST /sync: a Database on the same directory, synced
    from the same SmashRun account, with its own cache."""
    settings = Settings(db=str(data_dir / DB_NAME), cache_dir=cache_dir)
    return Services(settings).sync(budget_s=60.0, credentials_first=False)


def sync_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["sync", "--db", str(data_dir / DB_NAME), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def test_a_terminal_sync_racing_a_gateway_sync_keeps_the_runs_of_both(
    fake: FakeSmashRun,
    clock: OtherWriterMeanwhile,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a synced database, and a run uploaded since
    assert sync_json(data_dir, capsys)[0] == 0
    seen_by_both = str(fake.add_activity(payload(2001, "2026-11-20")))
    gateway_reports: list[SyncReport] = []
    seen_by_the_terminal_only: list[str] = []

    def gateway_syncs_then_a_run_arrives() -> None:
        gateway_reports.append(gateway_sync(data_dir, tmp_path / "gateway-cache"))
        seen_by_the_terminal_only.append(str(fake.add_activity(payload(2002, "2026-11-21"))))

    clock.arm(gateway_syncs_then_a_run_arrives)
    # when the terminal syncs, and the gateway's sync lands while the terminal's is under way
    code, body = sync_json(data_dir, capsys)
    # then the gateway's sync finished first
    assert clock.errors == []
    assert [r.status for r in gateway_reports] == ["success"]
    # and the database holds every run either of them synced
    expected = {str(1001 + i) for i in range(5)} | {seen_by_both, *seen_by_the_terminal_only}
    assert live_activity_ids(data_dir / DB_NAME) == expected
    # because the terminal's sync ran again on top of the gateway's
    assert (code, body["status"], body.get("attempts")) == (0, "success", 2)


def test_a_local_sync_writes_stats_and_health_beside_the_database(
    fake: FakeSmashRun, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    code, body = sync_json(data_dir, capsys)
    # then the companions the gateway reads are there, describing this sync
    assert (code, body["status"], body["runs_synced"]) == (0, "success", 5)
    health = json.loads((data_dir / f"{DB_NAME}.health.json").read_text())
    stats = json.loads((data_dir / f"{DB_NAME}.stats.json").read_text())
    assert health["status"] == "healthy"
    assert stats["generation"] == 1
    assert live_activity_ids(data_dir / DB_NAME) == {str(1001 + i) for i in range(5)}


def test_a_local_sync_leaves_the_users_own_json_files_in_the_folder_alone(
    fake: FakeSmashRun, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a folder already holding files of the user's that share the generic names
    data_dir.mkdir(parents=True)
    own = {
        name: f'{{"mine": "{name}"}}'.encode()
        for name in ("stats.json", "health.json", "sync_state.json", "alerts.json")
    }
    for name, data in own.items():
        (data_dir / name).write_bytes(data)

    # when a database in that folder is synced
    code, body = sync_json(data_dir, capsys)

    # then every one of them is byte for byte what the user wrote
    assert (code, body["status"]) == (0, "success")
    assert {name: (data_dir / name).read_bytes() for name in own} == own
    assert (data_dir / f"{DB_NAME}.stats.json").exists()


def test_two_databases_in_one_folder_keep_their_own_stats(
    fake: FakeSmashRun, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given one database synced with every run
    assert sync_json(data_dir, capsys)[0] == 0

    # when a second database beside it is synced with runs of its own day
    other = "other.duckdb"
    fake.add_activity(payload(3001, "2026-11-22"))
    assert main(["sync", "--db", str(data_dir / other), "--json"]) == 0
    capsys.readouterr()

    # then each stats document counts its own database's runs
    first = json.loads((data_dir / f"{DB_NAME}.stats.json").read_text())
    second = json.loads((data_dir / f"{other}.stats.json").read_text())
    assert first["snapshot"]["totals"]["runs"] == 5
    assert second["snapshot"]["totals"]["runs"] == 6


def test_a_local_sync_that_keeps_losing_the_race_exits_1_and_says_why(
    fake: FakeSmashRun,
    clock: OtherWriterMeanwhile,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a synced database, and another writer that replaces it at every request
    assert sync_json(data_dir, capsys)[0] == 0
    other = LocalDirectoryBlobStore(data_dir, tmp_path / "other-cache")

    def replace_it() -> None:
        current = other.fetch(DB_NAME)
        assert current is not None
        other.replace(DB_NAME, current.path, expected=current.etag)

    clock.arm(replace_it, every_request=True)
    # when the terminal syncs
    code = main(["sync", "--db", str(data_dir / DB_NAME)])
    err = capsys.readouterr().err
    # then it gave up as a failed job (not a setup error) and said what was going on
    assert clock.errors == []
    assert clock.runs >= 2
    assert code == 1
    assert err.startswith("streak: error: ")
    assert "another sync" in err
