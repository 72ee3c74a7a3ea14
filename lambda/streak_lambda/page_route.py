"""`GET /p/{token}`: the streak page behind its share link.

The token in the path is the only credential (API keys do not belong in a browser, and a
query string ends up in logs): compared in constant time with the page token, and a wrong
one gets exactly API Gateway's answer for a route that does not exist, so the link cannot
be told from a typo. The page comes from the documents beside the database, never a
DuckDB download (`usecases.page.served_page_facts`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response, content_types

if TYPE_CHECKING:
    from streakcore.bootstrap import Services

PAGE_CACHE_CONTROL = "private, no-cache, max-age=0"
"""Revalidated on every view: the status changes at midnight and with every sync."""
NOT_FOUND_BODY = json.dumps({"message": "Missing Authentication Token"})
"""API Gateway's 403 for a path it does not know (`api_gateway.refusal`)."""


def page_headers(content_security_policy: str) -> dict[str, str]:
    """What every page answer carries besides its body."""
    return {
        "Content-Security-Policy": content_security_policy,
        "X-Robots-Tag": "noindex, nofollow",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": PAGE_CACHE_CONTROL,
    }


def refused() -> Response[str]:
    return Response(
        status_code=403,
        content_type=content_types.APPLICATION_JSON,
        body=NOT_FOUND_BODY,
        headers={"x-amzn-ErrorType": "ForbiddenException", "Cache-Control": "no-store"},
    )


def page_response(services: Services, presented: str) -> Response[str]:
    """The page when `presented` is the page token, else API Gateway's 403. Before the
    first sync the page says so, as `/health` and the badge do ("no sync yet")."""
    from streakcore.errors import StoreNotFound
    from streakcore.render.page_html import no_sync_page_html, page_html
    from streakcore.usecases.page import served_page_facts

    if not services.page_tokens.matches(presented):
        return refused()
    settings = services.settings
    try:
        facts = served_page_facts(
            services.read_database,
            now=services.now(),
            tz=settings.zone,
            rule=settings.streak_rule,
            units=settings.units,
        )
    except StoreNotFound:
        page = no_sync_page_html()
    else:
        page = page_html(facts)
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=page.html,
        headers=page_headers(page.content_security_policy),
    )
