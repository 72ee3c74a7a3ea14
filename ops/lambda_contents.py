"""What the Lambda zip holds, what it leaves out, and why: every byte past DuckDB is justified.

The installed wheels are grouped into distributions by their RECORD files. Some are left
out whole (the terminal's rich and what only rich needs); some files inside distributions
we keep are left out too (assets and sub-packages that only features we never call read).
Each such cut carries its reason. The build then checks, by running every route of the
handler from the unpacked zip, that nothing tries to import what was cut
(`ops.route_check`).
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from streakcore.errors import StreakError

OWN_PACKAGES = {
    "streakcore": "our library: domain, storage, the sync and stats use cases",
    "streak_lambda": "our Lambda adapter: the handler, its routes, the composition root",
}

# Why each runtime dependency (pyproject's dependencies and `aws` extra) is in the zip.
# Dependencies of these say which of them needs them, worked out from their metadata.
DIRECT_DEPENDENCY_REASONS = {
    "duckdb": "the database engine (the floor)",
    "httpx": "the SmashRun client (sync)",
    "pydantic": "models and validation (every route)",
    "pydantic-settings": "settings from the environment (every route)",
    "tzdata": "IANA time zones for zoneinfo, whatever zone files the runtime image has",
    "aws-lambda-powertools": "routing, structured logs and metrics (every route)",
    "botocore": "clients for S3 (the database and its documents), Secrets Manager (tokens) "
    "and SNS (the alert); bundled for S3 conditional writes",
}

# Distributions the Lambda never imports: the terminal's rich and the importer's parsers
# (core dependencies of streakcore, for `streak`) and what only rich needs. The build
# fails if a distribution it keeps requires one of them, and `ops.route_check` fails if a
# route tries to import them.
CLI_ONLY_DISTRIBUTIONS = {
    "rich": "the terminal's tables and colours (`streak`); no handler route imports it",
    "pygments": "rich's syntax highlighting",
    "markdown-it-py": "rich's Markdown rendering",
    "mdurl": "markdown-it-py's URL parsing",
    "fitdecode": "the importer's FIT parser (`streak import`); imports run where the files are",
    "gpxpy": "the importer's GPX parser (`streak import`)",
    "defusedxml": "the importer's safe XML parsing of TCX and GPX (`streak import`)",
    "tzfpy": "the importer's offline time zone lookup from a track's position (`streak import`)",
}


# Distributions the `aws` extra brings that no Lambda code imports: the clients come
# straight from botocore (streakcore/storage/aws_clients.py). Left out like the CLI-only
# ones, with the same checks.
NOT_IMPORTED_DISTRIBUTIONS = {
    "boto3": "not imported by the Lambda: its AWS clients come from botocore directly; "
    "boto3 stays in the `aws` extra for the deploy and smoke tools",
    "s3transfer": "not imported by the Lambda: boto3's managed transfers, which only boto3 needs",
}


@dataclass(frozen=True)
class Cut:
    """Files left out of a distribution we keep: a file, or a folder (ending in /)."""

    path: str
    reason: str
    needs: str | None = None
    """A file that must stay in the zip for the cut to be safe."""

    def covers(self, name: str) -> bool:
        return name.startswith(self.path) if self.path.endswith("/") else name == self.path


_SWAGGER = "aws_lambda_powertools/event_handler/openapi/swagger_ui/"
_POWERTOOLS_UTILITIES = "aws_lambda_powertools/utilities/"
_UNUSED_UTILITY = (
    "a Powertools utility the code never imports (nothing kept in Powertools imports it)"
)

CUTS = (
    Cut(f"{_SWAGGER}swagger-ui-bundle.min.js", "Swagger UI, served only by enable_swagger()"),
    Cut(f"{_SWAGGER}swagger-ui.min.css", "Swagger UI, served only by enable_swagger()"),
    *(
        Cut(f"{_POWERTOOLS_UTILITIES}{utility}/", _UNUSED_UTILITY)
        for utility in (
            "batch",
            "circuit_breaker",
            "data_masking",
            "feature_flags",
            "idempotency",
            "kafka",
            "parameters",
            "parser",
            "streaming",
        )
    ),
    Cut(
        "botocore/cacert.pem",
        "botocore's fallback CA bundle: it uses certifi's when certifi is installed",
        needs="certifi/cacert.pem",
    ),
    Cut(
        "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",
        "dateutil's own zone database, read only by dateutil.tz.gettz() (never called)",
    ),
    Cut("duckdb/experimental/", "DuckDB's PySpark-compatible API, imported only by name"),
    Cut(
        "pydantic/v1/",
        "pydantic 1's API, imported only by name (and by pydantic for types with a pydantic 1 "
        "`__get_validators__` hook, which none of ours have)",
    ),
    *(
        Cut(f"tzdata/zoneinfo/{name}", "tzdata's text tables: zoneinfo reads the binary zones")
        for name in (
            "iso3166.tab",
            "leapseconds",
            "tzdata.zi",
            "zone.tab",
            "zone1970.tab",
            "zonenow.tab",
        )
    ),
    Cut("duckdb/query_graph/", "DuckDB's profile viewer, a command-line tool"),
)


def normalise(name: str) -> str:
    """A project name as PEP 503 compares them: `Markdown_It.py` -> `markdown-it-py`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    files: frozenset[str]
    """Archive names of its files, from RECORD (its dist-info folder included)."""
    requires: frozenset[str]
    """Normalised names of what it needs whatever extras are asked for."""

    @property
    def top_levels(self) -> list[str]:
        return sorted({name.split("/", 1)[0] for name in self.files})


def _requirement_names(requirements: Iterable[str]) -> frozenset[str]:
    """Names of the requirements that hold whatever extras are asked for."""
    needed = set()
    for requirement in requirements:
        specifier, _, marker = requirement.partition(";")
        if re.search(r"\bextra\s*==", marker):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", specifier)
        if match:
            needed.add(normalise(match.group(1)))
    return frozenset(needed)


def installed_distributions(site: Path) -> list[Distribution]:
    """Every distribution pip installed into `site`, with its files as archive names."""
    found = []
    for dist in importlib.metadata.distributions(path=[str(site)]):
        files = frozenset(
            PurePosixPath(str(path)).as_posix()
            for path in dist.files or ()
            if not str(path).startswith("..") and (site / str(path)).is_file()
        )
        found.append(
            Distribution(
                name=normalise(dist.metadata["Name"]),
                version=dist.version,
                files=files,
                requires=_requirement_names(dist.requires or ()),
            )
        )
    return sorted(found, key=lambda dist: dist.name)


@dataclass(frozen=True)
class Selection:
    kept: dict[str, Path]
    left_out: dict[str, tuple[Path, str]]
    """Archive name -> (file, why it is left out)."""


def select_contents(
    entries: Mapping[str, Path],
    distributions: Iterable[Distribution],
    cli_only: Mapping[str, str] = CLI_ONLY_DISTRIBUTIONS,
    cuts: Iterable[Cut] = CUTS,
    not_imported: Mapping[str, str] = NOT_IMPORTED_DISTRIBUTIONS,
) -> Selection:
    """Split `entries` into what goes in the zip and what is left out, with reasons.

    Fails when a distribution that stays requires one left out whole (CLI-only, or not
    imported), or when a cut's `needs` would not be in the zip.
    """
    dists = list(distributions)
    whole = {
        **{name: f"CLI-only: {reason}" for name, reason in cli_only.items()},
        **not_imported,
    }
    dropped = {dist.name for dist in dists if dist.name in whole}
    for dist in dists:
        needed = sorted(dist.requires & dropped)
        if dist.name not in dropped and needed:
            raise StreakError(
                f"{dist.name} requires {', '.join(needed)}, which the Lambda zip leaves out "
                f"({'; '.join(whole[name] for name in needed)}; ops/lambda_contents.py): keep "
                "it, or drop that requirement"
            )
    owner = {name: dist.name for dist in dists for name in dist.files}
    cut_list = list(cuts)
    kept: dict[str, Path] = {}
    left_out: dict[str, tuple[Path, str]] = {}
    for name, path in entries.items():
        if owner.get(name) in dropped:
            left_out[name] = (path, whole[owner[name]])
            continue
        cut = next((cut for cut in cut_list if cut.covers(name)), None)
        if cut is not None:
            left_out[name] = (path, cut.reason)
        else:
            kept[name] = path
    for cut in cut_list:
        if cut.needs and any(cut.covers(name) for name in left_out) and cut.needs not in kept:
            raise StreakError(f"leaving out {cut.path} needs {cut.needs} in the zip; it is not")
    return Selection(kept, left_out)


def metadata_headers(text: str) -> str:
    """A METADATA file's headers without its long description (the body after the first
    blank line, or a Description header's continuation lines): importlib.metadata reads the
    headers (name, version, requirements, entry points live elsewhere); the description is
    the project's README, for package indexes."""
    head, _, _ = text.partition("\n\n")
    kept = []
    skipping = False
    for line in head.splitlines():
        if line.startswith((" ", "\t")) and skipping:
            continue
        skipping = line.lower().startswith("description:")
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def with_short_metadata(entries: Mapping[str, Path], scratch: Path) -> dict[str, Path]:
    """`entries` with every dist-info METADATA replaced by its headers (written to `scratch`)."""
    result = dict(entries)
    for name, path in entries.items():
        parts = name.split("/")
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
            short = scratch / name
            short.parent.mkdir(parents=True, exist_ok=True)
            short.write_text(metadata_headers(path.read_text("utf-8")), encoding="utf-8")
            result[name] = short
    return result


def left_out_modules(left_out: Iterable[str]) -> frozenset[str]:
    """Dotted module names of the Python files left out (packages by their __init__)."""
    modules = set()
    for name in left_out:
        if name.endswith(".py"):
            dotted = name.removesuffix(".py").replace("/", ".")
            modules.add(dotted.removesuffix(".__init__"))
    return frozenset(modules)


@dataclass(frozen=True)
class ContentRow:
    """One line of the zip's table: a distribution (or our package) and its bytes."""

    name: str
    version: str
    top_levels: tuple[str, ...]
    zipped_bytes: int
    unzipped_bytes: int
    reason: str


def reason_for(name: str, kept: Iterable[Distribution]) -> str:
    """Why `name` is in the zip: its own reason, or which kept distributions require it."""
    if name in DIRECT_DEPENDENCY_REASONS:
        return DIRECT_DEPENDENCY_REASONS[name]
    needed_by = sorted(dist.name for dist in kept if name in dist.requires)
    if needed_by:
        return "needed by " + ", ".join(needed_by)
    return "a runtime dependency in pyproject.toml (no reason recorded in ops/lambda_contents.py)"


def content_rows(
    sizes: Mapping[str, tuple[int, int]], distributions: Iterable[Distribution]
) -> list[ContentRow]:
    """Group the zip's entries (name -> (zipped, unzipped) bytes) by distribution, biggest
    first. Files no RECORD lists (the bytecode we compile) go with their top-level
    package's distribution; our own packages are rows of their own."""
    dists = list(distributions)
    owner = {name: dist.name for dist in dists for name in dist.files}
    top_owner = {_module_stem(top): dist.name for dist in dists for top in dist.top_levels}
    groups: dict[str, list[str]] = {}
    for name in sizes:
        top = _module_stem(name.split("/", 1)[0])
        groups.setdefault(owner.get(name) or top_owner.get(top) or top, []).append(name)
    by_name = {dist.name: dist for dist in dists}
    kept = [by_name[group] for group in groups if group in by_name]
    rows = []
    for group, names in groups.items():
        dist = by_name.get(group)
        rows.append(
            ContentRow(
                name=group,
                version=dist.version if dist else "",
                top_levels=tuple(
                    sorted({name.split("/", 1)[0] for name in names if ".dist-info/" not in name})
                ),
                zipped_bytes=sum(sizes[name][0] for name in names),
                unzipped_bytes=sum(sizes[name][1] for name in names),
                reason=reason_for(group, kept) if dist else OWN_PACKAGES.get(group, "unclaimed"),
            )
        )
    return sorted(rows, key=lambda row: (-row.zipped_bytes, row.name))


def _module_stem(top_level: str) -> str:
    """`six.py` and `six.pyc` are both the module `six`; folders stay as they are."""
    return top_level.removesuffix(".pyc").removesuffix(".py")


def left_out_summary(left_out: Mapping[str, tuple[Path, str]]) -> list[tuple[str, int, int]]:
    """(reason, files, unzipped bytes) per reason, biggest first."""
    totals: dict[str, list[int]] = {}
    for path, reason in left_out.values():
        files_and_bytes = totals.setdefault(reason, [0, 0])
        files_and_bytes[0] += 1
        files_and_bytes[1] += path.stat().st_size
    return sorted(
        ((reason, files, size) for reason, (files, size) in totals.items()),
        key=lambda item: (-item[2], item[0]),
    )
