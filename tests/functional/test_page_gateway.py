"""The local gateway's page route: `/p/{token}` without an API key, the token passed as
API Gateway's path parameter; anything deeper or shallower is no route at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from streak_lambda.api_gateway import Gateway, resource_of
from streak_lambda.api_keys import KeyRing


class RecordingLambda:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "text/html"}, "body": "<p>ok"}


def send(target: str) -> tuple[int, bytes, RecordingLambda]:
    backend = RecordingLambda()
    gateway = Gateway(backend, KeyRing({"personal": SecretStr("key-personal-123")}))
    response = gateway.handle("GET", target, [("Host", "127.0.0.1")], b"", "127.0.0.1")
    return response.status, response.body, backend


def test_the_page_route_needs_no_api_key_and_carries_the_token_as_a_path_parameter() -> None:
    status, _, backend = send("/p/abcDEF_123-xyz")
    assert status == 200
    (sent,) = backend.events
    assert sent["resource"] == "/p/{token}"
    assert sent["path"] == "/p/abcDEF_123-xyz"
    assert sent["pathParameters"] == {"token": "abcDEF_123-xyz"}
    assert sent["requestContext"]["resourcePath"] == "/p/{token}"


@pytest.mark.parametrize("target", ["/p", "/p/", "/p/a/b", "/q/abc"])
def test_other_paths_under_p_are_api_gateways_missing_token(target: str) -> None:
    status, body, backend = send(target)
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    assert backend.events == []


def test_a_query_string_is_not_part_of_the_token() -> None:
    assert resource_of("/p/abc") == ("/p/{token}", {"token": "abc"})
    _, _, backend = send("/p/abc?x=1")
    assert backend.events[0]["pathParameters"] == {"token": "abc"}
