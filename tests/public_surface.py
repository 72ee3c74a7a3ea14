"""What users and other programs see of streakcore, as text: the fixtures in
`tests/fixtures/public_surface/` hold it as it was, and `test_public_surface` compares.

    STREAK_UPDATE_SURFACE=1 pytest tests/functional/test_public_surface.py

rewrites the fixtures; a change to them is a change to the public surface, committed on its
own with the reason.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "public_surface"
COLUMNS = "100"
"""argparse wraps help text at the terminal's width: one width, the same text everywhere."""
UPDATE_ENV = "STREAK_UPDATE_SURFACE"


@contextlib.contextmanager
def fixed_width() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in ("COLUMNS", "LINES")}
    os.environ["COLUMNS"] = COLUMNS
    os.environ["LINES"] = "50"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def printed(main: Callable[[Sequence[str]], int], prog: str, argv: Sequence[str]) -> str:
    """What `main(argv)` (the command `prog`) prints on stdout and stderr, and how it exits."""
    out, err = io.StringIO(), io.StringIO()
    with fixed_width(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: object = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return f"$ {' '.join([prog, *argv])}\n{out.getvalue()}{err.getvalue()}[exit {code}]\n"


def streak_help() -> str:
    from streakcore.entrypoints.cli.main import build_parser, main

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    commands: list[str] = list(subparsers.choices)  # type: ignore[union-attr]
    texts = [printed(main, "streak", ["--help"]), printed(main, "streak", ["--version"])]
    texts += [printed(main, "streak", [name, "--help"]) for name in commands]
    return "\n".join(texts)


def streak_api_help() -> str:
    from streak_lambda.local_gateway import main

    api = "streak-api"
    return "\n".join([printed(main, api, ["--help"]), printed(main, api, ["serve", "--help"])])


def openapi_document() -> str:
    document = yaml.safe_load((ROOT / "lambda" / "openapi.yaml").read_text())
    return json.dumps(document, indent=1, sort_keys=True, default=str) + "\n"


def nox_sessions() -> str:
    import nox.registry

    from noxfile_loader import load_noxfile

    load_noxfile()
    names = sorted(nox.registry.get())
    docs = [f"{name}: {(nox.registry.get()[name].__doc__ or '').strip()}" for name in names]
    return "\n".join(docs) + "\n"


def library_surface() -> str:
    import streakcore

    lines = [
        f"streakcore.__all__ = {sorted(streakcore.__all__)}",
        f"streakcore.open{inspect.signature(streakcore.open)}",
        f"streakcore.__version__ = {streakcore.__version__}",
    ]
    return "\n".join(lines) + "\n"


def console_scripts() -> str:
    """Each console script run as a user runs it: the installed command, a new process."""
    bin_dir = Path(sys.executable).parent
    lines: list[str] = []
    for argv in (["streak", "--version"], ["streak"], ["streak-api"]):
        ran = subprocess.run(
            [str(bin_dir / argv[0]), *argv[1:]],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": COLUMNS},
            check=False,
        )
        lines.append(f"$ {' '.join(argv)}\n{ran.stdout}{ran.stderr}[exit {ran.returncode}]\n")
    return "\n".join(lines)


def shape(value: Any) -> Any:
    """A JSON value's shape: objects keep their keys, everything else becomes its type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def json_shapes(tmp: Path) -> str:
    """The JSON a sync prints and answers, and `streak stats --json`, as shapes: one real
    sync of a small athlete from the fake SmashRun, by the terminal and by the Lambda."""
    from pydantic import SecretStr

    from streak_lambda.composition import install_container
    from streak_lambda.handler import lambda_handler
    from streak_lambda.proxy_event import LocalLambdaContext
    from streakcore.bootstrap import Services
    from streakcore.entrypoints.cli.main import main
    from streakcore.settings import Settings
    from streakcore.testing import FakeSmashRun, recent_athlete

    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    shapes: dict[str, Any] = {}
    saved = dict(os.environ)
    try:
        with FakeSmashRun(recent_athlete(now), clock=lambda: now) as fake:
            os.environ.update(
                STREAK_TIMEZONE="America/New_York",
                STREAK_SMASHRUN_BASE_URL=fake.base_url,
                STREAK_SMASHRUN_ACCESS_TOKEN=fake.access_token,
                STREAK_REQUESTS_PER_HOUR="100000",
                STREAK_TOKEN_FILE=str(tmp / "tokens.json"),
                STREAK_CACHE_DIR=str(tmp / "cache"),
            )
            db = str(tmp / "cli" / "runs.duckdb")
            for name, argv in (
                ("streak sync --json", ["sync", "--db", db, "--json"]),
                (
                    "streak stats --json",
                    ["stats", "--db", db, "--json", "--as-of", now.isoformat()],
                ),
            ):
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    assert main(argv) == 0, name
                shapes[name] = shape(json.loads(out.getvalue()))
            settings = Settings(
                db=str(tmp / "lambda" / "runs.duckdb"),
                cache_dir=tmp / "lambda-cache",
                smashrun_base_url=fake.base_url,
                smashrun_access_token=SecretStr(fake.access_token),
            )
            install_container(Services(settings, clock=lambda: now))
            try:
                sync_event = json.loads(
                    (
                        ROOT / "tests" / "fixtures" / "events" / "apigw_rest_post_sync.json"
                    ).read_text()
                )
                sync_event["requestContext"]["identity"]["apiKey"] = "k"
                answer = lambda_handler(sync_event, LocalLambdaContext())
                shapes["POST /sync"] = {
                    "statusCode": answer["statusCode"],
                    "body": shape(json.loads(answer["body"])),
                }
                scheduled = lambda_handler({"streak_action": "sync"}, LocalLambdaContext())
                shapes["schedule sync"] = shape(scheduled)
            finally:
                install_container(None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return json.dumps(shapes, indent=1, sort_keys=True) + "\n"


def surface(tmp: Path) -> dict[str, str]:
    """Every fixture's name and its text as the code stands."""
    return {
        "streak_help.txt": streak_help(),
        "streak_api_help.txt": streak_api_help(),
        "openapi.json": openapi_document(),
        "nox_sessions.txt": nox_sessions(),
        "library.txt": library_surface(),
        "console_scripts.txt": console_scripts(),
        "json_shapes.json": json_shapes(tmp),
    }


if __name__ == "__main__":  # pragma: no cover - a convenience for looking at it
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        for name, text in surface(Path(scratch)).items():
            print(f"== {name}\n{text}")
    print(datetime.now(UTC))
