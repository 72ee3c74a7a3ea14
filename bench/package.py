"""Package: the Lambda zip vs the duckdb wheel alone (the floor)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = Path(tmp) / "lambda.zip"
        subprocess.run(
            [sys.executable, "-m", "ops.package", "--output", str(zip_path), "--skip-verify"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        wheels = Path(tmp) / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_27_x86_64",
             "--python-version", "3.12", "--implementation", "cp", "-d", str(wheels), "duckdb"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        duckdb_wheel = next(wheels.glob("duckdb-*.whl"))
        return [
            Row("package", "Lambda zip (x86_64, cp312)", zip_path.stat().st_size, "bytes",
                f"duckdb wheel alone ({duckdb_wheel.name.split('-')[1]})",
                duckdb_wheel.stat().st_size, "< 50 MB zipped",
                zip_path.stat().st_size < 50 * 1024 * 1024),
        ]  # fmt: skip
