"""The collector is paused through a Lambda container's cold start and only there.

Each case runs in a new interpreter: importing `streak_lambda` is what pauses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REPORT = """
import gc, json, sys
import streak_lambda
from streak_lambda.cold_start_gc import end_cold_start
report = {"after_import": gc.isenabled()}
if sys.argv[1] == "end":
    before = gc.get_freeze_count()  # not always 0: CPython 3.12 starts with some frozen
    end_cold_start()
    report["after_end"] = gc.isenabled()
    report["frozen"] = gc.get_freeze_count() - before
print(json.dumps(report))
"""

HANDLER_ENDS_IT = """
import gc, json
import streak_lambda.handler as handler

class Context:
    function_name = "f"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

paused = not gc.isenabled()
before = gc.get_freeze_count()  # not always 0: CPython 3.12 starts with some frozen
try:
    handler.lambda_handler({"unexpected": True}, Context())
except Exception as exc:
    failed = type(exc).__name__
print(json.dumps({"paused": paused, "failed": failed, "enabled": gc.isenabled(),
                  "frozen": gc.get_freeze_count() - before}))
"""


def run(code: str, *args: str, lambda_container: bool) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    if lambda_container:
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "streakcore-test"
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report


def test_in_a_lambda_container_the_cold_start_runs_without_the_collector_until_it_ends() -> None:
    # given a Lambda container, when the package is imported and the cold start ends
    report = run(REPORT, "end", lambda_container=True)
    # then the collector was off in between, is on after, and what was built is frozen
    # ("frozen": how many objects ending the cold start moved to the permanent generation)
    assert report["after_import"] is False
    assert report["after_end"] is True
    assert isinstance(report["frozen"], int)
    assert report["frozen"] > 0


def test_outside_lambda_importing_the_adapter_leaves_the_collector_alone() -> None:
    # given no Lambda container (tests, the local gateway), when the package is imported
    report = run(REPORT, "end", lambda_container=False)
    # then the collector stays on and nothing is frozen
    assert report == {"after_import": True, "after_end": True, "frozen": 0}


@pytest.mark.parametrize("lambda_container", [True, False])
def test_the_first_invocation_ends_the_pause_even_when_it_fails(lambda_container: bool) -> None:
    # given the handler imported, when its first invocation raises
    report = run(HANDLER_ENDS_IT, lambda_container=lambda_container)
    # then the collector runs again afterwards
    assert report["paused"] is lambda_container
    assert report["failed"] == "ConfigError"
    assert report["enabled"] is True
    assert (report["frozen"] > 0) is lambda_container  # type: ignore[operator]
