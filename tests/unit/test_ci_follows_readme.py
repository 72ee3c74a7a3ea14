"""CI runs what the README tells a person to run, and the README lists every nox session."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import nox.registry
import pytest

from noxfile_loader import load_noxfile
from readme import Block, readme_blocks

ROOT = Path(__file__).resolve().parents[2]
CI_SCRIPT = ROOT / ".ci" / "run"


def ci_lines() -> list[str]:
    """The commands .ci/run runs at its top level, comments and blank lines left out."""
    return [
        line.strip()
        for line in CI_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.fixture(scope="module")
def first_block() -> Block:
    return readme_blocks()[0]


@pytest.fixture(scope="module")
def sessions() -> set[str]:
    load_noxfile()
    return set(nox.registry.get())


def test_the_readme_opens_with_the_quick_start_and_the_test_command(first_block: Block) -> None:
    assert first_block.lang in {"bash", "sh", "shell"}
    assert len(first_block.lines) == 2
    assert first_block.lines[0].endswith("streak demo")
    assert "pytest" in first_block.lines[1]


def test_ci_runs_every_command_of_the_readmes_first_block_as_written(first_block: Block) -> None:
    # given the commands a reader copies from the top of the README
    commands = first_block.lines
    # when CI's script is read, then it runs each of them, word for word, in that order
    lines = ci_lines()
    positions = [lines.index(command) for command in commands if command in lines]
    assert len(positions) == len(commands), f"not in .ci/run: {set(commands) - set(lines)}"
    assert positions == sorted(positions)


def test_ci_runs_the_suite_at_the_lowest_versions_and_on_the_lambda_python(
    sessions: set[str],
) -> None:
    nox_runs = [shlex.split(line) for line in ci_lines() if re.match(r"(\S*/)?nox\s", line)]
    named = {word for words in nox_runs for word in words[words.index("-s") + 1 :]}
    assert {"tests-lowest", "tests-3.12"} <= named
    assert named <= sessions


def test_ci_makes_a_missing_browser_fail_the_browser_test() -> None:
    assert "export STREAK_REQUIRE_BROWSER=1" in ci_lines()


def test_the_readme_development_table_names_every_nox_session(sessions: set[str]) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    development = text.split("## Development", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in development.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([\w.-]+)`", row.split("|")[1])}
    assert listed == sessions
