"""FakeSmashRun: a real HTTP server on 127.0.0.1 that answers like SmashRun.

It serves the API under `/v1` and the OAuth endpoints under `/oauth2`, with SmashRun's
paging, `fromDate` by upload time, bearer or query-string tokens, rate limiting with
`Retry-After`, and faults a test can inject. It records every request, exactly, so the
benchmarks can count what a sync costs.

Runs that have not been uploaded yet by the fake's clock are invisible everywhere; move
the clock with `advance` or `set_now` to let them arrive.

This module holds what tests drive (the clock, the activities, the faults, the request
log); `fake_api` answers the API, `fake_oauth` the OAuth endpoints, `fake_replies` turns a
fault into a reply, `fake_http` is the socket side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from streakcore.errors import ConfigError
from streakcore.testing.activity_store import ActivityStore, StoredActivity, stored
from streakcore.testing.athletes import Athlete, SyntheticRun
from streakcore.testing.clock import TickingClock
from streakcore.testing.fake_api import FakeApi
from streakcore.testing.fake_http import FakeHttpServer
from streakcore.testing.fake_oauth import FakeOAuthEndpoints
from streakcore.testing.fake_replies import Reply, fault_reply, json_reply, spoiled
from streakcore.testing.faults import (
    Fault,
    FaultQueue,
)
from streakcore.testing.oauth_tokens import TokenRegistry
from streakcore.testing.rate_limit import RateLimit, SlidingWindowLimiter
from streakcore.testing.request_log import API_PREFIX, RecordedRequest, RequestLog
from streakcore.testing.smashrun_payloads import JsonObject

DEFAULT_ACCESS_TOKEN = "fake-smashrun-access-token"  # noqa: S105 - a fake's well-known token
DEFAULT_CLIENT_ID = "fake-client-id"
DEFAULT_CLIENT_SECRET = "fake-client-secret"  # noqa: S105 - a fake's well-known secret
MASK = "***"
# How often the serving loop looks for a stop request: a test suite stops hundreds of fakes.
_SHUTDOWN_POLL_S = 0.02
_DEFAULT_USER: JsonObject = {
    "id": 100_000,
    "firstName": "Sam",
    "lastName": "Streaker",
    "userName": "samstreaker",
    "registrationDateUTC": "2015-01-01T12:00:00.000",
}
Source = Athlete | Iterable[SyntheticRun | Mapping[str, Any]] | None


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
        limiter = SlidingWindowLimiter(limits) if limits else None
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
        self._api = FakeApi(self._store, self._user, limiter, self._lock)
        self._oauth = FakeOAuthEndpoints(self._tokens)
        self._port = port
        self._server: FakeHttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSmashRun:
        if self._server is not None:
            raise ConfigError("this fake is already serving")
        self._stopping.clear()
        self._server = FakeHttpServer(("127.0.0.1", self._port), self)
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
        reply = fault_reply(injected) if injected is not None else None
        if injected is not None and injected.fault == "expired_token":
            authorised = False
        if injected is not None and injected.fault == "slow":
            self._stopping.wait(injected.slow_s)
        if reply is None:
            try:
                if is_api:
                    reply = self._api.answer(method, path, query, authorised, now_s)
                else:
                    reply, authorised = self._oauth.answer(
                        method, path, query, authorization, body, now_s
                    )
            except Exception:
                reply = json_reply(500, {"error": "the fake failed to answer"})
            if injected is not None and reply.status == 200:
                reply = spoiled(reply, injected)
        if self._latency_s:
            self._stopping.wait(self._latency_s)
        masked = {k: MASK if k == "access_token" else v for k, v in query.items()}
        self._log.append(RecordedRequest(method, path, masked, reply.status, authorised, now))
        return reply


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


def _bearer(authorization: str | None, query: Mapping[str, str]) -> str | None:
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
        return None
    return query.get("access_token")
