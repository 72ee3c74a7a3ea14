"""`streak`: the terminal entry point and its composition root.

Each subcommand lives in `streakcore.entrypoints.cli.commands.<name>` and registers itself
here; this module only parses, dispatches and turns errors into one-line messages.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from streakcore.entrypoints.cli.commands import COMMAND_MODULES, load_command
from streakcore.entrypoints.cli.commands.common import EXIT_FAILED, EXIT_USAGE
from streakcore.errors import (
    ConfigError,
    SmashRunAuthError,
    StoreCorrupt,
    StoreNotFound,
    StoreTooNew,
    StreakError,
)

SETUP_ERRORS: tuple[type[StreakError], ...] = (
    ConfigError,
    StoreNotFound,
    StoreCorrupt,
    StoreTooNew,
    SmashRunAuthError,
)
"""What the runner must fix before trying again (a setting, a file, `streak auth`). Any
other StoreError (another sync got in first, the file is in use) goes away by itself: it
is a failed job, not a setup error."""


class _UsageError(Exception):
    """argparse refused the command line; the message says what was wrong."""


class _OneLineParser(argparse.ArgumentParser):
    """argparse's refusals as the CLI's other errors: one `streak: error:` line and exit 2
    returned by `main` (not a SystemExit), pointing at the help instead of printing the
    usage block above it."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="streak",
        description="Daily running streaks you can trust to the day.",
        epilog="Settings come from STREAK_* environment variables; flags override them.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        load_command(name).register(subparsers)
    return parser


def _version() -> str:
    from streakcore import __version__

    return f"streak {__version__}"


class _WarningLine(logging.Handler):
    """Library warnings (e.g. a health document that could not be written) reach the
    terminal as one `streak: warning:` line each, on whatever stderr is at the time."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.setFormatter(logging.Formatter("streak: warning: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        print(self.format(record), file=sys.stderr)


_WARNINGS = _WarningLine()


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """The terminal's handler on the library's logger while a command runs, and only then:
    in a process that also runs the Lambda's handler (tests, the local gateway), its logs
    (Powertools logs under the service name, `streakcore`) stay its own."""
    logger = logging.getLogger("streakcore")
    added = _WARNINGS not in logger.handlers
    if added:
        logger.addHandler(_WARNINGS)
    try:
        yield
    finally:
        if added:
            logger.removeHandler(_WARNINGS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _warnings_as_lines():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    # A command whose exit code 1 means something else (`check`: at risk) fails with its own.
    failed: int = getattr(args, "failure_exit", EXIT_FAILED)
    try:
        code: int = args.run(args)
    except SETUP_ERRORS as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StreakError as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return failed
    except KeyboardInterrupt:
        print("streak: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception:
        if failed == EXIT_FAILED:
            raise
        # Python would exit 1, which this command reserves for an answer.
        traceback.print_exc()
        return failed
    return code


if __name__ == "__main__":
    sys.exit(main())
