"""SmashRun's token endpoint: the code and refresh_token grants (form POSTs), as
`OAuthTokens`. Used by the browser flow (`oauth_flow`) and by the refreshes
(`token_refresh`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from streakcore.clock import utc_now
from streakcore.errors import SmashRunAuthError, SmashRunUnavailable
from streakcore.ports import OAuthTokens
from streakcore.settings import Settings
from streakcore.smashrun.http import DEFAULT_TIMEOUT, USER_AGENT
from streakcore.smashrun.schema import TokenResponse

Clock = Callable[[], datetime]


class OAuthClient:
    """SmashRun's token endpoint: the code and refresh_token grants (form POSTs).

    Not retried: a refresh that reached SmashRun may already have rotated the token.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._transport = transport

    def exchange_code(self, code: str, redirect_uri: str) -> OAuthTokens:
        return self._grant(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            previous_refresh=None,
        )

    def refresh(self, refresh_token: SecretStr) -> OAuthTokens:
        return self._grant(
            {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()},
            previous_refresh=refresh_token,
        )

    def _grant(self, form: dict[str, str], previous_refresh: SecretStr | None) -> OAuthTokens:
        grant = form["grant_type"]
        issued_at = self._clock()
        try:
            # A client per grant: grants come weeks apart, so nothing is kept open between.
            with httpx.Client(
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                timeout=DEFAULT_TIMEOUT,
                transport=self._transport,
            ) as http:
                response = http.post(
                    self._token_url,
                    data={
                        **form,
                        "client_id": self._client_id,
                        "client_secret": self._client_secret.get_secret_value(),
                    },
                )
        except httpx.HTTPError as exc:
            raise SmashRunUnavailable(
                f"SmashRun's token endpoint could not be reached ({type(exc).__name__})"
            ) from None
        if response.status_code in (400, 401, 403):
            raise SmashRunAuthError(
                f"SmashRun refused the {grant} grant ({_oauth_error(response)}). "
                "Run `streak auth` to authorise again."
            )
        if response.status_code != 200:
            raise SmashRunUnavailable(
                f"SmashRun's token endpoint answered HTTP {response.status_code}"
            )
        try:
            body = TokenResponse.model_validate_json(response.content)
        except ValidationError:
            raise SmashRunUnavailable(
                "SmashRun's token endpoint answered with something that is not a token"
            ) from None
        refresh = SecretStr(body.refresh_token) if body.refresh_token else previous_refresh
        return OAuthTokens(
            access_token=SecretStr(body.access_token),
            refresh_token=refresh,
            issued_at=issued_at,
            expires_at=(
                issued_at + timedelta(seconds=body.expires_in) if body.expires_in else None
            ),
        )


def _oauth_error(response: httpx.Response) -> str:
    """The RFC 6749 error code only: descriptions may echo what we sent."""
    try:
        body: Any = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) < 40:
        return error
    return f"HTTP {response.status_code}"


def oauth_client_for(
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
) -> OAuthClient:
    """The token endpoint for the app in `settings`, whose client id and secret are set."""
    assert settings.smashrun_client_id is not None, "checked by the caller"
    assert settings.smashrun_client_secret is not None, "checked by the caller"
    return OAuthClient(
        settings.smashrun_token_url,
        settings.smashrun_client_id,
        settings.smashrun_client_secret,
        transport=transport,
        clock=clock,
    )
