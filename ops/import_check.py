"""Prove that a built Lambda tree works in a clean interpreter like Lambda's.

Two checks, both run from the unzipped tree alone (`-I -S`, nothing else on sys.path):
the handler imports, and the bundled botocore makes S3 conditional writes (and builds a client
for every AWS service the package keeps) against a local moto server.

The wheels in the zip are built for the Lambda runtime (CPython 3.12, manylinux), so the
checks only mean something in an interpreter of that version and machine: we look for
one and say plainly when there is none.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streakcore.errors import ConfigError, StreakError

PROBE_TIMEOUT_S = 30
IMPORT_TIMEOUT_S = 120
AWS_CHECK_TIMEOUT_S = 120
MOTO_HOST = "127.0.0.1"
# The status S3 (and moto) gives a conditional PutObject whose condition does not hold.
PRECONDITION_FAILED = "PreconditionFailed"
MAX_SERVICES_SHOWN = 3

# argv: module, then the tree to put first on sys.path. `-I -S` below keeps the caller's
# environment, site-packages and working directory out of the check.
IMPORT_PROBE = """\
import importlib, sys, time
sys.path[:0] = [sys.argv[2]]
started = time.perf_counter()
importlib.import_module(sys.argv[1])
print(f"{time.perf_counter() - started:.6f}")
"""

DESCRIBE_PROBE = (
    "import platform, sys; "
    "print(sys.implementation.name, sys.version_info[0], sys.version_info[1], platform.machine())"
)


@dataclass(frozen=True)
class Interpreter:
    path: Path
    implementation: str
    version: tuple[int, int]
    machine: str

    def matches(self, version: tuple[int, int], machine: str) -> bool:
        return (
            self.implementation == "cpython" and self.version == version and self.machine == machine
        )


def describe(python: Path) -> Interpreter | None:
    """What `python` is, or None when it does not run (e.g. a pyenv shim for another version)."""
    try:
        completed = subprocess.run(
            [str(python), "-I", "-c", DESCRIBE_PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = completed.stdout.split()
    if completed.returncode != 0 or len(fields) != 4:
        return None
    name, major, minor, machine = fields
    return Interpreter(python, name, (int(major), int(minor)), machine)


def candidate_paths(version: tuple[int, int]) -> list[Path]:
    """Where a CPython of `version` may live: PATH, pyenv, then uv's managed Pythons."""
    executable = f"python{version[0]}.{version[1]}"
    candidates: list[Path] = []
    on_path = shutil.which(executable)
    if on_path:
        candidates.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.extend(
        sorted(pyenv_root.glob(f"versions/{version[0]}.{version[1]}*/bin/{executable}"))
    )
    uv = shutil.which("uv")
    if uv:
        found = subprocess.run(
            [uv, "python", "find", f"{version[0]}.{version[1]}"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))
    return candidates


def find_interpreter(
    version: tuple[int, int],
    machine: str,
    explicit: Path | None = None,
    candidates: Sequence[Path] | None = None,
) -> Interpreter | None:
    """A working interpreter of `version` on `machine`; an explicit one must match or we fail."""
    if explicit is not None:
        interpreter = describe(explicit)
        if interpreter is None or not interpreter.matches(version, machine):
            raise ConfigError(
                f"{explicit} is not CPython {version[0]}.{version[1]} on {machine}; "
                "the import check needs exactly the Lambda runtime's version and machine"
            )
        return interpreter
    for path in candidate_paths(version) if candidates is None else candidates:
        interpreter = describe(path)
        if interpreter is not None and interpreter.matches(version, machine):
            return interpreter
    return None


def host_machine() -> str:
    return platform.machine()


def import_seconds(interpreter: Path, module: str, tree: Path) -> float:
    """Import `module` from `tree` in a fresh isolated interpreter; the seconds it took."""
    completed = subprocess.run(
        [
            str(interpreter),
            "-I",
            "-S",
            "-B",
            "-c",
            IMPORT_PROBE,
            module,
            str(tree),
        ],
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise StreakError(f"importing {module} from the package failed:\n{last_lines}")
    return float(completed.stdout.strip().splitlines()[-1])


# argv: the tree, then the comma-separated services to build clients for. Facts only: the
# caller judges them, so a wrong answer is reported in full rather than as a traceback.
AWS_PROBE = """\
import json, sys
sys.path[:0] = [sys.argv[1]]
import botocore, botocore.session
from botocore.exceptions import ClientError

def refused(**arguments):
    try:
        s3.put_object(Bucket=bucket, Key="probe", Body=b"later", **arguments)
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None

session = botocore.session.get_session()
for service in sys.argv[2].split(","):
    session.create_client(service)
s3 = session.create_client("s3")
bucket = "streak-package-check"
s3.create_bucket(Bucket=bucket)
first = s3.put_object(Bucket=bucket, Key="probe", Body=b"first", IfNoneMatch="*")["ETag"]
overwrite = refused(IfNoneMatch="*")
s3.put_object(Bucket=bucket, Key="probe", Body=b"second", IfMatch=first)
print(json.dumps({
    "botocore": botocore.__version__,
    "botocore_file": botocore.__file__,
    "services": sorted(session.get_available_services()),
    "if_none_match_refused": overwrite,
    "stale_if_match_refused": refused(IfMatch=first),
}))
"""


@dataclass(frozen=True)
class AwsCheck:
    """What the botocore bundled in the tree did against moto."""

    botocore_version: str
    services: tuple[str, ...]


def probe_environment(endpoint_url: str, home: Path) -> dict[str, str]:
    """Lambda-like AWS settings and nothing from the caller's environment.

    Lambda hands the function its credentials in these variables; dummy ones here, and
    config files that do not exist, so no real profile or key on this machine is read.
    """
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Set by the runtime in every function; the handler tunes its cold start by it.
        "AWS_LAMBDA_FUNCTION_NAME": "streakcore-probe",
        "HOME": str(home),
    }


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free local port, for as long as the block runs; yields its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise StreakError(
            "the AWS check needs moto's server (`nox -s package` installs it); "
            "pass --skip-verify to build unverified"
        ) from None
    # werkzeug logs every request to stderr, which would bury the build report.
    werkzeug_logger = logging.getLogger("werkzeug")
    level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=MOTO_HOST, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug_logger.setLevel(level)


def aws_check(
    interpreter: Path,
    tree: Path,
    services: Sequence[str],
    endpoint_url: str,
    home: Path,
) -> AwsCheck:
    """Use the botocore in `tree` against `endpoint_url`: clients for `services`, S3 conditional
    writes; fail unless it came from the tree, has exactly `services` and honours both
    conditions."""
    home.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [str(interpreter), "-I", "-S", "-B", "-c", AWS_PROBE, str(tree), ",".join(services)],
        capture_output=True,
        text=True,
        timeout=AWS_CHECK_TIMEOUT_S,
        env=probe_environment(endpoint_url, home),
        cwd=home,
        check=False,
    )
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise StreakError(f"the bundled botocore failed against moto:\n{last_lines}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    problems = aws_problems(report, tree, services)
    if problems:
        raise StreakError("the bundled botocore is not fit for the Lambda: " + "; ".join(problems))
    return AwsCheck(report["botocore"], tuple(report["services"]))


def aws_problems(report: Mapping[str, Any], tree: Path, services: Sequence[str]) -> list[str]:
    """What is wrong with the probe's report, in words; empty when nothing is."""
    problems = []
    botocore_file = Path(report["botocore_file"]).resolve()
    if not botocore_file.is_relative_to(tree.resolve()):
        problems.append(f"botocore was imported from {botocore_file}, outside the package")
    available = set(report["services"])
    missing, extra = sorted(set(services) - available), sorted(available - set(services))
    if missing:
        problems.append(f"its botocore has no model for {', '.join(missing)}")
    if extra:
        # Hundreds of names would say only that pruning did not happen; a few say as much.
        shown = ", ".join(extra[:MAX_SERVICES_SHOWN])
        more = ", ..." if len(extra) > MAX_SERVICES_SHOWN else ""
        problems.append(f"its botocore has {len(extra)} models nothing calls ({shown}{more})")
    for condition in ("if_none_match_refused", "stale_if_match_refused"):
        if report[condition] != PRECONDITION_FAILED:
            problems.append(
                f"a PutObject that should fail its condition ({condition}) got "
                f"{report[condition]!r} instead of {PRECONDITION_FAILED}"
            )
    return problems
