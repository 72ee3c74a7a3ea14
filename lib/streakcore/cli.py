"""`streak`: the terminal entry point and its composition root.

Each subcommand lives in `streakcore.commands.<name>` and registers itself here; this
module only parses, dispatches and turns errors into one-line messages.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from streakcore.commands import COMMAND_MODULES, load_command
from streakcore.errors import ConfigError, StoreError, StreakError

# Exit codes: 0 fine, 1 the job failed (or, for `check`, the streak is at risk),
# 2 the invocation or the environment needs fixing (argparse uses 2 for bad flags too).
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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


def _report_warnings() -> None:
    logger = logging.getLogger("streakcore")
    if _WARNINGS not in logger.handlers:
        logger.addHandler(_WARNINGS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _report_warnings()
    try:
        code: int = args.run(args)
    except (ConfigError, StoreError) as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StreakError as exc:
        print(f"streak: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("streak: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
