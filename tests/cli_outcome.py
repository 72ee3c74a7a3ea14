"""Running `streak` in-process and keeping what a runner would see: the exit code and the
text on stdout and stderr (argparse's refusals exit through SystemExit, as they do from a
shell)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from streakcore.entrypoints.cli.main import main


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def is_one_line_refusal(self) -> bool:
        """Exit 2 with exactly one line on stderr, the CLI's own error line."""
        return (
            self.code == 2
            and len(self.err_lines) == 1
            and self.err_lines[0].startswith("streak: error: ")
        )


class Terminal(io.StringIO):
    """Where a command writes when a person runs it: a terminal."""

    def isatty(self) -> bool:
        return True


def streak(argv: Sequence[str]) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Outcome(code, out.getvalue(), err.getvalue())
