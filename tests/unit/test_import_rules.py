"""The layers' import rules, as the README's layout map states them, checked over every
module of lib/ and lambda/ by walking their imports (function-level ones too: a lazy import
is still a dependency).

A rule broken on purpose needs its exception listed in EXCEPTIONS with the reason.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "streakcore": ROOT / "lib" / "streakcore",
    "streak_lambda": ROOT / "lambda" / "streak_lambda",
}

ADAPTERS = ("smashrun", "storage", "importers")
IO_LIBRARIES = frozenset({"duckdb", "httpx", "boto3", "botocore", "rich", "aws_lambda_powertools"})

# Layer -> the layers of ours it may import (its own always allowed).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "root": frozenset({"entrypoints"}),
    "errors": frozenset(),
    "clock": frozenset(),
    "domain": frozenset({"errors"}),
    "ports": frozenset({"domain", "errors"}),
    "settings": frozenset({"domain", "errors"}),
    "usecases": frozenset({"domain", "ports", "errors", "clock"}),
    "smashrun": frozenset({"root", "domain", "ports", "errors", "settings", "clock"}),
    "storage": frozenset({"domain", "ports", "errors", "settings", "clock"}),
    "importers": frozenset({"domain", "ports", "errors", "settings", "clock"}),
    "render": frozenset({"domain", "errors"}),
    "bootstrap": frozenset(
        {"domain", "ports", "errors", "clock", "settings", "usecases", "render", *ADAPTERS}
    ),
    "entrypoints": frozenset(
        {
            "root",
            "bootstrap",
            "usecases",
            "render",
            "domain",
            "ports",
            "errors",
            "clock",
            "settings",
        }
    ),
    "lambda": frozenset(
        {"bootstrap", "usecases", "render", "domain", "ports", "errors", "clock", "settings"}
    ),
    "testing": frozenset(
        {"root", "domain", "ports", "errors", "clock", "settings", "usecases", "render", *ADAPTERS}
    ),
}
# Layers that may not import these third-party libraries (adapters and shells may).
NO_IO = frozenset({"domain", "ports", "usecases", "render", "errors", "clock", "settings"})

EXCEPTIONS: dict[tuple[str, str], str] = {
    # (importing module, imported module prefix): why
    ("streakcore.entrypoints.notebook", "streakcore.storage.duckdb"): (
        "the notebook view hands out DuckDB relations: it is DuckDB's own view"
    ),
    ("streakcore.entrypoints.cli.commands.stats", "streakcore.storage.duckdb"): (
        "`streak streaks` prints the notebook view's DuckDB query"
    ),
    ("streakcore.entrypoints.cli.commands.demo", "streakcore.testing"): (
        "the demo syncs from the fake SmashRun that ships in streakcore.testing"
    ),
    ("streak_lambda.local_gateway", "streakcore.testing"): (
        "a fresh machine's gateway syncs the demo athlete from the fake SmashRun"
    ),
    ("streak_lambda.local_gateway", "streakcore.entrypoints.cli.commands.arg_types"): (
        "`streak-api` reads its port as `streak` reads numbers"
    ),
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "streak_lambda":
        return "lambda"
    if len(parts) == 1:
        return "root"
    return parts[1]


@dataclass(frozen=True, slots=True)
class Violation:
    module: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}"


def module_name(path: Path, package: str, root: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = [package, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            name = node.module if node.level == 0 else f"{package}.{node.module}"
            found.append((name, node.lineno))
            # `from streakcore import x` may import the submodule x
            if name in PACKAGES:
                found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return found


def violations_in(source: str, module: str) -> list[Violation]:
    layer = layer_of(module)
    found: list[Violation] = []
    for imported, line in imports_of(source, module):
        top = imported.split(".")[0]
        if top in PACKAGES:
            target = layer_of(imported)
            if imported.startswith("streakcore.") and imported.split(".")[1:2] == ["__version__"]:
                target = "root"
            allowed = target == layer or target in MAY_IMPORT[layer]
            excused = any(
                module == who and (imported == what or imported.startswith(what + "."))
                for who, what in EXCEPTIONS
            )
            if not allowed and not excused:
                found.append(Violation(module, imported, line))
        elif layer in NO_IO and top in IO_LIBRARIES:
            found.append(Violation(module, imported, line))
    return found


def all_modules() -> list[tuple[str, Path]]:
    return [
        (module_name(path, package, root), path)
        for package, root in PACKAGES.items()
        for path in sorted(root.rglob("*.py"))
    ]


def test_every_module_keeps_to_the_import_rules_of_its_layer() -> None:
    found = [
        str(v)
        for module, path in all_modules()
        for v in violations_in(path.read_text(encoding="utf-8"), module)
    ]
    assert found == []


def test_every_module_is_in_a_known_layer() -> None:
    unknown = sorted({layer_of(m) for m, _ in all_modules()} - set(MAY_IMPORT))
    assert unknown == []


def test_every_exception_is_still_needed() -> None:
    sources = {module: path.read_text(encoding="utf-8") for module, path in all_modules()}
    unused = [
        (who, what)
        for who, what in EXCEPTIONS
        if not any(
            imported == what or imported.startswith(what + ".")
            for imported, _ in imports_of(sources.get(who, ""), who)
        )
    ]
    assert unused == []


@pytest.mark.parametrize(
    ("module", "source", "imported"),
    [
        ("streakcore.usecases.stats", "import duckdb\n", "duckdb"),
        (
            "streakcore.usecases.sync.run",
            "def f():\n    from streakcore.storage.duckdb.store import DuckDBRunStore\n",
            "streakcore.storage.duckdb.store",
        ),
        ("streakcore.domain.days", "from streakcore.ports import RunStore\n", "streakcore.ports"),
        (
            "streakcore.smashrun.source",
            "from streakcore.storage import blob\n",
            "streakcore.storage",
        ),
        (
            "streak_lambda.handler",
            "from streakcore.storage.blob_s3 import S3BlobStore\n",
            "streakcore.storage.blob_s3",
        ),
        (
            "streakcore.render.badge_svg",
            "from streakcore.settings import Settings\n",
            "streakcore.settings",
        ),
    ],
)
def test_a_broken_rule_is_caught(module: str, source: str, imported: str) -> None:
    # Given a module of one layer importing what its layer may not
    # When its imports are checked
    found = violations_in(source, module)
    # Then the import is named
    assert [v.imported for v in found] == [imported]
