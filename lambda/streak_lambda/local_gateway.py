"""`streak-api serve`: API Gateway on this machine, in front of the same `lambda_handler`.

Each HTTP request becomes a REST proxy event (payload 1.0) and goes through what API
Gateway enforces before the Lambda ever runs: `x-api-key` on `/sync` and `/stats` (and on
`/badge.svg` unless `--public-badge`), the usage plan's rates and daily quota, and its
exact refusals (403 `Forbidden`, 403 `Missing Authentication Token`, 429 `Too Many
Requests`, 429 `Limit Exceeded`).

On a fresh machine it needs nothing: the fake SmashRun (a synthetic demo athlete) stands
in when no SmashRun token is configured, and a development API key is generated and
printed. With a token the database goes to `./streak-api-data/`; the demo athlete's goes
to `./streak-api-demo/`, and only there.

The fake never syncs into a real database: its synthetic runs would be stored next to the
real ones, and the deletion sweep (the fake answers 404 for real ids) would mark every real
run deleted. So without a token `STREAK_DB` is refused, and so is a `--data-dir` holding a
`runs.duckdb` that the demo did not create: the demo marks its directories with a
`.streak-api-demo` file before the first sync.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from streak_lambda.api_keys import KeyRing, parse_api_keys
from streak_lambda.proxy_event import (
    LocalLambdaContext,
    ProxyResponse,
    proxy_response,
    rest_proxy_event,
)
from streak_lambda.usage_plan import UsagePlan, Verdict
from streakcore.entrypoints.cli.commands.arg_types import whole_number
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import Settings, read_settings

DEFAULT_PORT = 8787
DEFAULT_HOST = "127.0.0.1"
DEFAULT_DATA_DIR = Path("streak-api-data")
DEMO_DATA_DIR = Path("streak-api-demo")
DEMO_MARKER = ".streak-api-demo"
DATABASE_FILE = "runs.duckdb"
FAKE_REQUESTS_PER_HOUR = 100_000
API_KEY_HEADER = "x-api-key"
AWS_EXTRA_MODULES = frozenset({"aws_lambda_powertools", "boto3", "botocore"})
AWS_EXTRA_MISSING = "streak-api needs the aws extra: pip install 'streakcore[aws]'"
MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit."""
READ_TIMEOUT_S = 30.0
"""How long a connection may stay silent mid-request (API Gateway gives up after 29 s)."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Route:
    key_required: bool


def routes(*, public_badge: bool) -> dict[tuple[str, str], Route]:
    """The API's resources and methods, as the Terraform stack declares them."""
    return {
        ("/sync", "POST"): Route(key_required=True),
        ("/stats", "GET"): Route(key_required=True),
        ("/health", "GET"): Route(key_required=False),
        ("/badge.svg", "GET"): Route(key_required=not public_badge),
    }


def _refusal(status: int, message: str) -> ProxyResponse:
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", _error_type(status))]
    return ProxyResponse(status, headers, json.dumps({"message": message}).encode())


def _error_type(status: int) -> str:
    return {
        400: "BadRequestException",
        403: "ForbiddenException",
        408: "RequestTimeoutException",
        411: "BadRequestException",
        413: "RequestTooLargeException",
        429: "TooManyRequestsException",
    }.get(status, "InternalServerErrorException")


def body_length(
    content_lengths: Sequence[str], transfer_encoding: str | None
) -> int | ProxyResponse:
    """The body's size in bytes from the request's Content-Length headers, or the refusal
    API Gateway answers before any Lambda runs: 400 for a length that is not a whole
    number of bytes (or two that disagree), 413 past its payload limit, 411 for a chunked
    body, which this server cannot read."""
    if transfer_encoding is not None and "chunked" in transfer_encoding.lower():
        return _refusal(411, "Length Required: send the body with a Content-Length")
    values = {value.strip() for value in content_lengths}
    if not values:
        return 0
    if len(values) > 1:
        return _refusal(400, "Content-Length given more than once, with different values")
    (text,) = values
    if not (text.isascii() and text.isdigit()):
        return _refusal(400, "Content-Length must be a whole number of bytes")
    # Compared as text first: int() refuses numbers of more than a few thousand digits.
    if len(text) > len(str(MAX_BODY_BYTES)) or int(text) > MAX_BODY_BYTES:
        return _refusal(413, "Request Too Long")
    return int(text)


class Gateway:
    """API Gateway's side of a request, without the sockets."""

    def __init__(
        self,
        handler: Handler,
        keys: KeyRing,
        *,
        plan: UsagePlan | None = None,
        public_badge: bool = False,
        stage: str = "local",
    ) -> None:
        self._handler = handler
        self._keys = keys
        self._plan = plan or UsagePlan()
        self._routes = routes(public_badge=public_badge)
        self._stage = stage
        # One Lambda container runs one request at a time; the handler's resolver and
        # metrics are per-process state, so requests take turns as they would there.
        self._container_lock = threading.Lock()

    def handle(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        client_ip: str,
    ) -> ProxyResponse:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        route = self._routes.get((path, method.upper()))
        if route is None:
            return _refusal(403, "Missing Authentication Token")
        header_list = list(headers)
        presented = next((v for k, v in header_list if k.lower() == API_KEY_HEADER), None)
        key_name: str | None = None
        if route.key_required:
            key_name = self._keys.identify(presented)
            if key_name is None:
                return _refusal(403, "Forbidden")
            verdict = self._plan.admit(key_name, path)
            if verdict is Verdict.THROTTLED:
                return _refusal(429, "Too Many Requests")
            if verdict is Verdict.QUOTA_EXCEEDED:
                return _refusal(429, "Limit Exceeded")
        event = rest_proxy_event(
            method=method.upper(),
            path=path,
            resource=path,
            query=parts.query,
            headers=header_list,
            body=body,
            source_ip=client_ip,
            api_key=presented if key_name else None,
            api_key_id=key_name,
            stage=self._stage,
        )
        context = LocalLambdaContext()
        with self._container_lock:
            try:
                result = self._handler(event, context)
            except Exception as exc:
                # CloudWatch would have the traceback; the terminal gets the gist.
                sys.stderr.write(f"streak-api: the handler failed: {type(exc).__name__}: {exc}\n")
                # What API Gateway answers when the Lambda itself fails.
                return _refusal(502, "Internal server error")
        response = proxy_response(result)
        return ProxyResponse(
            response.status,
            [*response.headers, ("x-amzn-RequestId", event["requestContext"]["requestId"])],
            response.body,
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], gateway: Gateway, read_timeout_s: float) -> None:
        self.gateway = gateway
        self.read_timeout_s = read_timeout_s
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # A socket timeout: a client that stops sending mid-request is answered, not
        # waited for forever (http.server closes an idle keep-alive connection quietly).
        self.connection.settimeout(self.server.read_timeout_s)

    def _serve(self) -> None:
        length = body_length(
            self.headers.get_all("Content-Length") or [], self.headers.get("Transfer-Encoding")
        )
        if isinstance(length, ProxyResponse):
            self._refuse(length)
            return
        try:
            body = self.rfile.read(length) if length else b""
        except TimeoutError:
            self._refuse(_refusal(408, "Request Timeout: the body stopped before its end"))
            return
        if len(body) < length:
            self._refuse(_refusal(400, "the body ended before its Content-Length"))
            return
        response = self.server.gateway.handle(
            self.command, self.path, self.headers.items(), body, self.client_address[0]
        )
        self._send(response)

    def _refuse(self, refusal: ProxyResponse) -> None:
        """Answer and close: what is left of the request cannot be told from the next one."""
        self.close_connection = True
        self._send(refusal)

    def _send(self, response: ProxyResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in {"content-length", "connection"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the gateway, which refuses undeclared ones as API Gateway
        # does (403), instead of http.server's 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line only: never headers, which carry the API key.
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class RunningGateway:
    """A gateway serving on a socket in a background thread (the CLI and the tests)."""

    def __init__(
        self, gateway: Gateway, host: str, port: int, *, read_timeout_s: float = READ_TIMEOUT_S
    ) -> None:
        self._server = _Server((host, port), gateway, read_timeout_s)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> RunningGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- a fresh machine's defaults -------------------------------------------------------------


def api_keys_from(environ: Mapping[str, str]) -> dict[str, SecretStr] | None:
    """Keys from STREAK_API_KEYS, else the API-keys secret; None when neither is set."""
    if environ.get("STREAK_API_KEYS"):
        return parse_api_keys(environ["STREAK_API_KEYS"])
    secret_id = environ.get("STREAK_API_KEYS_SECRET_ID")
    if secret_id:
        from streakcore.bootstrap import api_keys_in_secret

        return api_keys_in_secret(secret_id)
    return None


def smashrun_configured(environ: Mapping[str, str]) -> bool:
    """Some way to reach the real SmashRun is configured: a token, its secret, a token file."""
    if environ.get("STREAK_SMASHRUN_ACCESS_TOKEN") or environ.get("STREAK_TOKEN_SECRET_ID"):
        return True
    from streakcore.settings import default_token_file

    token_file = Path(environ.get("STREAK_TOKEN_FILE") or default_token_file())
    return token_file.exists()


def use_fake_smashrun(environ: Mapping[str, str]) -> bool:
    """Whether the demo athlete stands in for SmashRun: only without credentials, and never
    for a database `STREAK_DB` names (a ConfigError: it has no credentials to sync it)."""
    if smashrun_configured(environ):
        return False
    if environ.get("STREAK_DB"):
        raise ConfigError(
            "STREAK_DB is set but no SmashRun credentials are configured: set "
            "STREAK_SMASHRUN_ACCESS_TOKEN (or run `streak auth`), or unset STREAK_DB to try "
            "the demo athlete"
        )
    return True


def data_dir_for(explicit: Path | None, *, fake: bool) -> Path:
    """The `--data-dir` given, else the demo's own directory or the real one."""
    if explicit is not None:
        return explicit
    return DEMO_DATA_DIR if fake else DEFAULT_DATA_DIR


def claim_for_demo(data_dir: Path) -> None:
    """Mark `data_dir` as the demo's before its first sync; a ConfigError, and nothing
    written, when it already holds a database the demo did not create."""
    marker = data_dir / DEMO_MARKER
    if (data_dir / DATABASE_FILE).exists() and not marker.exists():
        raise ConfigError(
            f"{data_dir} holds a database not made by the demo and no SmashRun credentials "
            "are configured: set STREAK_SMASHRUN_ACCESS_TOKEN (or run `streak auth`) to sync "
            f"it, or leave out --data-dir to try the demo athlete in ./{DEMO_DATA_DIR}/"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            "streak-api serve keeps the demo athlete's synthetic runs here (the fake SmashRun).\n"
        )
    except OSError as exc:
        raise ConfigError(f"cannot write {marker}: {exc.strerror}") from None


@dataclass(frozen=True, slots=True)
class FakeAccess:
    """Where the running fake SmashRun answers, and its athlete's home zone."""

    base_url: str
    access_token: str
    home_tz: str


def local_settings(
    environ: Mapping[str, str], data_dir: Path, fake: FakeAccess | None = None
) -> Settings:
    """The settings of a gateway on this machine: the database in `data_dir` unless
    STREAK_DB and STREAK_CACHE_DIR say otherwise, and with `fake`, the fake SmashRun's URL
    and token. What the environment sets wins everywhere else."""
    overrides: dict[str, Any] = {}
    if not environ.get("STREAK_DB"):
        overrides["db"] = str(data_dir / DATABASE_FILE)
    if not environ.get("STREAK_CACHE_DIR"):
        overrides["cache_dir"] = data_dir / "cache"
    if fake is not None:
        overrides["smashrun_base_url"] = fake.base_url
        overrides["smashrun_access_token"] = SecretStr(fake.access_token)
        if not environ.get("STREAK_TIMEZONE"):
            overrides["timezone"] = fake.home_tz
        if not environ.get("STREAK_REQUESTS_PER_HOUR"):
            # The fake has no hourly limit; SmashRun's would make the first demo sync take
            # hours.
            overrides["requests_per_hour"] = FAKE_REQUESTS_PER_HOUR
    return read_settings(overrides)


def powertools_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """Powertools' own options for running on this machine (it reads them only from the
    environment); what is already set wins."""
    defaults = {
        "POWERTOOLS_SERVICE_NAME": "streakcore-local",
        "POWERTOOLS_METRICS_NAMESPACE": "streakcore-local",
        # EMF lines are for CloudWatch; locally they would bury the request log.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    return {k: v for k, v in defaults.items() if not environ.get(k)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streak-api",
        description="The streakcore API on this machine, as API Gateway serves it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve /sync, /stats, /health and /badge.svg")
    serve.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=DEFAULT_PORT,
        help=f"0 to 65535, 0 for any free port (default {DEFAULT_PORT})",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    serve.add_argument(
        "--data-dir",
        type=Path,
        help=(
            "where the database goes unless STREAK_DB says otherwise (default "
            f"./{DEFAULT_DATA_DIR}/ with a SmashRun token; without one, the demo athlete's "
            f"goes to ./{DEMO_DATA_DIR}/ and a directory holding another database is refused)"
        ),
    )
    serve.add_argument(
        "--public-badge", action="store_true", help="serve /badge.svg without an API key"
    )
    args = parser.parse_args(argv)
    try:
        return _serve(args)
    except StreakError as exc:
        print(f"streak-api: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in AWS_EXTRA_MODULES:
            raise
        print(AWS_EXTRA_MISSING, file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    fake_wanted = use_fake_smashrun(os.environ)
    data_dir = data_dir_for(args.data_dir, fake=fake_wanted)
    # Powertools reads its options from the environment only, when the handler is imported;
    # streakcore's own settings go to the handler as a Settings object below.
    for name, value in powertools_defaults(os.environ).items():
        os.environ.setdefault(name, value)
    # Before anything starts, so a missing aws extra leaves nothing running.
    from streak_lambda.composition import install_container
    from streak_lambda.handler import lambda_handler
    from streakcore.bootstrap import Services

    if fake_wanted:
        claim_for_demo(data_dir)

    keys = api_keys_from(os.environ)
    generated: str | None = None
    if keys is None:
        generated = secrets.token_urlsafe(24)
        keys = {"dev": SecretStr(generated)}
    fake, access = _start_fake_smashrun() if fake_wanted else (None, None)
    try:
        settings = local_settings(os.environ, data_dir, access)
        install_container(Services(settings))
        gateway = Gateway(lambda_handler, KeyRing(keys), public_badge=args.public_badge)
        try:
            running = RunningGateway(gateway, args.host, args.port).start()
        except OSError as exc:
            raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        print(f"streak-api: serving {running.url} (database: {settings.db})")
        if fake is not None:
            print(
                "streak-api: no SmashRun token configured; using the fake SmashRun at "
                f"{fake.base_url} (demo data in {data_dir})"
            )
        if generated is not None:
            print(f"streak-api: development API key (send it as x-api-key): {generated}")
        else:
            print(f"streak-api: API keys: {', '.join(KeyRing(keys).names)}")
        print(f"streak-api: try  curl -X POST -H 'x-api-key: KEY' {running.url}/sync")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("streak-api: stopping")
        finally:
            running.stop()
    finally:
        if fake is not None:
            fake.stop()
    return 0


def _start_fake_smashrun() -> tuple[Any, FakeAccess]:
    from datetime import UTC, datetime

    from streakcore.testing import FakeSmashRun, demo_athlete

    athlete = demo_athlete(datetime.now(UTC))
    fake = FakeSmashRun(athlete).start()
    return fake, FakeAccess(fake.base_url, fake.access_token, athlete.home_tz)


if __name__ == "__main__":
    sys.exit(main())
