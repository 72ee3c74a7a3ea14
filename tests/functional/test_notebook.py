"""`streakcore.open(path)`: stats as a model, streaks/runs/splits as DuckDB relations."""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import streakcore
from helpers import mile_splits, run
from streakcore.domain.days import group_days, qualifying_days
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import StatsBody
from streakcore.domain.streaks import find_streaks
from streakcore.entrypoints.notebook import Relation
from streakcore.errors import ConfigError, StoreNotFound
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.stats import LAST_SYNC_KEY


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    rng = random.Random(11)
    runs = [
        run(
            f"2024-01-{1 + i % 28:02d}", rng.choice([0.5, 0.7, 1.2, 3.0]), at=f"{6 + i % 12:02d}:00"
        )
        for i in range(80)
        if rng.random() < 0.8
    ]
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        store.apply(
            Batch(
                activities=[
                    StoredActivity(
                        a, "fp", None, mile_splits(a, [480.0] * int(a.distance_m // 1609.344))
                    )
                    for a in runs
                ]
            )
        )
        store.apply(Batch(deleted_ids=[runs[0].activity_id]))
    return path


@pytest.mark.parametrize("rule", list(RuleName))
def test_the_streaks_relation_agrees_with_the_domain(db_path: Path, rule: RuleName) -> None:
    with streakcore.open(str(db_path)) as db:
        in_sql = sorted(db.streaks(rule).fetchall())
        live = db.store.activities()
    expected = find_streaks(qualifying_days(group_days(live), StreakRule(name=rule)))
    assert in_sql == sorted(
        (s.start, s.end, s.days, pytest.approx(s.distance_m), s.runs) for s in expected
    )
    assert in_sql  # the fixture has streaks under every rule


def test_runs_and_splits_relations_leave_deleted_runs_out(db_path: Path) -> None:
    with streakcore.open(str(db_path)) as db:
        runs = db.runs()
        ids = {r[0] for r in runs.select("activity_id").fetchall()}
        split_ids = {r[0] for r in db.splits().select("activity_id").fetchall()}
        everything = db.store.activities(include_deleted=True)
        columns = runs.columns
    deleted = {a.activity_id for a in everything} - ids
    assert len(deleted) == 1
    assert not (deleted & split_ids)
    assert "payload" not in columns
    assert {"activity_id", "local_date", "distance_m", "utc_offset_min"} <= set(columns)


def test_stats_returns_the_contract_model(db_path: Path) -> None:
    with streakcore.open(str(db_path)) as db:
        last = db.store.activities()[-1]
        body = db.stats(as_of=last.start_local + timedelta(hours=1), tz="America/New_York")
    assert isinstance(body, StatsBody)
    assert body.current_streak.status.value == "done_today"
    assert body.rule.name is RuleName.USRSA


def test_the_notebook_never_writes(db_path: Path) -> None:
    before = db_path.read_bytes()
    with streakcore.open(str(db_path)) as db:
        db.stats(tz="UTC")
        with pytest.raises(Exception, match="read-only"):
            db.sql.execute("DELETE FROM activities")
    assert db_path.read_bytes() == before


def test_open_on_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="streak sync"):
        streakcore.open(str(tmp_path / "nope.duckdb"))
    assert not (tmp_path / "nope.duckdb").exists()


def test_stats_defaults_come_from_the_streak_settings(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setenv("STREAK_RULE", "strict")
    monkeypatch.setenv("STREAK_MIN_DISTANCE", "2km")
    with streakcore.open(str(db_path)) as db:
        body = db.stats()
        explicit = db.stats(rule="any", tz="UTC", min_distance="1mi")
    assert body.timezone == "Asia/Tokyo"
    assert (body.rule.name, body.rule.min_distance_m) == (RuleName.STRICT, 2000.0)
    assert (explicit.timezone, explicit.rule.name) == ("UTC", RuleName.ANY)
    assert explicit.rule.min_distance_m == pytest.approx(1609.344)


def test_open_without_a_path_opens_streak_db(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAK_DB", str(db_path))
    with streakcore.open() as db:
        assert db.store.path == db_path


@pytest.fixture(scope="module")
def synced_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as a sync leaves it: runs with splits, one deleted, the last sync noted."""
    rng = random.Random(5)
    runs = [run(f"2024-03-{1 + i % 28:02d}", rng.choice([0.6, 1.1, 2.5, 6.0])) for i in range(40)]
    path = tmp_path_factory.mktemp("notebook") / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        stored = [
            StoredActivity(a, "fp", None, mile_splits(a, [470.0] * int(a.distance_m // 1609.344)))
            for a in runs
        ]
        store.apply(Batch(activities=stored, state={LAST_SYNC_KEY: "2024-03-29T06:00:00+00:00"}))
        store.apply(Batch(deleted_ids=[runs[0].activity_id]))
    return path


def _call(db: streakcore.StreakDB, name: str) -> object:
    """One cell of a notebook; relations are run, as a notebook runs them to show them."""
    if name == "stats":
        return db.stats(as_of=AS_OF, tz="UTC").model_dump()
    if name == "runs":
        return db.runs().fetchall()
    if name == "splits":
        return db.splits().fetchall()
    if name == "streaks":
        return db.streaks(rule="strict").limit(5).fetchall()
    return db.sql.sql("SELECT count(*) FROM runs").fetchall()


AS_OF = datetime(2024, 3, 29, 12, 0, tzinfo=UTC)
NOTEBOOK_CALLS = ("stats", "runs", "splits", "streaks", "own_sql")


@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param(first, then, id=f"{first}-then-{then}")
        for first, then in itertools.permutations(NOTEBOOK_CALLS, 2)
    ],
)
def test_every_notebook_call_works_after_every_other(
    synced_db: Path, first: str, then: str
) -> None:
    # given what the second call answers on a database opened for it alone
    with streakcore.open(str(synced_db)) as alone:
        expected = _call(alone, then)
    with streakcore.open(str(synced_db)) as db:
        # when it follows the first, as one cell follows another
        _call(db, first)
        answer = _call(db, then)
    # then it answers the same
    assert answer == expected


def test_relations_returned_earlier_keep_working_after_later_calls(synced_db: Path) -> None:
    with streakcore.open(str(synced_db)) as db:
        # given relations kept from earlier cells, and their rows
        runs, splits, streaks = db.runs(), db.splits(), db.streaks(rule="any")
        before = (runs.fetchall(), splits.fetchall(), streaks.fetchall())
        # when later cells read the stats and run the user's own query, leaving it unread
        db.stats(tz="UTC")
        db.sql.execute("SELECT activity_id FROM runs").fetchone()
        db.stats(rule="strict", tz="UTC")
        # then the earlier relations still run, and answer the same
        after = (runs.fetchall(), splits.fetchall(), streaks.fetchall())
        derived = runs.filter("distance_m > 1000").limit(3).fetchall()
    assert after == before
    assert all(before)
    assert len(derived) == 3


def test_a_relation_of_a_closed_database_says_so(synced_db: Path) -> None:
    db = streakcore.open(str(synced_db))
    runs = db.runs()
    db.close()
    with pytest.raises(duckdb.Error):
        runs.fetchall()


def test_the_database_shows_in_a_notebook_as_a_small_table_and_its_heatmap(
    synced_db: Path, clean_streak_env: Path
) -> None:
    # given a database opened in a notebook
    with streakcore.open(str(synced_db)) as db:
        # when the notebook shows it (the cell's value is `db`)
        html = db._repr_html_()
        text = repr(db)
    # then it is a table of what it holds, and the last year's heatmap inline
    assert "<table>" in html
    for shown in ("Runs", "39", "Span", "2024-03-01 to 2024-03-28", "Last sync", "2024-03-29"):
        assert shown in html
    assert "<svg" in html
    assert "The last 12 months" in html
    # and its text form says the same, not `<... object at 0x...>`
    assert "object at 0x" not in text
    assert str(synced_db) in text
    assert "39 runs, 2024-03-01 to 2024-03-28, last sync 2024-03-29T06:00" in text


def test_the_stats_body_shows_in_a_notebook_as_a_small_table_in_the_chosen_unit(
    synced_db: Path, clean_streak_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a runner who reads kilometres
    monkeypatch.setenv("STREAK_UNITS", "km")
    with streakcore.open(str(synced_db)) as db:
        body = db.stats(as_of=AS_OF, tz="UTC")
    # when a notebook shows the body
    html = body._repr_html_()
    # then it is a short table (not pydantic's wall of text) with distances in km only
    assert html.startswith("<table>")
    assert 5 <= html.count("<tr>") <= 10
    assert "Current streak" in html
    assert re.search(r"\d km\b", html)
    assert not re.search(r"\d mi\b", html)
    assert "RunRecord(" not in html
    # and IPython's text view is the same table; the JSON does not change with the unit
    printed: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            printed.append(value)

    body._repr_pretty_(Printer(), cycle=False)
    assert "Current streak" in printed[0]
    assert json.loads(body.model_dump_json())["rule"]["min_distance_m"] == 1609.344


@pytest.mark.parametrize("missing", ["pandas", "numpy"])
def test_df_without_pandas_says_which_extra_to_install(
    synced_db: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    # given a notebook without pandas (or numpy) installed
    monkeypatch.setitem(sys.modules, missing, None)
    with streakcore.open(str(synced_db)) as db:
        # when a relation is asked for a DataFrame, directly or after a filter
        for relation in (db.runs(), db.runs().filter("distance_m > 1000"), db.streaks()):
            # then the error says what to install, not "No module named numpy"
            with pytest.raises(ConfigError, match=r"pip install 'streakcore\[notebook\]'"):
                relation.df()
        # and the relation still answers without pandas
        assert db.runs().limit(1).fetchall()


def test_the_notebooks_relations_combine_like_duckdbs(synced_db: Path) -> None:
    with streakcore.open(str(synced_db)) as db:
        runs, splits = db.runs(), db.splits()
        # a relation works with itself (each relation has a cursor of its own)
        joined = runs.set_alias("a").join(runs.set_alias("b"), "a.activity_id = b.activity_id")
        assert isinstance(joined, Relation)
        assert len(joined.fetchall()) == len(runs.fetchall())
        assert isinstance(splits.aggregate("count(*)"), Relation)
        assert "activity_id" in runs.columns
        assert "activity_id" in repr(runs)
