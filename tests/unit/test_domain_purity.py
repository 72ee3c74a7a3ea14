"""The domain is a functional core: it imports nothing that does I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import streakcore.domain

DOMAIN = Path(streakcore.domain.__file__).parent
ALLOWED_TOP_LEVEL = {
    "__future__", "collections", "dataclasses", "datetime", "enum", "functools", "itertools",
    "math", "re", "statistics", "typing", "zoneinfo", "xml", "html", "bisect", "calendar",
    "pydantic", "streakcore",
}  # fmt: skip
ALLOWED_STREAKCORE = ("streakcore.domain", "streakcore.errors")


def imports_of(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_domain_modules_import_only_pure_libraries() -> None:
    offenders = [
        f"{path.name}: {name}"
        for path in sorted(DOMAIN.glob("*.py"))
        for name in imports_of(path)
        if name.split(".")[0] not in ALLOWED_TOP_LEVEL
        or (name.startswith("streakcore") and not name.startswith(ALLOWED_STREAKCORE))
    ]
    assert offenders == []


def test_importing_the_domain_loads_no_io_library() -> None:
    probe = (
        "import sys, streakcore.domain.stats, streakcore.domain.days;"
        "print(sorted({'duckdb', 'httpx', 'boto3', 'botocore', 'rich'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
