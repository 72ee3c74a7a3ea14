"""The Lambda handler in the bench's own process, against moto and the fake SmashRun, with
the demo athlete synced: what the warm /stats and the page sections time."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "bench"


@dataclass(frozen=True)
class SyncedWorld:
    scratch: Path
    """A directory for the containers' caches, gone with the world."""
    synced: dict[str, Any]
    """What the handler's first sync answered."""


@contextmanager
def synced_world(**settings: str) -> Iterator[SyncedWorld]:
    """Moto, the fake SmashRun, the STREAK_* settings of an S3 database (plus `settings`),
    and one sync through the handler; the container is dropped afterwards."""
    sys.path.insert(0, str(ROOT / "tests"))
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING",
    )  # fmt: skip
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)
    from moto import mock_aws

    from fixtures.aws import make_bucket
    from streak_lambda.composition import install_container
    from streak_lambda.handler import lambda_handler
    from streak_lambda.proxy_event import LocalLambdaContext
    from streakcore.testing import FakeSmashRun, demo_athlete

    with (
        mock_aws(),
        FakeSmashRun(demo_athlete(datetime.now(UTC))) as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        make_bucket(BUCKET)
        os.environ.update(
            STREAK_DB=f"s3://{BUCKET}/runs.duckdb", STREAK_CACHE_DIR=tmp,
            STREAK_TIMEZONE="America/New_York", STREAK_SMASHRUN_BASE_URL=fake.base_url,
            STREAK_SMASHRUN_ACCESS_TOKEN=fake.access_token, STREAK_REQUESTS_PER_HOUR="100000",
            **settings,
        )  # fmt: skip
        try:
            synced = lambda_handler({"streak_action": "sync"}, LocalLambdaContext())
            yield SyncedWorld(Path(tmp), synced)
        finally:
            install_container(None)
