"""The local gateway's HTTP side with requests no HTTP library would send: a Content-Length
that is not a number, negative, huge, repeated, or longer than the body that came. Each
gets an answer (400, or 413 for too large) as API Gateway gives one, never a dropped
connection or a traceback, and never reaches the handler."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from streak_lambda.api_gateway import Gateway
from streak_lambda.api_keys import KeyRing
from streak_lambda.gateway_server import RunningGateway

KEY = "gateway-test-key-0123456789"


class _Handler:
    """Stands in for `lambda_handler`: answers 200 with the size of the body it got."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.bodies.append(event["body"] or "")
        return {"statusCode": 200, "body": json.dumps({"bytes": len(event["body"] or "")})}


@pytest.fixture
def handler() -> _Handler:
    return _Handler()


@pytest.fixture
def address(handler: _Handler) -> Iterator[tuple[str, int]]:
    running = RunningGateway(
        Gateway(handler, KeyRing({"personal": SecretStr(KEY)})),
        "127.0.0.1",
        0,
        read_timeout_s=1.0,
    )
    with running:
        host, port = running.url.removeprefix("http://").split(":")
        yield host, int(port)


def _exchange(
    address: tuple[str, int], head: str, body: bytes = b"", *, end_body: bool = True
) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request; return the status, headers and body of the answer."""
    with socket.create_connection(address, timeout=30) as conn:
        conn.sendall(head.encode("latin-1") + b"\r\n" + body)
        if end_body:
            conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received:
                header_block, _, rest = received.partition(b"\r\n\r\n")
                headers = _headers(header_block)
                if len(rest) >= int(headers.get("content-length", "0")):
                    break
    assert received, "the gateway dropped the connection without an answer"
    header_block, _, rest = received.partition(b"\r\n\r\n")
    status = int(header_block.split(b" ", 2)[1])
    return status, _headers(header_block), rest


def _headers(block: bytes) -> dict[str, str]:
    lines = block.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def _post(*extra_headers: str) -> str:
    lines = [
        "POST /sync HTTP/1.1",
        "Host: localhost",
        f"x-api-key: {KEY}",
        "Content-Type: text/plain",
        *extra_headers,
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("content_length", "status"),
    [
        pytest.param(["abc"], 400, id="not-a-number"),
        pytest.param(["-5"], 400, id="negative"),
        pytest.param(["1.5"], 400, id="fraction"),
        pytest.param([""], 400, id="empty"),
        pytest.param(["3", "7"], 400, id="two-that-disagree"),
        pytest.param(["99999999999999999999999"], 413, id="huge"),
        pytest.param(["9" * 5000], 413, id="more-digits-than-int-reads"),
        pytest.param([str(10 * 1024 * 1024 + 1)], 413, id="over-api-gateways-limit"),
    ],
)
def test_an_unusable_content_length_is_answered_not_dropped(
    address: tuple[str, int],
    handler: _Handler,
    content_length: list[str],
    status: int,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # given a request whose Content-Length cannot be honoured
    head = _post(*(f"Content-Length: {v}" for v in content_length))
    # when it reaches the gateway
    answered, headers, body = _exchange(address, head, b"abc")
    # then it is answered as API Gateway would, before the handler, and the gateway says
    # nothing worse than its request line
    assert answered == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["message"]
    assert headers.get("connection") == "close"
    assert handler.bodies == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_shorter_than_its_content_length_is_answered_400(
    address: tuple[str, int], handler: _Handler, capfd: pytest.CaptureFixture[str]
) -> None:
    # given a client that promises 100 bytes, sends 3 and stops sending
    head = _post("Content-Length: 100")
    # when the gateway has waited for the rest
    answered, _, body = _exchange(address, head, b"abc", end_body=True)
    # then
    assert answered == 400
    assert "Content-Length" in json.loads(body)["message"]
    assert handler.bodies == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_that_stalls_mid_body_is_answered_when_the_read_times_out(
    address: tuple[str, int], handler: _Handler, capfd: pytest.CaptureFixture[str]
) -> None:
    # given a client that promises 100 bytes, sends 3 and keeps the connection open
    answered, _, body = _exchange(address, _post("Content-Length: 100"), b"abc", end_body=False)
    # then the gateway answers rather than waiting forever or dropping it
    assert answered in (400, 408)
    assert json.loads(body)["message"]
    assert handler.bodies == []
    assert "Traceback" not in capfd.readouterr().err


def test_a_good_content_length_still_brings_the_body(
    address: tuple[str, int], handler: _Handler
) -> None:
    answered, _, body = _exchange(address, _post("Content-Length: 3"), b"abc")

    assert answered == 200
    assert json.loads(body) == {"bytes": 3}
    assert handler.bodies == ["abc"]
