"""The composition root: what `Services` builds from the settings, and what it leaves alone
until a request needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.aws import isolate_aws
from streakcore.bootstrap import Services
from streakcore.settings import Settings


@pytest.mark.parametrize(
    ("db", "name"),
    [
        ("s3://streak-bucket/runs.duckdb", "s3://streak-bucket/runs.duckdb"),
        ("s3://streak-bucket/me/runs.duckdb", "s3://streak-bucket/me/runs.duckdb"),
    ],
)
def test_both_databases_name_the_object_the_runner_named(
    db: str, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given services for a database on S3 (the Lambda's)
    isolate_aws(monkeypatch)
    services = Services(Settings(db=db, cache_dir=tmp_path / "cache", timezone="UTC"))
    # When the databases are built, Then errors about either name the runner's URL, not the key
    assert services.database.name == name
    assert services.read_database.name == name


def test_a_local_database_is_named_by_its_path(tmp_path: Path) -> None:
    db = tmp_path / "data" / "runs.duckdb"
    services = Services(Settings(db=str(db), cache_dir=tmp_path / "cache", timezone="UTC"))
    assert services.database.name == str(db)


def test_building_the_services_imports_no_adapter() -> None:
    # Given a new process, When it builds the services and asks for nothing yet
    probe = (
        "import sys; from streakcore.bootstrap import Services; "
        "from streakcore.settings import Settings; "
        "Services(Settings(db='s3://b/runs.duckdb', timezone='UTC')); "
        "print(sorted({'duckdb', 'httpx', 'boto3', 'streakcore.smashrun'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    # Then nothing is imported that a request has not asked for
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("units", "needed"), [("km", "1.61 km"), ("mi", "1.00 mi")])
def test_the_evening_check_the_lambda_alerts_with_speaks_the_settings_unit(
    tmp_path: Path, units: str, needed: str
) -> None:
    # Given a database whose streak ran to yesterday, and STREAK_UNITS (a New York runner
    # who reads km, or miles)
    from datetime import datetime, timedelta, timezone

    from helpers import daily_runs
    from streakcore.ports import Batch, StoredActivity
    from streakcore.storage.duckdb.store import DuckDBRunStore

    db = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(db) as store:
        store.apply(
            Batch(activities=[StoredActivity(a, "fp") for a in daily_runs("2026-11-15", 10)])
        )
    settings = Settings(
        db=str(db), cache_dir=tmp_path / "cache", timezone="America/New_York", units=units
    )
    # When the evening check is read, as the Lambda's 20:00 schedule reads it
    now = datetime(2026, 11, 25, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    message = Services(settings).evening_check(now).check.message
    # Then the alert text says the distance in that unit only
    assert f"at least {needed} before midnight" in message
