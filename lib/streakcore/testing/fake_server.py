"""FakeSmashRun: a real HTTP server on 127.0.0.1 that answers like SmashRun.

It serves the API under `/v1` and the OAuth endpoints under `/oauth2`, with SmashRun's
paging, `fromDate` by upload time, bearer or query-string tokens, rate limiting with
`Retry-After`, and faults a test can inject. It records every request, exactly, so the
benchmarks can count what a sync costs.

Runs that have not been uploaded yet by the fake's clock are invisible everywhere; move
the clock with `advance` or `set_now` to let them arrive.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from streakcore.errors import ConfigError
from streakcore.testing.activity_store import ActivityStore, StoredActivity, stored
from streakcore.testing.athletes import Athlete, SyntheticRun
from streakcore.testing.clock import TickingClock
from streakcore.testing.faults import (
    ERROR_BODY,
    NOT_A_LIST_BODY,
    Fault,
    FaultQueue,
    InjectedFault,
    as_json,
    truncated,
    with_unknown_enums,
)
from streakcore.testing.oauth_tokens import OAuthRejection, TokenRegistry
from streakcore.testing.rate_limit import RateLimit, SlidingWindowLimiter
from streakcore.testing.request_log import API_PREFIX, RecordedRequest, RequestLog, api_path
from streakcore.testing.smashrun_payloads import JsonObject

DEFAULT_ACCESS_TOKEN = "fake-smashrun-access-token"  # noqa: S105 - a fake's well-known token
DEFAULT_CLIENT_ID = "fake-client-id"
DEFAULT_CLIENT_SECRET = "fake-client-secret"  # noqa: S105 - a fake's well-known secret
MAX_COUNT = 100
MASK = "***"
# How often the serving loop looks for a stop request: a test suite stops hundreds of fakes.
_SHUTDOWN_POLL_S = 0.02

_ACTIVITY = re.compile(r"^/my/activities/(\d+)$")
_SPLITS = re.compile(r"^/my/activities/(\d+)/splits/(mi|km)$")
_SEARCHES = {
    "/my/activities/search": "summary",
    "/my/activities/search/briefs": "brief",
    "/my/activities/search/ids": "id",
}
_DEFAULT_USER: JsonObject = {
    "id": 100_000,
    "firstName": "Sam",
    "lastName": "Streaker",
    "userName": "samstreaker",
    "registrationDateUTC": "2015-01-01T12:00:00.000",
}
Source = Athlete | Iterable[SyntheticRun | Mapping[str, Any]] | None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


def _json_reply(status: int, payload: Any, **headers: str) -> Reply:
    return Reply(status, as_json(payload), headers)


class FakeSmashRun:
    """`with FakeSmashRun(athlete) as fake:` then point a client at `fake.base_url`.

    `athlete_or_payloads` is an `Athlete`, or `SyntheticRun`s, or bare activity payloads
    (no splits, uploaded when the run ended). The clock defaults to the athlete's `now`
    (real time for bare payloads) and ticks with real time; pass `clock=lambda: instant`
    to freeze it. The rate limit counts admitted API requests only: not 401s, 429s,
    injected short-circuit faults or the OAuth endpoints.
    """

    def __init__(
        self,
        athlete_or_payloads: Source = None,
        *,
        access_tokens: Iterable[str] = (DEFAULT_ACCESS_TOKEN,),
        refresh_tokens: Iterable[str] = (),
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        rate_limit: RateLimit | Sequence[RateLimit] | None = None,
        latency_s: float = 0.0,
        clock: Callable[[], datetime] | None = None,
        user: Mapping[str, Any] | None = None,
        port: int = 0,
    ) -> None:
        if latency_s < 0:
            raise ConfigError("latency_s cannot be negative")
        access_tokens = tuple(access_tokens)
        self._default_token = access_tokens[0] if access_tokens else None
        self._tokens = TokenRegistry(
            client_id=client_id,
            client_secret=client_secret,
            access_tokens=access_tokens,
            refresh_tokens=refresh_tokens,
        )
        self._client_secret = client_secret
        if rate_limit is None:
            limits: Sequence[RateLimit] = ()
        elif isinstance(rate_limit, RateLimit):
            limits = (rate_limit,)
        else:
            limits = tuple(rate_limit)
        self._limiter = SlidingWindowLimiter(limits)
        self._limits_on = bool(limits)
        self._latency_s = latency_s
        source = athlete_or_payloads
        anchor = source.now if isinstance(source, Athlete) else datetime.now(UTC)
        self._clock = clock or TickingClock(anchor)
        self._offset = timedelta(0)
        self._lock = threading.Lock()
        self._faults = FaultQueue()
        self._log = RequestLog()
        self._user: JsonObject = dict(
            user or (source.user if isinstance(source, Athlete) else _DEFAULT_USER)
        )
        self._store = ActivityStore(_stored_from(source))
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSmashRun:
        if self._server is not None:
            raise ConfigError("this fake is already serving")
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_S},
            name="fake-smashrun",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSmashRun:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where it is -----------------------------------------------------------------------

    @property
    def origin(self) -> str:
        if self._server is None:
            raise ConfigError("start the fake first (use it as a context manager)")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + API_PREFIX

    @property
    def token_url(self) -> str:
        return self.origin + "/oauth2/token"

    @property
    def authorize_url(self) -> str:
        return self.origin + "/oauth2/authenticate"

    @property
    def access_token(self) -> str:
        """The first access token the fake was given (user-level: it never expires)."""
        if self._default_token is None:
            raise ConfigError("this fake was started without access tokens")
        return self._default_token

    @property
    def client_id(self) -> str:
        return self._tokens.client_id

    @property
    def client_secret(self) -> str:
        return self._client_secret

    # -- the clock -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def set_now(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ConfigError("set_now needs an aware datetime")
        with self._lock:
            self._offset = instant - self._clock()

    # -- what tests change -----------------------------------------------------------------

    def inject(
        self,
        path_pattern: str,
        fault: Fault,
        *,
        times: int = 1,
        slow_s: float = 5.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Make the next `times` requests whose path matches the glob misbehave.

        The pattern matches the path with or without `/v1` (`/my/activities/*/splits/*`);
        `*` also matches `/`. Faults fire in the order they were injected. `headers` go
        with an injected status, e.g. `{"Retry-After": "inf"}` on a 429.
        """
        self._faults.inject(path_pattern, fault, times=times, slow_s=slow_s, headers=headers)

    def pending_faults(self) -> int:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def add_activity(
        self,
        payload: Mapping[str, Any],
        splits_mi: Sequence[JsonObject] = (),
        splits_km: Sequence[JsonObject] = (),
        uploaded_at: datetime | None = None,
    ) -> int:
        """Upload a run (now, unless `uploaded_at` says otherwise); returns its id."""
        detail = dict(payload)
        detail.setdefault("activityId", self._store.next_id())
        uploaded_s = (uploaded_at or self.now()).timestamp()
        activity = stored(detail, splits_mi, splits_km, uploaded_s=uploaded_s)
        self._store.put(activity)
        return activity.activity_id

    def edit_activity(self, activity_id: int, **fields: Any) -> None:
        """Change SmashRun fields (e.g. `notes=...`, `distance=5.1`); `fromDate` sees it now."""
        self._store.edit(activity_id, fields, self.now().timestamp())

    def delete_activity(self, activity_id: int) -> None:
        self._store.delete(activity_id)

    def expire_tokens(self) -> None:
        """Every access token stops working; refresh tokens still do."""
        self._tokens.expire_all()

    # -- what tests read -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._log.snapshot()

    def count(
        self, path_prefix: str = "", *, method: str | None = None, status: int | None = None
    ) -> int:
        """Requests whose path starts with the prefix (with or without `/v1`)."""
        return self._log.count(path_prefix, method=method, status=status)

    def reset_requests(self) -> None:
        self._log.clear()

    # -- answering -------------------------------------------------------------------------

    def handle(self, method: str, target: str, *, authorization: str | None, body: bytes) -> Reply:
        """Answer one request: the whole behaviour, minus the sockets."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        now = self.now()
        now_s = now.timestamp()
        is_api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
        authorised = is_api and self._tokens.accepts(_bearer(authorization, query), now_s)
        injected = self._faults.take(path)
        reply = self._fault_reply(injected) if injected is not None else None
        if injected is not None and injected.fault == "expired_token":
            authorised = False
        if injected is not None and injected.fault == "slow":
            self._stopping.wait(injected.slow_s)
        if reply is None:
            try:
                if is_api:
                    reply = self._answer_api(method, path, query, authorised, now_s)
                else:
                    reply, authorised = self._answer_oauth(
                        method, path, query, authorization, body, now_s
                    )
            except Exception:
                reply = _json_reply(500, {"error": "the fake failed to answer"})
            if injected is not None and reply.status == 200:
                reply = _spoiled(reply, injected)
        if self._latency_s:
            self._stopping.wait(self._latency_s)
        masked = {k: MASK if k == "access_token" else v for k, v in query.items()}
        self._log.append(RecordedRequest(method, path, masked, reply.status, authorised, now))
        return reply

    def _fault_reply(self, injected: InjectedFault) -> Reply | None:
        fault = injected.fault
        if isinstance(fault, int):
            if fault >= 500:
                text = f"<html><body><h1>{fault} Server Error</h1></body></html>"
                return Reply(
                    fault, text.encode(), injected.headers, content_type="text/html; charset=utf-8"
                )
            return _json_reply(fault, {"error": f"injected {fault}"}, **injected.headers)
        if fault == "error_body":
            return _json_reply(200, ERROR_BODY)
        if fault == "not_a_list":
            return _json_reply(200, NOT_A_LIST_BODY)
        if fault == "expired_token":
            return _unauthorised()
        return None

    def _answer_api(
        self, method: str, path: str, query: Mapping[str, str], authorised: bool, now_s: float
    ) -> Reply:
        if not authorised:
            return _unauthorised()
        if self._limits_on:
            with self._lock:
                retry_after_s = self._limiter.admit(now_s)
            if retry_after_s is not None:
                return _json_reply(
                    429, {"error": "rate limit exceeded"}, **{"Retry-After": f"{retry_after_s:.0f}"}
                )
        if method != "GET":
            return _json_reply(405, {"error": "method not allowed"}, Allow="GET")
        route = api_path(path)
        if route == "/my/userinfo":
            return _json_reply(200, self._user)
        if route in _SEARCHES:
            return self._search(_SEARCHES[route], query, now_s)
        if (match := _ACTIVITY.match(route)) is not None:
            activity = self._store.get(int(match.group(1)), now_s)
            if activity is None:
                return _not_found()
            return Reply(200, activity.detail_json)
        if (match := _SPLITS.match(route)) is not None:
            activity = self._store.get(int(match.group(1)), now_s)
            if activity is None:
                return _not_found()
            return Reply(200, activity.splits_json(match.group(2)))
        return _not_found()

    def _search(self, shape: str, query: Mapping[str, str], now_s: float) -> Reply:
        try:
            page = int(query.get("page", "0"))
            count = int(query.get("count", str(MAX_COUNT)))
            from_s = float(query["fromDate"]) if query.get("fromDate") else None
        except ValueError:
            return _json_reply(
                400, {"error": "page and count must be integers, fromDate unix seconds"}
            )
        if page < 0:
            return _json_reply(400, {"error": "page must be 0 or more"})
        if not 1 <= count <= MAX_COUNT:
            return _json_reply(400, {"error": f"count must be between 1 and {MAX_COUNT}"})
        found = self._store.search(from_s=from_s, now_s=now_s, page=page, count=count)
        return _json_reply(200, [_shaped(activity, shape) for activity in found])

    def _answer_oauth(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        authorization: str | None,
        body: bytes,
        now_s: float,
    ) -> tuple[Reply, bool]:
        if path == "/oauth2/authenticate" and method == "GET":
            return self._authorize(query, now_s)
        if path == "/oauth2/token" and method == "POST":
            form = {
                k: v[-1]
                for k, v in parse_qs(
                    body.decode("utf-8", "replace"), keep_blank_values=True
                ).items()
            }
            return self._token(form, authorization, now_s)
        if path in ("/oauth2/authenticate", "/oauth2/token"):
            return _json_reply(405, {"error": "method not allowed"}), False
        return _not_found(), False

    def _authorize(self, query: Mapping[str, str], now_s: float) -> tuple[Reply, bool]:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if client_id != self._tokens.client_id:
            return _json_reply(400, {"error": "invalid_client"}), False
        if not redirect_uri:
            return _json_reply(400, {"error": "invalid_request"}), True
        state = {"state": query["state"]} if "state" in query else {}
        if query.get("response_type") != "code":
            answer = {"error": "unsupported_response_type", **state}
        else:
            answer = {"code": self._tokens.issue_code(client_id, redirect_uri, now_s), **state}
        separator = "&" if "?" in redirect_uri else "?"
        location = redirect_uri + separator + urlencode(answer)
        return Reply(302, b"", {"Location": location}), True

    def _token(
        self, form: Mapping[str, str], authorization: str | None, now_s: float
    ) -> tuple[Reply, bool]:
        client_id, client_secret = _basic_credentials(authorization) or (
            form.get("client_id"),
            form.get("client_secret"),
        )
        if not self._tokens.client_ok(client_id, client_secret):
            return _json_reply(401, {"error": "invalid_client"}), False
        assert client_id is not None
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code" and form.get("code"):
            result = self._tokens.exchange_code(
                form["code"], client_id, form.get("redirect_uri"), now_s
            )
        elif grant_type == "refresh_token" and form.get("refresh_token"):
            result = self._tokens.refresh(form["refresh_token"], now_s)
        elif grant_type in ("authorization_code", "refresh_token"):
            result = OAuthRejection("invalid_request")
        else:
            result = OAuthRejection("unsupported_grant_type")
        if isinstance(result, OAuthRejection):
            return _json_reply(result.status, {"error": result.error}), True
        return _json_reply(200, result.as_json(), **{"Cache-Control": "no-store"}), True


def _stored_from(source: Source) -> list[StoredActivity]:
    if source is None:
        return []
    items: Iterable[SyntheticRun | Mapping[str, Any]] = (
        source.runs if isinstance(source, Athlete) else source
    )
    activities: list[StoredActivity] = []
    for item in items:
        if isinstance(item, SyntheticRun):
            activities.append(
                stored(
                    item.activity,
                    item.splits_mi,
                    item.splits_km,
                    uploaded_s=item.uploaded_at.timestamp(),
                )
            )
            continue
        # A bare payload was uploaded as soon as the run ended.
        start = datetime.fromisoformat(str(item["startDateTimeLocal"]))
        ended = start + timedelta(seconds=float(item.get("duration") or 0))
        activities.append(stored(item, [], [], uploaded_s=ended.timestamp()))
    return activities


def _shaped(activity: StoredActivity, shape: str) -> Any:
    if shape == "summary":
        return activity.summary
    if shape == "brief":
        return activity.brief
    return activity.activity_id


def _spoiled(reply: Reply, injected: InjectedFault) -> Reply:
    if injected.fault == "malformed":
        return Reply(200, truncated(reply.body), reply.headers, reply.content_type)
    if injected.fault == "unknown_enum" and reply.content_type.startswith("application/json"):
        return Reply(200, with_unknown_enums(reply.body), reply.headers, reply.content_type)
    return reply


def _bearer(authorization: str | None, query: Mapping[str, str]) -> str | None:
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
        return None
    return query.get("access_token")


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except ValueError:
        return None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret


def _unauthorised() -> Reply:
    return _json_reply(
        401, {"error": "invalid_token"}, **{"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _not_found() -> Reply:
    return _json_reply(404, {"error": "not found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeSmashRun) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Drop kept-alive connections so a stopped fake really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle and delayed ACKs add
    # 40 ms to every kept-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines can carry `?access_token=`."""

    def _serve(self) -> None:
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake.handle(
            self.command, self.path, authorization=self.headers.get("Authorization"), body=body
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except OSError:
            # The client gave up (e.g. timed out on a `slow` fault); nothing left to tell it.
            self.close_connection = True
