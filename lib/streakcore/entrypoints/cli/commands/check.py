"""`streak check`: the evening check, for a human at 20:00 or for cron.

It syncs first (runs from this morning may not be in the database yet), then says whether
today already counts. Exit code 1 means "at risk: run before midnight" (2: bad setup,
3: the check itself failed), so a crontab line like
`0 20 * * * streak check; [ $? -eq 1 ] && notify-send "run before midnight"` alerts only
when it matters; `--notify URL` pushes the alert itself through apprise, once a day.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from pydantic import SecretStr

from streakcore.domain.streaks import StreakStatus
from streakcore.entrypoints.cli.commands.common import (
    EXIT_USAGE,
    Subparsers,
    add_as_of_arg,
    add_db_arg,
    add_json_arg,
    add_rule_args,
    add_tz_arg,
    add_units_arg,
    load_settings,
    parse_as_of,
    services_for,
)
from streakcore.errors import ConfigError, StoreCorrupt, StoreTooNew, StreakError

if TYPE_CHECKING:
    from streakcore.bootstrap import Services
    from streakcore.usecases.alert import Send
    from streakcore.usecases.check import EveningReading

EXIT_SAFE = 0
"""Today counts, or there is no streak to lose."""
EXIT_AT_RISK = 1
EXIT_CHECK_FAILED = 3
"""The check could not be made; distinct from 1 so that cron does not cry wolf."""


def register(subparsers: Subparsers) -> None:
    check = subparsers.add_parser(
        "check",
        help="the evening check: does today count yet? (exit 1 when the streak is at risk)",
        description="Sync incrementally, then say whether today already counts and, if not, "
        "how far short you are and how much time is left before midnight in your home zone. "
        "A failed sync only warns: the stored runs are checked. "
        f"Exit codes: {EXIT_SAFE} safe (or nothing at stake), {EXIT_AT_RISK} at risk, "
        f"{EXIT_USAGE} bad usage or setup (flags, settings, no database, an unreadable or newer "
        f"one), {EXIT_CHECK_FAILED} the check itself failed (e.g. the database could not be "
        "read).",
    )
    check.add_argument(
        "--no-sync", action="store_true", help="check the runs already stored, without syncing"
    )
    check.add_argument(
        "--notify",
        metavar="URL",
        help="when at risk, push the message to this apprise URL (ntfy://topic, pover://..., "
        "tgram://..., mailto://...), at most once a day; needs the notify extra "
        "(default: $STREAK_NOTIFY_URL, which keeps a token out of the process list)",
    )
    add_db_arg(check)
    add_json_arg(check, instead_of="the message")
    add_as_of_arg(check)
    add_tz_arg(check)
    add_rule_args(check)
    add_units_arg(check)
    check.set_defaults(run=run_check, failure_exit=EXIT_CHECK_FAILED)


def run_check(args: argparse.Namespace) -> int:
    from streakcore.entrypoints.cli.commands.sync import run_incremental

    settings = load_settings(args)
    now = parse_as_of(args.as_of, settings.timezone)
    send = _sender(args.notify, settings.notify_url)
    sync_failed = False
    if not args.no_sync:
        try:
            print(run_incremental(settings), file=sys.stderr)
        except (ConfigError, StoreCorrupt, StoreTooNew):
            # The stored runs cannot be read either: one line, not a warning and an error.
            raise
        except Exception as exc:
            # Any sync trouble, even a bug, must not cost the runner the check: missing
            # the alert is worse than checking slightly stale data. Say so and go on.
            print(
                f"streak: warning: sync failed ({exc}); checking the runs already stored",
                file=sys.stderr,
            )
            sync_failed = True
    services = services_for(settings)
    reading = services.evening_check(now)
    result = reading.check
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print_message(result.message, result.status, sys.stdout)
    if send is not None and not _pushed(services, reading, send, sync_failed=sync_failed):
        return EXIT_CHECK_FAILED
    return EXIT_AT_RISK if result.at_risk else EXIT_SAFE


def _sender(flag: str | None, setting: SecretStr | None) -> Send | None:
    """The push for `--notify` or STREAK_NOTIFY_URL, checked before anything else runs."""
    from streakcore.entrypoints.cli.commands.push import apprise_sender

    if flag:
        return apprise_sender(flag, name="--notify")
    if setting is not None:
        return apprise_sender(setting.get_secret_value(), name="STREAK_NOTIFY_URL")
    return None


def _pushed(services: Services, reading: EveningReading, send: Send, *, sync_failed: bool) -> bool:
    """Push the at-risk alert (once a day); False, with one line saying so, when it failed."""
    from streakcore.usecases.alert import alert_message, alert_once_a_day

    check = reading.check
    message = alert_message(check, sync_failed=sync_failed, runs_as_of=reading.runs_as_of)
    try:
        sent = alert_once_a_day(services.blobs, services.location.key, check, message, send)
    except StreakError as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return False
    if sent:
        print("streak: at-risk alert sent", file=sys.stderr)
    elif check.at_risk:
        print("streak: at-risk alert already sent today", file=sys.stderr)
    return True


STATUS_STYLES = {
    StreakStatus.DONE_TODAY: "bold green",
    StreakStatus.AT_RISK: "bold yellow",
    StreakStatus.BROKEN: "bold red",
}


def print_message(message: str, status: StreakStatus, stream: TextIO) -> None:
    """The check's message for a person: on a terminal, wrapped between words to its width,
    its verdict ("At risk:", "Safe:") coloured (NO_COLOR turns colour off); into a pipe or
    a file (cron, notify-send), the plain paragraph on one line."""
    if not stream.isatty():
        print(message, file=stream)
        return
    from rich.console import Console
    from rich.text import Text

    verdict, colon, rest = message.partition(": ")
    text = Text(verdict + colon, style=STATUS_STYLES[status]) if colon else Text()
    text.append(rest if colon else message)
    Console(file=stream, highlight=False, soft_wrap=False).print(text)
