"""`python -m bench.run [SECTION ...]`: run the benchmarks, print a table, write results.json.

Every figure is measured beside its floor or baseline in the same run, because this
machine is shared and noisy: read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.table import Row

SECTIONS: tuple[str, ...] = (
    "request_counts",
    "backfill_time",
    "bulk_load",
    "stats",
    "startup",
    "warm_stats",
    "package",
    "memory",
)
RESULTS = Path(__file__).with_name("results.json")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1e3:,.2f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "bytes":
        return f"{value / 1e6:,.2f} MB" if value >= 1e5 else f"{value:,.0f} B"
    return f"{value:,.0f} {unit}".strip()


def print_table(rows: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="streakcore benchmarks")
    for name in ("section", "figure", "value", "floor / baseline", "value", "ratio", "target"):
        table.add_column(name)
    for r in rows:
        met = "" if r.met is None else (" ok" if r.met else " MISSED")
        table.add_row(
            r.section,
            r.name,
            _fmt(r.figure, r.unit),
            r.baseline_name,
            _fmt(r.baseline, r.unit),
            "-" if r.ratio is None else f"{r.ratio:,.2f}x",
            f"{r.target}{met}",
        )
    Console(width=200).print(table)
    for r in rows:
        if r.note:
            print(f"- {r.section} / {r.name}: {r.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of: {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    rows: list[Row] = []
    for name in args.sections or SECTIONS:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        rows += importlib.import_module(f"bench.{name}").run()
    print_table(rows)
    args.output.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"python": platform.python_version(), "platform": platform.platform()},
                "rows": [r.as_dict() for r in rows],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
