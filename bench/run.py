"""`python -m bench.run [SECTION ...]`: run the benchmarks, print a table, write results.json.

Every figure is measured beside its floor or baseline in the same run, because this
machine is shared and noisy: read the ratios, not the absolute times. Timed ratios are
taken in interleaved pairs (bench/paired.py) and reported as the median per-pair ratio
with its spread.

Running some sections replaces only their rows in bench/results.json; the README's
Performance section is then regenerated from the whole file (`--readme` does only that).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.readme import README, rewrite_readme
from bench.table import Row, Section, format_ratio, format_value

SECTIONS: tuple[str, ...] = (
    "request_counts",
    "backfill_time",
    "backfill_cpu",
    "bulk_load",
    "stats",
    "startup",
    "cold_stats",
    "warm_stats",
    "package",
    "memory",
    "page",
    "import_export",
)
RESULTS = Path(__file__).with_name("results.json")


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
            format_value(r.figure, r.unit),
            r.baseline_name,
            format_value(r.baseline, r.unit),
            format_ratio(r),
            f"{r.target}{met}",
        )
    Console(width=200).print(table)
    for r in rows:
        if r.note:
            print(f"- {r.section} / {r.name}: {r.note}")


def measure(name: str) -> Section:
    result = importlib.import_module(f"bench.{name}").run()
    return result if isinstance(result, Section) else Section(list(result))


def merged_results(
    previous: dict[str, Any], measured: dict[str, Section], at: str
) -> dict[str, Any]:
    """The results file with `measured` sections replaced, in SECTIONS order."""
    sections = dict(previous.get("sections", {}))
    for name, section in measured.items():
        sections[name] = {
            "measured_at": at,
            "rows": [row.as_dict() for row in section.rows],
            **({"contents": section.contents} if section.contents else {}),
        }
    return {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "sections": {name: sections[name] for name in SECTIONS if name in sections},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of: {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--readme",
        action="store_true",
        help="measure nothing: regenerate README.md's Performance table from the results",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if not args.readme:
        measured: dict[str, Section] = {}
        for name in args.sections or SECTIONS:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            measured[name] = measure(name)
        print_table([row for section in measured.values() for row in section.rows])
        previous = json.loads(args.output.read_text()) if args.output.exists() else {}
        at = datetime.now(UTC).isoformat(timespec="seconds")
        args.output.write_text(json.dumps(merged_results(previous, measured, at), indent=2) + "\n")
        print(f"bench: wrote {args.output}", file=sys.stderr)
    if args.output == RESULTS:
        README.write_text(rewrite_readme(README.read_text(), json.loads(RESULTS.read_text())))
        print(f"bench: regenerated the Performance table in {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
