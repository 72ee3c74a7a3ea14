"""Importing the handler builds nothing and pulls in none of the heavy libraries: a cold
start pays for DuckDB, boto3 and pydantic only when a request needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import streak_lambda.handler
import streak_lambda.composition as composition
print(json.dumps({
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in {
        "duckdb", "boto3", "botocore", "pydantic", "pydantic_settings", "httpx", "s3transfer"
    } and m != "botocore"),
    "container_built": composition._container is not None,
}))
"""


def test_importing_the_handler_builds_nothing_and_skips_the_heavy_libraries() -> None:
    # given a clean interpreter (as Lambda's init phase has)
    # when it imports the handler module
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )

    # then no adapter exists yet, and DuckDB, boto3, pydantic and httpx are not loaded
    # (Powertools itself imports the top-level botocore package only, for its user agent)
    report = json.loads(result.stdout)
    assert report == {"loaded": [], "container_built": False}


def test_metrics_default_to_the_namespace_and_service_the_failure_alarm_watches() -> None:
    # given an environment that names neither the namespace nor the service
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    probe = (
        "import json, streak_lambda.handler as h; "
        "print(json.dumps([h.metrics.namespace, h.metrics.service, h.SYNC_FAILURES_METRIC]))"
    )

    # when the handler is imported
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )

    # then its metrics go where the alarm looks: namespace streakcore, service=streakcore
    assert json.loads(result.stdout) == ["streakcore", "streakcore", "SyncFailures"]
