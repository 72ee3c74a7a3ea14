"""The local gateway on a socket: an HTTP server in a background thread whose every request
goes through `api_gateway.Gateway`."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from streak_lambda.api_gateway import Gateway, body_length, refusal
from streak_lambda.proxy_event import ProxyResponse

READ_TIMEOUT_S = 30.0
"""How long a connection may stay silent mid-request (API Gateway gives up after 29 s)."""


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
            self._refuse(refusal(408, "Request Timeout: the body stopped before its end"))
            return
        if len(body) < length:
            self._refuse(refusal(400, "the body ended before its Content-Length"))
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
