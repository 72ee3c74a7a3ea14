"""`streak auth`: authorise streakcore with SmashRun (the OAuth code flow) and keep the
tokens in the token store, from where every sync (and its refreshes) reads them."""

from __future__ import annotations

import argparse
import webbrowser
from typing import TYPE_CHECKING

from streakcore.commands.common import Subparsers, load_settings
from streakcore.settings import Settings

if TYPE_CHECKING:
    from streakcore.ports import TokenStore

DEFAULT_TIMEOUT_S = 300.0


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "auth",
        help="authorise streakcore with SmashRun (opens your browser)",
        description="Authorise streakcore to read your SmashRun activities. Needs "
        "STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET; SmashRun redirects "
        "back to http://127.0.0.1:$STREAK_SMASHRUN_REDIRECT_PORT/callback (default 8765). "
        "Tokens are kept in $STREAK_TOKEN_FILE (default ~/.config/streakcore/tokens.json, "
        "readable by you only) and refreshed by the syncs.",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the authorisation URL, do not open it"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long to wait for SmashRun's redirect (default {DEFAULT_TIMEOUT_S:.0f})",
    )
    parser.set_defaults(run=run_auth)


def token_store_for(settings: Settings) -> TokenStore:
    """Where the terminal keeps tokens: the one place that choice is made."""
    from streakcore.storage.token_file import FileTokenStore

    return FileTokenStore(settings.token_file)


def describe(store: TokenStore) -> str:
    path = getattr(store, "path", None)
    return str(path) if path is not None else type(store).__name__


def run_auth(args: argparse.Namespace) -> int:
    from streakcore.smashrun.oauth import run_code_flow

    settings = load_settings(args)
    store = token_store_for(settings)

    def show(url: str) -> None:
        print("Open this address to let streakcore read your SmashRun runs:")
        print(f"  {url}", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    tokens = run_code_flow(settings, show=show, timeout_s=args.timeout)
    store.save(tokens)
    print(f"Authorised. Tokens saved to {describe(store)}.")
    if settings.smashrun_access_token is not None:
        print(
            "Note: STREAK_SMASHRUN_ACCESS_TOKEN is set and takes precedence; unset it to "
            "use these tokens."
        )
    return 0
