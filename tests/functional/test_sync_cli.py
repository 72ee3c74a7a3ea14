"""`streak sync`, `streak auth` and `streak demo` from the terminal, against the fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.smashrun_sync import request_floor
from streakcore.entrypoints.cli.main import main
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete
from streakcore.testing.rate_limit import RateLimit


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(datetime.now(UTC))


def uploaded(athlete: Athlete) -> int:
    return sum(1 for run in athlete.runs if run.uploaded_at <= athlete.now)


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(athlete: Athlete, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    # A clock that stands still: no run can arrive halfway through a sync.
    with FakeSmashRun(athlete, clock=lambda: athlete.now) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


def test_sync_json_reports_the_backfill_then_an_idle_resync(
    fake: FakeSmashRun, athlete: Athlete, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "runs.duckdb"
    # when
    first_code = main(["sync", "--db", str(db), "--json"])
    first = json.loads(capsys.readouterr().out)
    second_code = main(["sync", "--db", str(db), "--json"])
    second = json.loads(capsys.readouterr().out)
    # then
    assert (first_code, second_code) == (0, 0)
    assert set(first) >= {"status", "runs_synced", "splits_stored", "quarantined", "requests",
                          "backlog", "duration_s"}  # fmt: skip
    assert (first["status"], first["runs_synced"], first["backlog"]) == (
        "success", uploaded(athlete), 0
    )  # fmt: skip
    assert first["requests"] == request_floor(uploaded(athlete))
    assert (second["status"], second["runs_synced"], second["splits_stored"]) == ("success", 0, 0)
    with DuckDBRunStore.open(db, read_only=True) as store:
        assert len(store.live_ids()) == uploaded(athlete)


def test_sync_prints_a_one_line_summary(
    fake: FakeSmashRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("sync success: ")
    assert " requests in " in out


def test_sync_with_a_budget_of_nothing_stops_early_and_says_what_is_left(
    fake: FakeSmashRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb"), "--budget", "0.000001"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("sync partial: ")
    assert "still waiting for splits" in out


def test_sync_without_any_credentials_says_to_run_streak_auth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])
    err = capsys.readouterr().err
    assert code == 2  # a setup step for the runner, not a failed job
    assert err.startswith("streak: error: ")
    assert "streak auth" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["sync", "--db", "s3://bucket-only"],
        ["sync", "--budget", "0"],
        ["sync", "--refetch-splits"],
    ],
)
def test_sync_with_unusable_flags_exits_2(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--db" not in argv:
        argv = [*argv, "--db", str(tmp_path / "runs.duckdb")]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("streak: error: ")


def test_auth_without_a_registered_app_says_what_to_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["auth", "--no-browser", "--timeout", "1"])
    assert code == 2
    assert "STREAK_SMASHRUN_CLIENT_ID" in capsys.readouterr().err


def test_demo_syncs_a_synthetic_athlete_over_http_and_prints_the_stats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_dir = tmp_path / "demo"
    # when the demo runs twice
    assert main(["demo", "--dir", str(demo_dir), "--years", "0.5"]) == 0
    capsys.readouterr()
    assert main(["demo", "--dir", str(demo_dir), "--years", "0.5"]) == 0
    out = capsys.readouterr().out
    # then it printed the stats and what the sync cost
    assert "Current streak" in out
    assert "Fastest mile" in out
    with DuckDBRunStore.open(demo_dir / "runs.duckdb", read_only=True) as store:
        runs = len(store.live_ids())
        assert store.count("splits") > 0
    floor = request_floor(runs)
    assert f"Requests: {floor:,} served by the fake" in " ".join(out.split())
    # and it started afresh the second time instead of adding to the first
    assert "sync success: " in out
    assert f"{runs} runs" in out


def test_a_backfill_stopped_by_smashruns_rate_limit_is_not_a_failure(
    athlete: Athlete,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a SmashRun that answers 429 (Retry-After: an hour) after 30 requests
    with FakeSmashRun(
        athlete, clock=lambda: athlete.now, rate_limit=RateLimit(30, 3600)
    ) as limited:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", limited.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", limited.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        # when a cron job runs the sync
        code = main(["sync", "--db", str(tmp_path / "runs.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    # then it stopped with its progress kept, and the exit code says "fine, carry on later"
    assert report["status"] == "partial"
    assert report["runs_synced"] > 0
    assert report["backlog"] > 0
    assert "rate limit" in (report["error"] or "").lower()
    assert code == 0


def test_sync_with_a_token_smashrun_refuses_exits_2_saying_to_run_streak_auth(
    fake: FakeSmashRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a user-level token SmashRun no longer accepts
    monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", "revoked-token-value")
    # when the runner syncs
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])
    err = capsys.readouterr().err
    # then it is a setup step, said in one line that names it, without the token
    assert code == 2
    assert err.startswith("streak: error: ")
    assert "run `streak auth`" in err.lower()
    assert len(err.strip().splitlines()) == 1
    assert "revoked-token-value" not in err


def test_a_token_refused_halfway_keeps_the_progress_and_still_exits_2(
    fake: FakeSmashRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a token SmashRun starts refusing once the search is done
    fake.inject("/my/activities/*/splits/*", "expired_token", times=10_000)
    db = tmp_path / "runs.duckdb"
    # when the runner syncs
    code = main(["sync", "--db", str(db), "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    # then the runs found are kept, and the exit code says the runner must act
    assert code == 2
    assert report["status"] == "partial"
    assert report["error_kind"] == "auth"
    assert report["runs_synced"] > 0
    assert "run `streak auth`" in captured.err.lower()
    with DuckDBRunStore.open(db, read_only=True) as store:
        assert len(store.live_ids()) == report["runs_synced"]
