"""`streak page`: the streak page as one static HTML file; `streak page-link`: its share link.

The file is the page `GET /p/{token}` serves (`render.page_html`), drawn from the database
at hand; the link is where `streak-api serve` or the deployed API serves it, under the page
token (`storage.page_token`), which `--rotate` replaces so that the old link stops working.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_db_arg,
    add_history_args,
    add_units_arg,
    load_settings,
    open_read_store,
    parse_as_of,
    services_for,
)
from streakcore.entrypoints.cli.commands.output import add_output_arg, write_output
from streakcore.errors import ConfigError, echo

DEFAULT_FILE = "streak.html"
DEFAULT_BASE_URL = "http://127.0.0.1:8787"
"""Where `streak-api serve` listens by default."""


def register(subparsers: Subparsers) -> None:
    page = subparsers.add_parser(
        "page",
        help="the streak page (status, streak, heatmap, records) as one HTML file",
        description="Write the page GET /p/{token} serves as a static HTML file: today's "
        "status, the current streak and its next milestone, the last 12 months, records and "
        "the last sync. No scripts, no external requests, light and dark.",
    )
    add_output_arg(page, "HTML", default=DEFAULT_FILE, otherwise=DEFAULT_FILE)
    add_history_args(page)
    add_units_arg(page)
    page.set_defaults(run=run_page)

    link = subparsers.add_parser(
        "page-link",
        help="print the page's share link (--rotate: a new one; the old stops working)",
        description="Print the link to the streak page: BASE/p/TOKEN. The token is "
        "STREAK_PAGE_TOKEN, else the secret STREAK_PAGE_TOKEN_SECRET_ID (or --secret-id) "
        "names, else a file beside a local database (created on first use, mode 0600). "
        "Anyone with the link sees the page: share it like a password.",
    )
    link.add_argument(
        "--base-url",
        metavar="URL",
        default=DEFAULT_BASE_URL,
        help="where the API is served: `terraform output api_url` in AWS "
        f"(default: {DEFAULT_BASE_URL}, streak-api serve)",
    )
    link.add_argument(
        "--rotate",
        action="store_true",
        help="replace the token first: the old link stops working (within a minute in AWS)",
    )
    link.add_argument(
        "--secret-id",
        metavar="ARN",
        dest="page_secret_id",
        help="the Secrets Manager secret holding the token (default: $STREAK_PAGE_TOKEN_SECRET_ID)",
    )
    add_db_arg(link)
    link.set_defaults(run=run_page_link)


def run_page(args: argparse.Namespace) -> int:
    from streakcore.render.page_html import page_html
    from streakcore.usecases.page import stored_page_facts

    settings = load_settings(args)
    as_of = parse_as_of(args.as_of, settings.timezone)
    with open_read_store(settings) as store:
        facts = stored_page_facts(
            store, as_of=as_of, tz=settings.zone, rule=settings.streak_rule, units=settings.units
        )
    write_output(page_html(facts).html, args.output, db=settings.db)
    return 0


def run_page_link(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    if args.page_secret_id:
        settings = settings.model_copy(update={"page_token_secret_id": args.page_secret_id})
    base = _base_url(args.base_url)
    tokens = services_for(settings).page_tokens
    token = tokens.rotate() if args.rotate else tokens.current()
    print(f"{base}/p/{token.get_secret_value()}")
    return 0


def _base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
        raise ConfigError(
            f"--base-url {echo(text)} is not an http(s) URL: give the API's address, e.g. "
            f"{DEFAULT_BASE_URL} or `terraform output -raw api_url`"
        )
    return text.rstrip("/")
