"""Package: the Lambda zip vs the duckdb wheel alone (the floor), and what the zip holds.

The zip is the one `nox -s package` builds (bytecode in, left-out files out); the wheel is
the duckdb wheel of the same version that the build downloaded (cp312, manylinux x86_64).
"""

from __future__ import annotations

from dataclasses import asdict

from bench.lambda_package import lambda_package
from bench.table import Row, Section
from ops.package import FLOOR_RATIO_GOAL, render_contents, render_left_out
from streakcore.errors import StreakError


def run() -> Section:
    build = lambda_package().build
    if build.floor is None:
        raise StreakError("the build downloaded no duckdb wheel to measure the zip against")
    print(render_contents(build.contents))
    print(render_left_out(build.left_out))
    bytecode = build.bytecode
    zipped = build.archive.zipped_bytes
    ratio = zipped / build.floor.size
    row = Row(
        "package",
        "Lambda zip (x86_64, cp312, with bytecode)",
        zipped,
        "bytes",
        f"duckdb {build.floor.version} wheel alone (cp312 manylinux x86_64)",
        build.floor.size,
        f"<= {FLOOR_RATIO_GOAL:g}x",
        ratio <= FLOOR_RATIO_GOAL,
        f"{zipped:,} bytes vs {build.floor.size:,}; {build.archive.unzipped_bytes / 1e6:.1f} MB "
        f"unzipped, {build.archive.entries:,} entries; bytecode for {bytecode.compiled} modules "
        f"({bytecode.sourceless} sourceless); the rest of the zip past duckdb is "
        f"{(zipped - build.floor.size) / 1e6:.2f} MB",
    )
    return Section([row], contents=[asdict(content) for content in build.contents])
