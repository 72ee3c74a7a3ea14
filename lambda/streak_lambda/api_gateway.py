"""API Gateway's side of a request, without the sockets: the routes the Terraform stack
declares, `x-api-key` on the routes that need it, the usage plan, and API Gateway's exact
refusals (403 `Forbidden`, 403 `Missing Authentication Token`, 429 `Too Many Requests`,
429 `Limit Exceeded`, 400/411/413 for bodies it will not take, 502 when the Lambda fails).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from streak_lambda.api_keys import KeyRing
from streak_lambda.proxy_event import (
    LocalLambdaContext,
    ProxyResponse,
    proxy_response,
    rest_proxy_event,
)
from streak_lambda.usage_plan import UsagePlan, Verdict

API_KEY_HEADER = "x-api-key"
MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Route:
    key_required: bool


PAGE_RESOURCE = "/p/{token}"
"""The page's resource: one path parameter, a single segment (API Gateway's `{token}`)."""


def routes(*, public_badge: bool) -> dict[tuple[str, str], Route]:
    """The API's resources and methods, as the Terraform stack declares them."""
    return {
        ("/sync", "POST"): Route(key_required=True),
        ("/stats", "GET"): Route(key_required=True),
        ("/health", "GET"): Route(key_required=False),
        ("/badge.svg", "GET"): Route(key_required=not public_badge),
        # The token in the path is the page's credential, checked by the function.
        (PAGE_RESOURCE, "GET"): Route(key_required=False),
    }


def resource_of(path: str) -> tuple[str, dict[str, str]]:
    """The resource a path belongs to and its path parameters: `/p/abc` -> (`/p/{token}`,
    {"token": "abc"}); any other path is its own resource."""
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "p" and parts[2]:
        return PAGE_RESOURCE, {"token": unquote(parts[2])}
    return path, {}


def refusal(status: int, message: str) -> ProxyResponse:
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
        return refusal(411, "Length Required: send the body with a Content-Length")
    values = {value.strip() for value in content_lengths}
    if not values:
        return 0
    if len(values) > 1:
        return refusal(400, "Content-Length given more than once, with different values")
    (text,) = values
    if not (text.isascii() and text.isdigit()):
        return refusal(400, "Content-Length must be a whole number of bytes")
    # Compared as text first: int() refuses numbers of more than a few thousand digits.
    if len(text) > len(str(MAX_BODY_BYTES)) or int(text) > MAX_BODY_BYTES:
        return refusal(413, "Request Too Long")
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
        resource, path_parameters = resource_of(path)
        route = self._routes.get((resource, method.upper()))
        if route is None:
            return refusal(403, "Missing Authentication Token")
        header_list = list(headers)
        presented = next((v for k, v in header_list if k.lower() == API_KEY_HEADER), None)
        key_name: str | None = None
        if route.key_required:
            key_name = self._keys.identify(presented)
            if key_name is None:
                return refusal(403, "Forbidden")
            verdict = self._plan.admit(key_name, path)
            if verdict is Verdict.THROTTLED:
                return refusal(429, "Too Many Requests")
            if verdict is Verdict.QUOTA_EXCEEDED:
                return refusal(429, "Limit Exceeded")
        event = rest_proxy_event(
            method=method.upper(),
            path=path,
            resource=resource,
            path_parameters=path_parameters,
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
                return refusal(502, "Internal server error")
        response = proxy_response(result)
        return ProxyResponse(
            response.status,
            [*response.headers, ("x-amzn-RequestId", event["requestContext"]["requestId"])],
            response.body,
        )
