"""The sync's core and the use cases load no adapter: the store and the source come in
through `streakcore.ports`, so importing them loads no DuckDB, no HTTP client, no boto3."""

from __future__ import annotations

import subprocess
import sys

import pytest

ADAPTER_LIBRARIES = ("duckdb", "httpx", "boto3", "botocore", "rich")


@pytest.mark.parametrize(
    "modules",
    [
        ["streakcore.usecases.sync", "streakcore.usecases.sync.plan"],
        ["streakcore.usecases.stats", "streakcore.usecases.database", "streakcore.usecases.check"],
        ["streakcore.testing.memory_store"],
    ],
)
def test_importing_the_sync_core_loads_no_duckdb(modules: list[str]) -> None:
    probe = (
        f"import sys; import {', '.join(modules)}; "
        f"print(sorted(set({ADAPTER_LIBRARIES!r}) & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
