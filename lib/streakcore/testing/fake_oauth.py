"""The fake SmashRun's OAuth endpoints under `/oauth2`: the authorisation redirect and
the token endpoint's code and refresh grants."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode

from streakcore.testing.fake_replies import Reply, json_reply, not_found
from streakcore.testing.oauth_tokens import OAuthRejection, TokenRegistry


class FakeOAuthEndpoints:
    def __init__(self, tokens: TokenRegistry) -> None:
        self._tokens = tokens

    def answer(
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
            return json_reply(405, {"error": "method not allowed"}), False
        return not_found(), False

    def _authorize(self, query: Mapping[str, str], now_s: float) -> tuple[Reply, bool]:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if client_id != self._tokens.client_id:
            return json_reply(400, {"error": "invalid_client"}), False
        if not redirect_uri:
            return json_reply(400, {"error": "invalid_request"}), True
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
            return json_reply(401, {"error": "invalid_client"}), False
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
            return json_reply(result.status, {"error": result.error}), True
        return json_reply(200, result.as_json(), **{"Cache-Control": "no-store"}), True


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except ValueError:
        return None
    client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret
