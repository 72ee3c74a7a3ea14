"""Warm and cold `GET /stats` in the Lambda handler: time and S3 bytes, against moto."""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path
from typing import Any

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
WARM_CALLS = 50


def run() -> list[Row]:
    from bench.lambda_in_process import BUCKET, synced_world

    with synced_world() as world:
        import boto3

        from fixtures.aws import S3Traffic, event
        from streak_lambda.composition import install_container
        from streak_lambda.handler import lambda_handler
        from streak_lambda.proxy_event import LocalLambdaContext
        from streakcore.bootstrap import Services
        from streakcore.settings import Settings

        synced, tmp = world.synced, world.scratch
        db_bytes = boto3.client("s3").head_object(Bucket=BUCKET, Key="runs.duckdb")["ContentLength"]

        def fresh_container(cache: str) -> S3Traffic:
            traffic = S3Traffic()
            session = traffic.attach_session(boto3.session.Session())
            install_container(Services(Settings(cache_dir=Path(cache)), boto_session=session))
            return traffic

        stats_event = event("apigw_rest_get_stats")

        def call() -> dict[str, Any]:
            response: dict[str, Any] = lambda_handler(
                copy.deepcopy(stats_event), LocalLambdaContext()
            )
            assert response["statusCode"] == 200, response
            return response

        traffic = fresh_container(str(Path(tmp) / "cold"))
        start = time.perf_counter()
        call()
        cold_s = time.perf_counter() - start
        cold_bytes = sum(traffic.bytes_received.values())
        cold_db_bytes = traffic.bytes_received.get("runs.duckdb", 0)
        traffic.reset()
        samples = []
        for _ in range(WARM_CALLS):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        warm_s = statistics.median(samples)
        warm_bytes = sum(traffic.bytes_received.values())
        warm_db_bytes = traffic.bytes_received.get("runs.duckdb", 0)
    return [
        Row("warm /stats", "warm GET /stats handler time", warm_s, "s",
            "first GET /stats on a new Container, modules already imported", cold_s, "",
            note=f"median of {WARM_CALLS}; {synced['runs_synced']:,} runs synced first; "
            "in the bench's own process, so the first call pays for no import: a cold "
            "start as a new process is the cold GET /stats row"),
        Row("warm /stats", "warm GET /stats: runs.duckdb bytes downloaded", warm_db_bytes, "bytes",
            "runs.duckdb size", db_bytes, "0 bytes", warm_db_bytes == 0,
            note=f"all S3 bytes on {WARM_CALLS} warm calls: {warm_bytes:,}"),
        Row("warm /stats", "cold GET /stats: S3 bytes downloaded", cold_bytes, "bytes",
            "runs.duckdb size", db_bytes, "no DuckDB download", cold_db_bytes == 0),
    ]  # fmt: skip
