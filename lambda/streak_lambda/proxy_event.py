"""What API Gateway hands the Lambda: REST proxy events (payload format 1.0) and a context.

The local gateway builds them from plain HTTP requests so that `lambda_handler` runs
exactly as behind API Gateway.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

API_GATEWAY_TIMEOUT_S = 29.0
"""API Gateway's integration timeout: the Lambda's remaining time as the gateway sees it."""

_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "image/svg+xml")


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object the handler and Powertools read."""

    function_name: str = "streakcore-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:streakcore-local"
    log_group_name: str = "/aws/lambda/streakcore-local"
    log_stream_name: str = "local"
    timeout_s: float = API_GATEWAY_TIMEOUT_S
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))


def rest_proxy_event(
    *,
    method: str,
    path: str,
    resource: str,
    query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    api_key: str | None,
    api_key_id: str | None,
    stage: str = "local",
    now: datetime | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway would send for this request."""
    at = now or datetime.now(UTC)
    header_list = list(headers)
    # Like API Gateway: the last value of a name wins in `headers`, all are in `multi...`.
    single, multi = _single_and_multi(header_list)
    query_single, query_multi = _single_and_multi(parse_qsl(query, keep_blank_values=True))
    content_type = _header(header_list, "content-type") or ""
    text = not body or content_type.startswith(_TEXT_TYPES)
    request_id = str(uuid.uuid4())
    identity = _identity(api_key, api_key_id, _header(header_list, "user-agent"), source_ip)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{path}",
            "accountId": "000000000000",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "localhost",
            "requestTimeEpoch": int(at.timestamp() * 1000),
            "requestId": request_id,
            "identity": identity,
            "domainName": "localhost",
            "deploymentId": "local",
            "apiId": "local",
        },
        "body": (body.decode("utf-8", "replace") if text else base64.b64encode(body).decode())
        if body
        else None,
        "isBase64Encoded": bool(body) and not text,
    }


def _single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _identity(
    api_key: str | None, api_key_id: str | None, user_agent: str | None, source_ip: str
) -> dict[str, Any]:
    return {
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "apiKey": api_key,
        "principalOrgId": None,
        "cognitoAuthenticationType": None,
        "userArn": None,
        "apiKeyId": api_key_id,
        "userAgent": user_agent,
        "accountId": None,
        "caller": None,
        "sourceIp": source_ip,
        "accessKey": None,
        "cognitoAuthenticationProvider": None,
        "user": None,
    }


@dataclass(frozen=True, slots=True)
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def proxy_response(result: dict[str, Any]) -> ProxyResponse:
    """The HTTP response API Gateway makes of the Lambda's proxy result."""
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return ProxyResponse(status=int(result.get("statusCode", 502)), headers=headers, body=body)
