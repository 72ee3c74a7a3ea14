"""`streak auth`: authorise streakcore with SmashRun (the OAuth code flow) and keep the
tokens in the token store, from where every sync (and its refreshes) reads them."""

from __future__ import annotations

import argparse
import webbrowser
from typing import TYPE_CHECKING

from streakcore.entrypoints.cli.commands.arg_types import seconds
from streakcore.entrypoints.cli.commands.common import Subparsers, load_settings, services_for

if TYPE_CHECKING:
    from streakcore.ports import TokenStore

DEFAULT_TIMEOUT_S = 300.0
MAX_TIMEOUT_S = 3600.0


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "auth",
        help="authorise streakcore with SmashRun (opens your browser)",
        description="Authorise streakcore to read your SmashRun activities. Needs "
        "STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET; SmashRun redirects "
        "back to http://127.0.0.1:$STREAK_SMASHRUN_REDIRECT_PORT/callback (default 8765). "
        "Tokens are kept in $STREAK_TOKEN_FILE (default ~/.config/streakcore/tokens.json, "
        "readable by you only) and refreshed by the syncs; with --secret-id (or "
        "$STREAK_TOKEN_SECRET_ID) they go to AWS Secrets Manager instead.",
    )
    parser.add_argument(
        "--secret-id",
        metavar="ARN_OR_NAME",
        help="save the tokens in this Secrets Manager secret instead of the token file: the "
        "SmashRun OAuth secret Terraform creates empty (terraform output -raw "
        "smashrun_oauth_secret_arn), from which the deployed sync reads and refreshes them. "
        "Set STREAK_TOKEN_SECRET_ID to the same id for terminal syncs: SmashRun rotates the "
        "refresh token, so a copy kept anywhere else stops working after the next refresh. "
        "Needs AWS credentials allowed secretsmanager:PutSecretValue (and the secret's KMS "
        "key); an ARN also gives the region (default: $STREAK_TOKEN_SECRET_ID)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the authorisation URL, do not open it"
    )
    parser.add_argument(
        "--timeout",
        type=seconds(MAX_TIMEOUT_S),
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="how long to wait for SmashRun's redirect, at most an hour "
        f"(default {DEFAULT_TIMEOUT_S:.0f})",
    )
    parser.set_defaults(run=run_auth)


def describe(store: TokenStore) -> str:
    secret_id = getattr(store, "secret_id", None)
    if secret_id is not None:
        return f"Secrets Manager secret {secret_id}"
    path = getattr(store, "path", None)
    return str(path) if path is not None else type(store).__name__


def run_auth(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    services = services_for(settings)
    store = services.token_store

    def show(url: str) -> None:
        print("Open this address to let streakcore read your SmashRun runs:")
        print(f"  {url}", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    services.authorise(show=show, timeout_s=args.timeout)
    print(f"Authorised. Tokens saved to {describe(store)}.")
    if settings.smashrun_access_token is not None:
        print(
            "Note: STREAK_SMASHRUN_ACCESS_TOKEN is set and takes precedence; unset it to "
            "use these tokens."
        )
    return 0
