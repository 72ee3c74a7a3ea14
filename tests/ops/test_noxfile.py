"""The noxfile's contract: the sessions exist, say what they do, and stop on missing tools."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import nox
import nox.registry
import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = {
    "lint",
    "typecheck",
    "tests",
    "iac",
    "package",
    "smoke",
    "deploy",
    "tfcheck",
    "plan",
    "apply",
    "bench",
    "demo",
}


@pytest.fixture(scope="module")
def noxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("streak_noxfile", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Stop(Exception):
    pass


class FakeSession:
    """Records how a session ended; nox's real error/skip also raise."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.ended: tuple[str, str] | None = None

    def error(self, message: str) -> None:
        self.ended = ("error", message)
        raise Stop

    def skip(self, message: str) -> None:
        self.ended = ("skip", message)
        raise Stop


def test_every_session_the_workflows_and_docs_name_exists(noxfile: ModuleType) -> None:
    assert set(nox.registry.get()) >= SESSIONS


def test_every_session_has_a_one_line_docstring(noxfile: ModuleType) -> None:
    for name in SESSIONS:
        doc = (nox.registry.get()[name].__doc__ or "").strip()
        assert doc, f"{name} has no docstring"
        assert "\n" not in doc, f"{name}'s docstring is more than one line"


def test_a_bare_nox_runs_lint_typecheck_and_tests(noxfile: ModuleType) -> None:
    assert nox.options.sessions == ["lint", "typecheck", "tests"]
    assert nox.options.default_venv_backend == "uv|virtualenv"


def test_a_missing_tool_stops_the_session_with_one_line(
    noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a PATH without terraform and no request to skip
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(noxfile.SKIP_MISSING_ENV, raising=False)
    session = FakeSession(["--env", "prod"])

    # when the session checks for it
    with pytest.raises(Stop):
        noxfile.require_tool(session, "terraform")

    # then it errors, naming the tool and the way to skip
    assert session.ended is not None
    kind, message = session.ended
    assert kind == "error"
    assert "`terraform` is not on PATH" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("posargs", "env"),
    [(["--skip-missing", "--env", "prod"], None), (["--env", "prod"], "1")],
)
def test_a_missing_tool_skips_when_asked(
    noxfile: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    posargs: list[str],
    env: str | None,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    if env is None:
        monkeypatch.delenv(noxfile.SKIP_MISSING_ENV, raising=False)
    else:
        monkeypatch.setenv(noxfile.SKIP_MISSING_ENV, env)
    session = FakeSession(posargs)

    with pytest.raises(Stop):
        noxfile.require_tool(session, "terraform")

    assert session.ended is not None
    assert session.ended[0] == "skip"


def test_a_present_tool_passes_the_arguments_on_without_the_skip_flag(
    noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a terraform on PATH
    tool = tmp_path / "terraform"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    session = FakeSession(["--skip-missing", "--env", "prod"])

    # when checked, then the session goes on with its own arguments
    assert noxfile.require_tool(session, "terraform") == ["--env", "prod"]
    assert session.ended is None


def test_tool_versions_come_from_pyproject_dev_extra(noxfile: ModuleType) -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][
        "dev"
    ]

    assert noxfile.dev_requirement("python-terraform") in dev
    assert noxfile.dev_requirement("ruff") in dev
    with pytest.raises(LookupError):
        noxfile.dev_requirement("not-a-dependency")
