"""The README's Performance tables are generated from bench/results.json, never typed."""

from __future__ import annotations

import json

import pytest

from bench.readme import BEGIN, END, README, generated_section, rewrite_readme
from bench.run import RESULTS, SECTIONS, merged_results
from bench.table import Row, Section


def test_the_readme_performance_tables_are_what_the_committed_results_generate() -> None:
    # given the committed README and results
    readme = README.read_text()
    results = json.loads(RESULTS.read_text())

    # when the tables are generated from the results
    regenerated = rewrite_readme(readme, results)

    # then the README already says exactly that (run `python -m bench.run --readme`)
    assert generated_section(readme) == generated_section(regenerated)
    assert readme == regenerated


def _row(name: str, figure: float) -> Row:
    return Row("startup", name, figure, "s", "bare deps", 0.1, "<= 1x", figure <= 0.1)


def test_a_paired_row_shows_its_median_ratio_with_the_spread_and_a_missed_target() -> None:
    # given results with one paired row over its goal
    row = Row(
        "startup", "handler import", 0.12, "s", "bare deps", 0.1, "<= 1x", False,
        pairs=11, pair_ratios=(1.18, 1.02, 1.4),
    )  # fmt: skip
    results = merged_results({}, {"startup": Section([row])}, "2026-12-06T10:00:00+00:00")

    # when the README is regenerated
    readme = rewrite_readme(f"intro\n{BEGIN}\nold table\n{END}\nafter\n", results)

    # then the old table is gone and the row reads from the results
    assert "old table" not in readme
    assert readme.startswith("intro\n")
    assert readme.endswith(f"{END}\nafter\n")
    assert (
        "| handler import | 120.0 ms | bare deps: 100.0 ms | 1.18x (1.02–1.40, 11 pairs) "
        "| <= 1x: **missed** |"
    ) in readme


def test_measuring_some_sections_keeps_the_others_results() -> None:
    # given results of two sections
    first = merged_results(
        {},
        {"startup": Section([_row("old import", 0.2)]), "package": Section([_row("zip", 1)])},
        "2026-12-01T00:00:00+00:00",
    )

    # when only one of them is measured again
    second = merged_results(first, {"startup": Section([_row("new import", 0.05)])}, "2026-12-06")

    # then that one is replaced, the other kept with its date, in the bench's order
    assert list(second["sections"]) == [name for name in SECTIONS if name in second["sections"]]
    assert [row["name"] for row in second["sections"]["startup"]["rows"]] == ["new import"]
    assert second["sections"]["package"]["measured_at"] == "2026-12-01T00:00:00+00:00"


def test_a_readme_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        rewrite_readme("no markers here\n", {"sections": {}, "machine": {"python": "3.12"}})
