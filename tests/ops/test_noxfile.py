"""The noxfile's contract: the sessions exist, say what they do, and stop on missing tools."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import ModuleType

import nox
import nox.registry
import pytest
from packaging.requirements import Requirement

from noxfile_loader import load_noxfile
from ops.package import LAMBDA_PYTHON

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = {
    "lint",
    "typecheck",
    "tests",
    "tests-lowest",
    "tests-3.12",
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
    return load_noxfile()


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


def _user_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    users = ("aws", "notebook", "notify")
    return [
        Requirement(r) for r in (*project["dependencies"], *(r for e in users for r in extras[e]))
    ]


def test_the_lowest_session_pins_everything_a_user_installs_at_its_floor(
    noxfile: ModuleType,
) -> None:
    # given pyproject's core requirements and the extras users install
    requirements = _user_requirements()
    # when the lowest-versions session builds its constraints
    pins = dict(pin.split("==") for pin in noxfile.lowest_versions())
    # then each requirement is pinned at the version its `>=` names, and nothing else is
    assert set(pins) == {r.name for r in requirements}
    for requirement in requirements:
        floor = next(s.version for s in requirement.specifier if s.operator == ">=")
        assert pins[requirement.name] == floor
    assert {"duckdb", "pydantic", "pydantic-settings", "httpx", "boto3"} <= set(pins)


def test_a_requirement_without_a_floor_stops_the_lowest_session(
    noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = {
        "dependencies": ["duckdb>=1.3", "httpx"],
        "optional-dependencies": {"aws": [], "notebook": [], "notify": []},
    }
    monkeypatch.setattr(noxfile, "_project", lambda: project)
    with pytest.raises(LookupError, match=r"'httpx' in pyproject\.toml needs one lower bound"):
        noxfile.lowest_versions()


def test_the_lowest_session_runs_on_the_oldest_python_pyproject_allows(
    noxfile: ModuleType,
) -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={noxfile.lowest_python()}"


def test_the_lambda_python_session_uses_the_runtime_the_package_is_built_for(
    noxfile: ModuleType,
) -> None:
    major, minor = LAMBDA_PYTHON
    assert f"{major}.{minor}" == noxfile.LAMBDA_PYTHON
    runtimes = set(
        re.findall(r'runtime\s*=\s*"python([\d.]+)"', (ROOT / "terraform/lambda.tf").read_text())
    )
    assert runtimes == {noxfile.LAMBDA_PYTHON}


def _fake_python(path: Path, prints: str, code: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{prints}'\nexit {code}\n")
    path.chmod(0o755)
    return path


def test_find_python_passes_over_a_refusing_shim_to_pyenvs_interpreter(
    noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a pyenv shim on PATH that refuses 3.12, and pyenv's own 3.12 beside it
    _fake_python(tmp_path / "shims/python3.12", "pyenv: python3.12: command not found", 127)
    real = _fake_python(
        tmp_path / "pyenv/versions/3.12.1/bin/python3.12", "3.12 /opt/python/3.12.1/bin/python3.12"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "shims"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    # when nox is given an interpreter for 3.12, then it is the one that runs
    assert real.exists()
    assert noxfile.find_python("3.12") == "/opt/python/3.12.1/bin/python3.12"


def test_find_python_leaves_a_missing_version_for_nox_to_report(
    noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_python(tmp_path / "pyenv/versions/3.13.0/bin/python3.13", "3.13 /x/python3.13")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert noxfile.find_python("3.12") == "3.12"


class InstallRecorder:
    """A session that notes what it is asked to install and runs nothing."""

    def __init__(self) -> None:
        self.posargs: list[str] = []
        self.installed: list[str] = []

    def install(self, *packages: str, **_: object) -> None:
        self.installed.extend(packages)

    def run(self, *_: object, **__: object) -> None:
        pass


@pytest.mark.parametrize("name", ["package", "bench"])
def test_the_sessions_that_build_the_lambda_zip_install_pip_for_its_wheels(
    noxfile: ModuleType, name: str
) -> None:
    # uv's venvs hold no pip, and ops.package downloads the runtime's wheels with it
    session = InstallRecorder()
    nox.registry.get()[name](session)
    assert "pip" in session.installed
