"""`streak check --notify URL`: the at-risk alert pushed through apprise (here its json://
service, to a little HTTP server standing in for ntfy or Pushover), at most once a day, and
given back for the next check when the push fails."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from helpers import daily_runs, run
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

EVENING = "2026-11-25T20:00:00-05:00"
NEXT_EVENING = "2026-11-26T20:00:00-05:00"
SECRET_PATH = "tok-3f9c2a-never-printed"


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.failing = False
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server_address[1]}/{SECRET_PATH}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(500 if self.server.failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in."""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A streak through 2026-11-24: at risk on the evening of the 25th."""
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        runs = daily_runs("2026-11-01", 24)
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return path


def check(db: Path, at: str, *notify: str) -> int:
    return main(["check", "--no-sync", "--db", str(db), "--as-of", at, *notify])


def test_an_at_risk_evening_pushes_the_message_once(
    db: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    # when the check runs twice on an at-risk evening
    assert check(db, EVENING, "--notify", receiver.url) == 1
    assert check(db, EVENING, "--notify", receiver.url) == 1
    # then one push went out, with the check's message
    assert len(receiver.bodies) == 1
    (pushed,) = receiver.bodies
    assert pushed["title"] == "Run streak at risk"
    assert "ends tonight unless you run" in pushed["message"]
    assert "4 h 00 min left" in pushed["message"]
    err = capsys.readouterr().err
    assert "alert sent" in err
    assert "already sent today" in err
    assert SECRET_PATH not in err


def test_the_next_at_risk_day_pushes_again(db: Path, receiver: Receiver) -> None:
    with DuckDBRunStore.open(db) as store:
        store.apply(Batch(activities=[StoredActivity(run("2026-11-25", 3.0), "fp")]))
    assert check(db, EVENING, "--notify", receiver.url) == 0  # done today: nothing to push
    assert receiver.bodies == []
    assert check(db, NEXT_EVENING, "--notify", receiver.url) == 1
    assert len(receiver.bodies) == 1


def test_the_url_can_come_from_the_environment(
    db: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_NOTIFY_URL", receiver.url)
    assert check(db, EVENING) == 1
    assert len(receiver.bodies) == 1


def test_a_failed_push_exits_3_and_the_next_check_sends_it(
    db: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a service that fails once
    receiver.failing = True
    assert check(db, EVENING, "--notify", receiver.url) == 3
    err = capsys.readouterr().err
    assert "could not be sent through json://" in err
    assert SECRET_PATH not in err
    # when it works again, then the next check sends the day's alert
    receiver.failing = False
    assert check(db, EVENING, "--notify", receiver.url) == 1
    assert len(receiver.bodies) == 2


def test_a_url_apprise_does_not_know_is_refused_before_anything_runs(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(db, EVENING, "--notify", f"nosuchservice://{SECRET_PATH}") == 2
    err = capsys.readouterr().err
    assert "apprise cannot use this nosuchservice:// URL" in err
    assert SECRET_PATH not in err
    assert err.count("\n") == 1
    assert not db.with_name("runs.duckdb.alerts.json").exists()


def test_without_the_notify_extra_it_says_what_to_install(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)
    assert check(db, EVENING, "--notify", "ntfy://topic") == 2
    assert "pip install 'streakcore[notify]'" in capsys.readouterr().err
