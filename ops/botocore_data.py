"""botocore's data cut down to what the Lambda's clients use.

botocore's first client parses `botocore/data/endpoints.json` whole (1.25 MB: every region
of ~300 services in eight partitions) to build its endpoint resolver, which then only ever
looks up the services it makes clients for. The zip keeps the table's shape (partitions,
their regions, defaults and DNS suffixes) and the entries of those services alone, written
compactly: a cold start parses ~24 kB instead, ~15 ms less of a cold `GET /stats`.

The same goes for the S3 model (1.3 MB: 119 operations, 736 shapes), which the read path's
client parses on every cold start to call GetObject: the zip keeps the operations the code
calls and the shapes they reach (`BUNDLED_AWS_OPERATIONS` in ops/package.py; a test holds
it equal to the calls in lib/ and lambda/), ~25 ms less again. The Secrets Manager and SNS
models are small and only the sync and the evening check load them: they stay whole.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streakcore.errors import StreakError

ENDPOINTS = "botocore/data/endpoints.json"


def trimmed_endpoints(table: Mapping[str, Any], services: frozenset[str]) -> dict[str, Any]:
    """`table` with each partition's `services` reduced to `services`; the rest as it was."""
    partitions = [
        {
            **partition,
            "services": {
                name: entry
                for name, entry in partition.get("services", {}).items()
                if name in services
            },
        }
        for partition in table.get("partitions", [])
    ]
    return {**table, "partitions": partitions} if "partitions" in table else dict(table)


def with_trimmed_endpoints(
    entries: Mapping[str, Path], services: frozenset[str], scratch: Path
) -> dict[str, Path]:
    """`entries` with botocore's endpoint table replaced by its trimmed copy in `scratch`."""
    result = dict(entries)
    source = entries.get(ENDPOINTS)
    if source is None:
        return result
    table = json.loads(source.read_text(encoding="utf-8"))
    trimmed = scratch / ENDPOINTS
    trimmed.parent.mkdir(parents=True, exist_ok=True)
    trimmed.write_text(
        json.dumps(trimmed_endpoints(table, services), separators=(",", ":")), encoding="utf-8"
    )
    result[ENDPOINTS] = trimmed
    return result


def trimmed_service_model(model: Mapping[str, Any], operations: frozenset[str]) -> dict[str, Any]:
    """`model` with only `operations` and the shapes they reach (inputs, outputs, errors,
    and every shape those name); StreakError if the model lacks one of them."""
    available = model.get("operations", {})
    missing = sorted(operations - available.keys())
    if missing:
        raise StreakError(f"the botocore model has no operation {', '.join(missing)}")
    kept = {name: available[name] for name in sorted(operations)}
    shapes = model.get("shapes", {})
    reached: set[str] = set()
    pending = [
        reference["shape"]
        for operation in kept.values()
        for reference in (
            operation.get("input"),
            operation.get("output"),
            *operation.get("errors", []),
        )
        if reference
    ]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        shape = shapes[name]
        pending.extend(member["shape"] for member in shape.get("members", {}).values())
        pending.extend(shape[part]["shape"] for part in ("member", "key", "value") if part in shape)
    return {
        **model,
        "operations": kept,
        "shapes": {name: shape for name, shape in shapes.items() if name in reached},
    }


def model_service(name: str) -> str | None:
    """`s3` for `botocore/data/s3/2006-03-01/service-2.json.gz`; None for other files."""
    parts = name.split("/")
    is_model = len(parts) == 5 and parts[-1] in ("service-2.json", "service-2.json.gz")
    return parts[2] if is_model and name.startswith("botocore/data/") else None


def with_trimmed_models(
    entries: Mapping[str, Path], operations: Mapping[str, frozenset[str]], scratch: Path
) -> dict[str, Path]:
    """`entries` with the API model of each service in `operations` replaced by a copy in
    `scratch` that holds those operations alone (compressed as the original was, with no
    timestamp, so the zip stays reproducible)."""
    result = dict(entries)
    for name, path in entries.items():
        service = model_service(name)
        if service is None or service not in operations:
            continue
        compressed = name.endswith(".gz")
        raw = gzip.decompress(path.read_bytes()) if compressed else path.read_bytes()
        trimmed = json.dumps(
            trimmed_service_model(json.loads(raw), operations[service]), separators=(",", ":")
        ).encode()
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(trimmed, mtime=0) if compressed else trimmed)
        result[name] = target
    return result


def describe_trimmed(before: Mapping[str, Path], after: Mapping[str, Path]) -> str:
    """`trimmed botocore data: endpoints.json 1.26 MB -> 0.02 MB, ...`: the entries whose file
    was replaced, with their sizes (as stored) before and after."""
    changed = sorted(name for name, path in after.items() if before.get(name, path) != path)
    sizes = ", ".join(
        f"{name.removeprefix('botocore/data/')} {before[name].stat().st_size / 1e6:.2f} MB -> "
        f"{after[name].stat().st_size / 1e6:.2f} MB"
        for name in changed
    )
    return f"trimmed botocore data: {sizes or 'nothing'}"
