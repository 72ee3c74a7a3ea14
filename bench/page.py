"""The page (`GET /p/{token}`): its size, and its time to first byte from `streak-api serve`
and from the Lambda handler, warm and cold, each in interleaved pairs with a lighter route
of the same server as the baseline.

- `streak-api serve`: the command itself in a subprocess (the fake SmashRun's demo
  athlete, synced once through `POST /sync`), timed over HTTP from sending the request to
  the first byte of the answer, a new connection each time; baseline `GET /stats`.
- The handler, warm: one container answering the page, against it answering `/stats`.
- The handler, cold: a new container (a new `Services`, an empty cache) for every call, the
  page against a cold `GET /stats`; both read their documents from S3 (moto), neither the
  DuckDB file. Modules are already imported: a new process's import time is the cold
  `/stats` section's figure and the same for every route.
"""

from __future__ import annotations

import copy
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.paired import interleaved, paired_row
from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
SECTION = "page"
TOKEN = "bench-page-token-0123456789abcdefghij"  # noqa: S105 - a test token
MAX_PAGE_BYTES = 100_000
SERVE_START_S = 120.0
# The issue sets no time goal for the page, only that its times be reported beside a
# `/stats` answer of the same server: the page reads what `/stats` reads plus two small
# documents (days, health) and draws a year's heatmap, so these rows are figures, not goals.


def run() -> list[Row]:
    return [*_serve_rows(), *_handler_rows()]


# -- streak-api serve ---------------------------------------------------------------------


@contextmanager
def _serving(data_dir: Path) -> Iterator[dict[str, str]]:
    """`streak-api serve` on a free port with the demo athlete; its URL, key and page link."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAK_")}
    env.update(
        PYTHONUNBUFFERED="1",
        STREAK_TOKEN_FILE=str(data_dir / "no-tokens.json"),
        STREAK_CACHE_DIR=str(data_dir / "cache"),
        STREAK_PAGE_TOKEN=TOKEN,
    )
    command = [sys.executable, "-m", "streak_lambda.local_gateway", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(data_dir / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        found: dict[str, str] = {}
        deadline = time.monotonic() + SERVE_START_S
        assert process.stdout is not None
        while "page" not in found and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if match := re.search(r"serving (http://\S+)", line):
                found["url"] = match.group(1)
            if match := re.search(r"development API key .*: (\S+)", line):
                found["key"] = match.group(1)
            if match := re.search(r"your page .*: (http://\S+)", line):
                found["page"] = match.group(1)
        if set(found) != {"url", "key", "page"}:
            raise RuntimeError(f"streak-api serve did not start: {sorted(found)}")
        yield found
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> bytes:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=300)
    try:
        connection.request(method, parts.path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {parts.path}: {response.status} {body[:200]!r}")
        return body
    finally:
        connection.close()


def _first_byte_s(url: str, headers: dict[str, str] | None = None) -> float:
    """Seconds from sending the request to the first byte of the answer (its status line),
    on a new connection."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        connection.connect()
        started = time.perf_counter()
        connection.request("GET", parts.path, headers=headers or {})
        connection.sock.recv(1, 0x2)  # MSG_PEEK: wait for the first byte, leave it there
        elapsed = time.perf_counter() - started
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {parts.path}: {response.status}")
        return elapsed
    finally:
        connection.close()


def _serve_rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="streak-bench-page-") as tmp, _serving(Path(tmp)) as s:
        _get(f"{s['url']}/sync", method="POST", headers={"x-api-key": s["key"]})
        size = len(_get(s["page"]))
        stats, key = f"{s['url']}/stats", {"x-api-key": s["key"]}
        paired = interleaved(lambda: _first_byte_s(s["page"]), lambda: _first_byte_s(stats, key))
    return [
        Row(SECTION, "page size (demo athlete, from streak-api serve)", size, "bytes",
            "the issue's limit", MAX_PAGE_BYTES, "< 100 KB", size < MAX_PAGE_BYTES,
            note="HTML with the inline year heatmap, styles, icon and manifest; no other request"),
        paired_row(SECTION, "streak-api serve: time to first byte of GET /p/{token}", paired,
            "GET /stats on the same server",
            note=f"median of {len(paired.figures)} interleaved pairs, a new connection each, "
            "timed from the request to the first byte of the answer"),
    ]  # fmt: skip


# -- the handler --------------------------------------------------------------------------


def _event(base: dict[str, Any], path: str, resource: str, params: dict[str, str] | None) -> Any:
    built = copy.deepcopy(base)
    built.update(resource=resource, path=path, httpMethod="GET", pathParameters=params)
    built["queryStringParameters"] = built["multiValueQueryStringParameters"] = None
    built["requestContext"].update(resourcePath=resource, path=f"/prod{path}")
    return built


def _handler_rows() -> list[Row]:
    from bench.lambda_in_process import synced_world

    with synced_world(STREAK_PAGE_TOKEN=TOKEN) as world:
        from fixtures.aws import event
        from streak_lambda.composition import install_container
        from streak_lambda.handler import lambda_handler
        from streak_lambda.proxy_event import LocalLambdaContext
        from streakcore.bootstrap import Services
        from streakcore.settings import Settings

        base = event("apigw_rest_get_stats")
        page = _event(base, f"/p/{TOKEN}", "/p/{token}", {"token": TOKEN})
        stats = base
        containers = iter(range(1_000_000))

        def fresh() -> None:
            cache = world.scratch / f"cold-{next(containers)}"
            install_container(Services(Settings(cache_dir=cache)))

        def timed(request: dict[str, Any], *, cold: bool) -> Callable[[], float]:
            def call() -> float:
                if cold:
                    fresh()
                started = time.perf_counter()
                response = lambda_handler(copy.deepcopy(request), LocalLambdaContext())
                elapsed = time.perf_counter() - started
                if response["statusCode"] != 200:
                    raise RuntimeError(f"{request['path']}: {response['statusCode']}")
                return elapsed

            return call

        fresh()
        warm = interleaved(timed(page, cold=False), timed(stats, cold=False))
        cold = interleaved(timed(page, cold=True), timed(stats, cold=True))
    return [
        paired_row(SECTION, "handler, warm: GET /p/{token}", warm, "warm GET /stats",
            note=f"median of {len(warm.figures)} interleaved pairs in one container; the "
            "page reads the stats, days and health documents (304s when unchanged)"),
        paired_row(SECTION, "handler, cold container: GET /p/{token}", cold,
            "cold-container GET /stats",
            note=f"median of {len(cold.figures)} interleaved pairs, a new Services and empty "
            "cache per call, modules already imported; S3 is moto; no DuckDB download"),
    ]  # fmt: skip
