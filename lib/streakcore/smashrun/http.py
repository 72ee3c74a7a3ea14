"""The one place an HTTP client for SmashRun's API is built, and the retries around it.

Every request passes the client-side budget and is counted (retries too: SmashRun counts
them). Only GETs go through here and all of them are safe to retry, so 429 (after its
Retry-After), 5xx, timeouts, dropped connections and unreadable bodies are retried with
capped, jittered exponential backoff, never past the sync's deadline. Each attempt's
timeouts are cut to what is left of that deadline too: a `POST /sync` with a 20 s budget
must answer before API Gateway gives up at 29 s, whatever SmashRun does. httpx exceptions
stop here: callers see the project's errors only.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from streakcore import __version__
from streakcore.errors import (
    MAX_RETRY_AFTER_S,
    SmashRunAuthError,
    SmashRunError,
    SmashRunNotFound,
    SmashRunRateLimited,
    SmashRunUnavailable,
)
from streakcore.ports import Deadline
from streakcore.smashrun.budget import RequestBudget

USER_AGENT = f"streakcore/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=10.0)
DEFAULT_RETRY_AFTER_S = 30.0
"""What a 429 without a Retry-After header is taken to mean."""
MIN_ATTEMPT_S = 1.0
"""The least time an attempt is given, even at or past the deadline: the sync still asks
for its first batch whatever the budget, and an attempt with less would time out on a
healthy SmashRun, spending a request of the hourly budget for nothing. No retry starts
that could not have this much."""

_TIMEOUT_PHASES = ("connect", "read", "write", "pool")
_RETRIED_STATUS = frozenset({500, 502, 503, 504})
_ERROR_KEYS = ("error", "error_description", "message", "Message", "ExceptionMessage")
_AUTH_WORDS = ("token", "unauthori", "authoriz", "authent", "expired", "credential")


class AccessTokenProvider(Protocol):
    """Hands out the current access token and renews it when SmashRun rejects it."""

    def access_token(self) -> str: ...

    def renew_rejected(self, rejected: str) -> bool:
        """Renew after `rejected` got a 401; False when there is no way to renew."""
        ...


class StaticToken:
    """A user-level token (STREAK_SMASHRUN_ACCESS_TOKEN): it cannot be refreshed."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def renew_rejected(self, rejected: str) -> bool:
        return False


class BearerAuth(httpx.Auth):
    """Bearer header from the provider; one renewal and replay when SmashRun says 401."""

    def __init__(self, provider: AccessTokenProvider) -> None:
        self._provider = provider

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._provider.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and self._provider.renew_rejected(token):
            request.headers["Authorization"] = f"Bearer {self._provider.access_token()}"
            yield request


class _BudgetedTransport(httpx.BaseTransport):
    """Records each request in the budget, cuts its timeouts to the deadline (after any
    wait for budget, so the wait is not taken twice) and counts what was sent."""

    def __init__(
        self, inner: httpx.BaseTransport, budget: RequestBudget | None, deadline: Deadline | None
    ) -> None:
        self._inner = inner
        self._budget = budget
        self._deadline = deadline
        self._lock = threading.Lock()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._budget is not None:
            self._budget.acquire(self._deadline)
        if self._deadline is not None:
            request.extensions = {
                **request.extensions,
                "timeout": _within(request.extensions.get("timeout", {}), self._deadline),
            }
        with self._lock:
            self.sent += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 120.0
    """A longer Retry-After is not waited out: the caller is told to come back later."""
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def backoff_s(self, attempt: int) -> float:
        """Full jitter: spread retrying clients out instead of bunching them."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2**attempt)
        return float(ceiling * (0.5 + 0.5 * self.jitter()))


class _Retryable(Exception):
    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class SmashRunHttp:
    """GET-and-decode with retries. Thread-safe: the split fetchers share one instance."""

    def __init__(
        self,
        client: httpx.Client,
        counter: _BudgetedTransport,
        *,
        retry: RetryPolicy,
        deadline: Deadline | None,
    ) -> None:
        self._client = client
        self._counter = counter
        self._retry = retry
        self._deadline = deadline

    @property
    def requests_made(self) -> int:
        return self._counter.sent

    def close(self) -> None:
        self._client.close()

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        failure = _Retryable("no attempt was made")
        cut_short = False
        for attempt in range(self._retry.max_attempts):
            try:
                return self._attempt(path, params)
            except _Retryable as exc:
                failure = exc
            if attempt + 1 == self._retry.max_attempts:
                break
            delay = failure.retry_after_s
            if delay is None:
                delay = self._retry.backoff_s(attempt)
            elif delay > self._retry.max_retry_after_s:
                raise SmashRunRateLimited(delay)
            if self._deadline is not None and not self._deadline.allows_wait(delay + MIN_ATTEMPT_S):
                cut_short = True
                break
            self._retry.sleep(delay)
        if failure.retry_after_s is not None:
            raise SmashRunRateLimited(failure.retry_after_s)
        raise SmashRunUnavailable(
            f"SmashRun kept failing on {path} ({failure.reason}); nothing was lost, the next "
            "sync resumes from here",
            cut_short=cut_short,
        )

    def _attempt(self, path: str, params: Mapping[str, str | int] | None) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__}") from None
        if response.status_code == 429:
            retry_after_s = parse_retry_after(
                response.headers.get("Retry-After"), now=datetime.now(UTC)
            )
            raise _Retryable("HTTP 429", retry_after_s=retry_after_s)
        return self._decode(path, response)

    def _decode(self, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise SmashRunAuthError()
        if status == 404:
            raise SmashRunNotFound(f"SmashRun has no {path}")
        if status in _RETRIED_STATUS:
            raise _Retryable(f"HTTP {status}")
        if status >= 400 or status < 200:
            raise SmashRunError(f"SmashRun answered HTTP {status} for {path}")
        try:
            body = response.json()
        except ValueError:
            raise _Retryable("the body was not valid JSON") from None
        message = _error_message(body)
        if message is not None:
            if any(word in message.lower() for word in _AUTH_WORDS):
                raise SmashRunAuthError()
            raise _Retryable(f"an error in a 200 body: {message[:120]}")
        return body


def _within(timeouts: Mapping[str, float | None], deadline: Deadline) -> dict[str, float | None]:
    """httpx's per-request timeouts, none longer than what is left before `deadline` (but
    at least `MIN_ATTEMPT_S`); a phase without a limit gets that."""
    left = max(deadline.remaining(), MIN_ATTEMPT_S)
    if math.isinf(left):
        return dict(timeouts)
    capped: dict[str, float | None] = {}
    for phase in _TIMEOUT_PHASES:
        limit = timeouts.get(phase)
        capped[phase] = left if limit is None else min(limit, left)
    return capped


def _error_message(body: Any) -> str | None:
    """SmashRun sometimes answers 200 with an error object instead of the data."""
    if not isinstance(body, dict) or "activityId" in body:
        return None
    for key in _ERROR_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def parse_retry_after(header: str | None, *, now: datetime) -> float:
    """Seconds to wait from a Retry-After of delay-seconds or an HTTP-date, as of `now`:
    always finite, from 0 to `MAX_RETRY_AFTER_S`. A date in the past is 0; a wait past the
    hour (`inf`, `1e400`, a date in 9999) is the hour; a header we cannot read (negative,
    `nan`, garbage) is `DEFAULT_RETRY_AFTER_S`, as if there were none."""
    text = (header or "").strip()
    if not text:
        return DEFAULT_RETRY_AFTER_S
    try:
        seconds = float(text)
    except ValueError:
        return _until(text, now)
    if math.isnan(seconds) or seconds < 0:
        return DEFAULT_RETRY_AFTER_S
    return min(seconds, MAX_RETRY_AFTER_S)


def _until(http_date: str, now: datetime) -> float:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_RETRY_AFTER_S
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)


def build_http(
    base_url: str,
    tokens: AccessTokenProvider,
    *,
    budget: RequestBudget | None = None,
    deadline: Deadline | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_connections: int = 16,
) -> SmashRunHttp:
    """The HTTP client for SmashRun's API. `transport` lets tests hand in respx or a
    MockTransport; the fake server needs nothing special (it speaks real HTTP)."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    counted = _BudgetedTransport(
        transport or httpx.HTTPTransport(limits=limits, retries=0), budget, deadline
    )
    client = httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        auth=BearerAuth(tokens),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=timeout,
        transport=counted,
        follow_redirects=False,
    )
    return SmashRunHttp(client, counted, retry=retry or RetryPolicy(), deadline=deadline)
