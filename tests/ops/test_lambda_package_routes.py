"""Routes run as cold starts from a package, against moto and the fake SmashRun.

The Lambda zip leaves the terminal's libraries and boto3 out (ops/lambda_contents.py): every
handler route must work without them. And the packager's route check (ops/route_check.py), which
`nox -s package` runs on the real zip, must fail when a route does not answer or reaches
for what the zip left out."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from ops.lambda_contents import CLI_ONLY_DISTRIBUTIONS, NOT_IMPORTED_DISTRIBUTIONS
from ops.route_check import ALL_ACTIONS, check_routes, lambda_world, run_probe
from streakcore.errors import StreakError


def top_level_modules(distribution: str) -> set[str]:
    files = importlib.metadata.distribution(distribution).files or ()
    return {
        str(path).split("/", 1)[0].removesuffix(".py")
        for path in files
        if str(path).endswith(".py") and not str(path).startswith("..")
    }


@pytest.mark.slow
def test_no_handler_route_or_schedule_imports_a_distribution_the_zip_leaves_out(
    tmp_path: Path,
) -> None:
    # given the terminal's libraries and boto3 installed here (the zip leaves them out)
    whole = [*CLI_ONLY_DISTRIBUTIONS, *NOT_IMPORTED_DISTRIBUTIONS]
    left_out = set().union(*(top_level_modules(name) for name in whole))
    assert {"rich", "pygments", "markdown_it", "mdurl", "boto3", "s3transfer"} <= left_out

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


def tiny_tree(root: Path, handler: str) -> Path:
    """An unpacked "package" whose handler is `handler` (its lambda_handler's body)."""
    package = root / "streak_lambda"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(
        "def lambda_handler(event, context):\n" + "".join(f"    {line}\n" for line in handler)
    )
    return root


@pytest.mark.slow
def test_the_route_check_fails_when_a_route_from_the_package_does_not_answer_200(
    tmp_path: Path,
) -> None:
    # given a package whose handler answers every request with a 500
    tree = tiny_tree(tmp_path / "tree", ['return {"statusCode": 500, "body": "{}"}'])

    # when its routes are checked, then the failing route is named
    with pytest.raises(StreakError, match=r"GET /stats from the package answered 500"):
        check_routes(Path(sys.executable), tree, tmp_path / "check", left_out_modules=["rich"])


@pytest.mark.slow
def test_the_route_check_fails_when_a_route_tries_to_import_what_the_package_left_out(
    tmp_path: Path,
) -> None:
    # given a handler that works, but reaches for rich when it is there
    handler = [
        "try:",
        "    import rich.console",
        "except ImportError:",
        "    pass",
        'return {"statusCode": 200, "body": "{}"}',
    ]
    tree = tiny_tree(tmp_path / "tree", handler)

    # when its routes are checked with rich left out, then the attempt is named
    with pytest.raises(StreakError, match=r"tried to import what the package leaves out: rich"):
        check_routes(Path(sys.executable), tree, tmp_path / "check", left_out_modules=["rich"])
