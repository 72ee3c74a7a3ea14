"""The Lambda zip leaves the terminal's libraries out (ops/lambda_contents.py): every
handler route must work without them. Each route and schedule runs here as a cold start in
a new process, against moto and the fake SmashRun, with those libraries made unimportable
as in the zip. (`nox -s package` runs the read routes from the real zip as well.)"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from ops.lambda_contents import CLI_ONLY_DISTRIBUTIONS
from ops.route_check import ALL_ACTIONS, lambda_world, run_probe


def top_level_modules(distribution: str) -> set[str]:
    files = importlib.metadata.distribution(distribution).files or ()
    return {
        str(path).split("/", 1)[0].removesuffix(".py")
        for path in files
        if str(path).endswith(".py") and not str(path).startswith("..")
    }


@pytest.mark.slow
def test_no_handler_route_or_schedule_imports_a_cli_only_distribution(tmp_path: Path) -> None:
    # given the terminal's libraries installed here (the zip leaves them out)
    left_out = set().union(*(top_level_modules(name) for name in CLI_ONLY_DISTRIBUTIONS))
    assert {"rich", "pygments", "markdown_it", "mdurl"} <= left_out

    # when every action of both functions runs as a cold start without them
    empty_tree = tmp_path / "tree"
    empty_tree.mkdir()
    with lambda_world(tmp_path / "world") as world:
        results = [
            run_probe(
                Path(sys.executable),
                empty_tree,
                action,
                world.fresh_environment(),
                flags=("-B",),
                absent=left_out,
            )
            for action in ALL_ACTIONS
        ]

    # then each one did its work (a failure would have raised), none of them loaded
    assert [result.status for result in results] == [None, "ok", "ok", 200, 200, 200, 200]
    assert all("pydantic" in result.top_levels for result in results[1:])
    assert not [result.action for result in results if left_out & set(result.top_levels)]
