"""SmashRun adapter: HTTP client, OAuth (`oauth_flow`, `token_endpoint`, `token_refresh`), API
schema -> domain, and the sync's ActivitySource.

Entry points build one with `open_source(settings, ...)`; nothing here reads the
environment or the clock at import time.
"""

from __future__ import annotations

import httpx

from streakcore.ports import Deadline, TokenStore
from streakcore.settings import Settings
from streakcore.smashrun.budget import RequestBudget
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import RetryPolicy, build_http
from streakcore.smashrun.source import SmashRunSource
from streakcore.smashrun.token_refresh import credentials_for


def open_source(
    settings: Settings,
    *,
    token_store: TokenStore,
    deadline: Deadline,
    budget: RequestBudget | None = None,
    transport: httpx.BaseTransport | None = None,
    token_transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
) -> SmashRunSource:
    """SmashRun as an ActivitySource: credentials from the settings or the token store
    (SmashRunAuthError, saying how to authorise, when there are none), the shared request
    budget and the sync's deadline."""
    tokens = credentials_for(settings, token_store, token_transport=token_transport)
    http = build_http(
        settings.smashrun_base_url,
        tokens,
        budget=budget,
        deadline=deadline,
        transport=transport,
        retry=retry,
        # The split fetchers, plus the search or sweep going on beside them.
        max_connections=settings.sync_concurrency + 2,
    )
    return SmashRunSource(SmashRunClient(http))


__all__ = ["RequestBudget", "SmashRunClient", "SmashRunSource", "open_source"]
