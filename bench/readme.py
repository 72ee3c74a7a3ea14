"""The README's Performance tables, generated from bench/results.json and never typed.

`python -m bench.run` rewrites what lies between the two markers after every run
(`--readme` rewrites it alone); a test holds the committed README equal to what this
module makes of the committed results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.table import Row, format_ratio, format_value

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- bench:begin: generated from bench/results.json by `python -m bench.run --readme` -->"
END = "<!-- bench:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _target(row: Row) -> str:
    if not row.target:
        return "—"
    if row.met is None:
        return row.target
    return f"{row.target}: {'met' if row.met else '**missed**'}"


def _baseline(row: Row) -> str:
    if not row.baseline_name and row.baseline is None:
        return "—"
    if row.baseline is None:
        return f"{row.baseline_name}: not measured yet"
    return f"{row.baseline_name}: {format_value(row.baseline, row.unit)}"


def performance_tables(results: dict[str, Any]) -> str:
    """The Markdown between the markers: every row, then what the Lambda zip holds."""
    sections = results["sections"]
    dates = sorted({section["measured_at"][:10] for section in sections.values()})
    span = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    lines = [
        f"Measured {span}; the bench ran on CPython {results['machine']['python']}, the "
        "Lambda figures on CPython 3.12 from the unpacked zip. Paired ratios are the median "
        "of the per-pair ratios, with their min–max.",
        "",
        "| what | figure | floor / baseline | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for section in sections.values():
        for data in section["rows"]:
            row = Row.from_dict(data)
            lines.append(
                "| "
                + " | ".join(
                    _cell(text)
                    for text in (
                        row.name,
                        format_value(row.figure, row.unit),
                        _baseline(row),
                        format_ratio(row),
                        _target(row),
                    )
                )
                + " |"
            )
    contents = sections.get("package", {}).get("contents")
    if contents:
        lines += [
            "",
            "What the Lambda zip holds (`nox -s package` prints the same, with what it leaves "
            "out and why):",
            "",
            "| distribution | MB zipped | MB unzipped | why it is there |",
            "| --- | ---: | ---: | --- |",
        ]
        for item in contents:
            what = f"{item['name']} {item['version']}".strip()
            lines.append(
                f"| {_cell(what)} | {item['zipped_bytes'] / 1e6:.2f} "
                f"| {item['unzipped_bytes'] / 1e6:.2f} | {_cell(item['reason'])} |"
            )
    return "\n".join(lines)


def rewrite_readme(readme: str, results: dict[str, Any]) -> str:
    """`readme` with the text between the markers replaced by the generated tables."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {BEGIN!r} ... {END!r} markers")
    return readme[: start + len(BEGIN)] + "\n" + performance_tables(results) + "\n" + readme[end:]


def generated_section(readme: str) -> str:
    """What lies between the markers now (for the test)."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[start:end].strip("\n")
