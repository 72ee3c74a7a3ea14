"""The public surface stays what it was: every `streak` and `streak-api` help text, the
OpenAPI document, the nox sessions, `streakcore.open`, the console scripts and the JSON a
sync and `streak stats --json` give. A refactor passes this unchanged; a deliberate change
rewrites the fixtures (`STREAK_UPDATE_SURFACE=1`) in a commit of its own."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from public_surface import FIXTURES, UPDATE_ENV, surface

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def test_the_public_surface_is_what_the_fixtures_hold(tmp_path: Path) -> None:
    # Given the surface as the code gives it now
    current = surface(tmp_path)
    if os.environ.get(UPDATE_ENV) == "1":
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for name, text in current.items():
            (FIXTURES / name).write_text(text, encoding="utf-8")
    # When it is compared with the fixtures, Then nothing differs
    differences = []
    for name, text in current.items():
        fixture = FIXTURES / name
        kept = fixture.read_text(encoding="utf-8") if fixture.exists() else ""
        if kept != text:
            diff = difflib.unified_diff(
                kept.splitlines(), text.splitlines(), f"fixture {name}", f"now {name}", lineterm=""
            )
            differences.append("\n".join(diff))
    assert not differences, "\n\n".join(differences)
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(current)
