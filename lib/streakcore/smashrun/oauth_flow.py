"""`streak auth`: SmashRun's OAuth code flow in the browser, with a one-shot callback
server on 127.0.0.1 that takes the redirect."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from streakcore.clock import utc_now
from streakcore.errors import SmashRunAuthError
from streakcore.ports import OAuthTokens
from streakcore.settings import Settings
from streakcore.smashrun.token_endpoint import Clock, oauth_client_for

SCOPE = "read_activity"
CALLBACK_PATH = "/callback"


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorization_url(authorize_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "scope": SCOPE,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{authorize_url}?{query}"


class _CallbackServer(HTTPServer):
    query: dict[str, str] | None = None


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)
            return
        self.server.query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        body = (
            b"<!doctype html><title>streakcore</title>"
            b"<p>Done: you can close this tab and go back to the terminal.</p>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the authorisation code: never print it.
        return


class CallbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that takes SmashRun's redirect."""

    def __init__(self, port: int) -> None:
        try:
            self._server = _CallbackServer(("127.0.0.1", port), _CallbackHandler)
        except OSError as exc:
            raise SmashRunAuthError(
                f"cannot listen on 127.0.0.1:{port} for SmashRun's redirect ({exc.strerror}); "
                "set STREAK_SMASHRUN_REDIRECT_PORT to a free port registered with your app"
            ) from None
        self._server.timeout = 0.5

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> CallbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_for_code(self, expected_state: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while self._server.query is None:
            if time.monotonic() >= deadline:
                raise SmashRunAuthError(
                    f"no answer from SmashRun within {timeout_s:.0f} s; run `streak auth` again"
                )
            self._server.handle_request()
        query = self._server.query
        if not secrets.compare_digest(query.get("state", ""), expected_state):
            raise SmashRunAuthError(
                "the redirect did not carry the state we sent, so it was refused (a stale "
                "tab or a forged request); run `streak auth` again"
            )
        if "error" in query:
            raise SmashRunAuthError(
                f"SmashRun did not authorise streakcore ({query['error'][:40]})"
            )
        code = query.get("code")
        if not code:
            raise SmashRunAuthError("SmashRun's redirect carried no authorisation code")
        return code


def run_code_flow(
    settings: Settings,
    *,
    show: Callable[[str], object],
    timeout_s: float = 300.0,
    port: int | None = None,
    token_transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
) -> OAuthTokens:
    """Authorise in the browser and return fresh tokens (the caller saves them).

    `show` gets the authorisation URL: print it, open a browser, or (in tests) follow it.
    """
    if settings.smashrun_client_id is None or settings.smashrun_client_secret is None:
        raise SmashRunAuthError(
            "`streak auth` needs STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET "
            "(register an app with SmashRun), or set STREAK_SMASHRUN_ACCESS_TOKEN instead"
        )
    state = new_state()
    with CallbackReceiver(settings.smashrun_redirect_port if port is None else port) as receiver:
        url = authorization_url(
            settings.smashrun_authorize_url,
            settings.smashrun_client_id,
            receiver.redirect_uri,
            state,
        )
        show(url)
        code = receiver.wait_for_code(state, timeout_s)
        redirect_uri = receiver.redirect_uri
    oauth = oauth_client_for(settings, transport=token_transport, clock=clock)
    return oauth.exchange_code(code, redirect_uri)
