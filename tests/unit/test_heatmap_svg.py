"""The calendar heatmap: valid XML, one cell per day, colour by distance, streak outlines."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from helpers import daily_runs, run
from streakcore.domain.days import Day, group_days
from streakcore.domain.models import Activity
from streakcore.render.heatmap_svg import LEVEL_LABELS, heatmap_svg, year_range

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def cells(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "data-date" in r.attrib]


def render_year(
    year: int, runs: list[Activity] | None = None, streak: set[date] | None = None
) -> str:
    first, last = year_range(year)
    return heatmap_svg(group_days(runs or []), first=first, last=last, streak_dates=streak or set())


@pytest.mark.parametrize(
    ("year", "days_in_year"), [(2026, 365), (2024, 366), (2028, 366), (2100, 365)]
)
def test_a_year_has_one_cell_per_day_leap_years_too(year: int, days_in_year: int) -> None:
    # given a year of the calendar
    # when its heatmap is rendered
    root = parse(render_year(year))
    # then there is exactly one cell per date of that year, each date once
    dates = [date.fromisoformat(c.attrib["data-date"]) for c in cells(root)]
    assert len(dates) == days_in_year
    assert dates == [date(year, 1, 1) + timedelta(days=i) for i in range(days_in_year)]


def test_cells_sit_in_weekday_rows_and_week_columns() -> None:
    # given the heatmap of 2026 (1 January is a Thursday)
    root = parse(render_year(2026))
    # when the cells are located
    position = {
        date.fromisoformat(c.attrib["data-date"]): (float(c.attrib["x"]), float(c.attrib["y"]))
        for c in cells(root)
    }
    # then each weekday has its own row, Monday on top, and a week is one column
    rows = sorted({y for _, y in position.values()})
    assert len(rows) == 7
    for d, (x, y) in position.items():
        assert rows.index(y) == d.weekday()
        assert position[date(2026, 1, 1)][0] <= x
    assert position[date(2026, 1, 5)][0] > position[date(2026, 1, 4)][0]  # Mon after Sun
    assert position[date(2026, 1, 4)][0] == position[date(2026, 1, 1)][0]  # same week
    columns = {x for x, _ in position.values()}
    assert 53 <= len(columns) <= 54


def test_each_cell_has_a_tooltip_with_the_distance_and_number_of_runs() -> None:
    # given two runs on 8 March (1.5 and 1.6 miles) and one on 9 March
    runs = [run("2026-03-08", 1.5, at="07:00"), run("2026-03-08", 1.6, at="18:00")]
    runs.append(run("2026-03-09", 4.0))
    # when rendered
    root = parse(render_year(2026, runs))
    # then the tooltips read like this
    titles = {c.attrib["data-date"]: c.find(f"{SVG}title") for c in cells(root)}
    text = {d: t.text for d, t in titles.items() if t is not None}
    assert len(text) == 365
    assert text["2026-03-08"] == "2026-03-08: 3.1 mi (2 runs)"
    assert text["2026-03-09"] == "2026-03-09: 4.0 mi (1 run)"
    assert text["2026-03-10"] == "2026-03-10: no run"


@pytest.mark.parametrize(
    ("miles", "level"),
    [(None, 0), (0.5, 1), (1.0, 2), (3.0, 2), (3.2, 3), (6.3, 4), (13.2, 5), (26.2, 5)],
)
def test_cells_are_coloured_by_distance(miles: float | None, level: int) -> None:
    runs = [] if miles is None else [run("2026-06-01", miles)]
    root = parse(render_year(2026, runs))
    cell = next(c for c in cells(root) if c.attrib["data-date"] == "2026-06-01")
    assert f"l{level}" in cell.attrib["class"].split()


def test_streak_days_are_outlined_and_others_are_not() -> None:
    # given 10 days of runs of which the last 5 are streak days
    runs = daily_runs("2026-05-01", 10)
    streak = {date(2026, 5, 6) + timedelta(days=i) for i in range(5)}
    # when rendered
    root = parse(render_year(2026, runs, streak))
    # then exactly those cells carry the outline
    outlined = {
        date.fromisoformat(c.attrib["data-date"])
        for c in cells(root)
        if "streak" in c.attrib["class"].split()
    }
    assert outlined == streak


def test_every_colour_has_a_dark_theme_variant() -> None:
    svg = render_year(2026)
    style = parse(svg).find(f"{SVG}style")
    assert style is not None
    assert style.text is not None
    light, _, dark = style.text.partition("@media (prefers-color-scheme: dark)")
    assert dark, "no dark-theme block"
    for name in [*(f".l{i}" for i in range(6)), ".bg", "text", ".streak"]:
        assert name in light
        assert name in dark


def test_month_labels_and_a_legend_are_drawn() -> None:
    texts = [t.text for t in parse(render_year(2026)).iter(f"{SVG}text")]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert [t for t in texts if t in months] == months
    for label in [*LEVEL_LABELS, "streak day"]:
        assert label in texts


def test_a_range_across_years_draws_one_block_per_year_with_only_the_range_in_it() -> None:
    # given a streak from 2025-11-20 to 2026-02-10
    first, last = date(2025, 11, 20), date(2026, 2, 10)
    # when rendered
    root = parse(heatmap_svg([], first=first, last=last))
    # then every date of the range has one cell, and the two years sit in two blocks
    dates = [date.fromisoformat(c.attrib["data-date"]) for c in cells(root)]
    assert dates == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    top_2025 = min(float(c.attrib["y"]) for c in cells(root) if c.attrib["data-date"] < "2026")
    top_2026 = min(float(c.attrib["y"]) for c in cells(root) if c.attrib["data-date"] >= "2026")
    assert top_2026 > top_2025 + 7 * 11
    assert int(root.attrib["height"]) > top_2026 + 7 * 11


def test_a_title_with_markup_characters_is_escaped() -> None:
    svg = heatmap_svg(
        [], first=date(2026, 1, 1), last=date(2026, 1, 31), title='Sam\'s <"best"> & year'
    )
    root = parse(svg)
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == 'Sam\'s <"best"> & year'
    assert root.attrib["aria-label"] == 'Sam\'s <"best"> & year'


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        heatmap_svg([], first=date(2026, 2, 1), last=date(2026, 1, 1))


def test_days_added_up_by_the_database_render_like_days_built_from_runs() -> None:
    # given a day known only by its totals, and the same day built from its runs
    totals_only = Day(date(2026, 3, 8), runs=2, distance_m=5000.0, longest_m=2500.0)
    from_runs = group_days([run("2026-03-08", 1.0, at="07:00"), run("2026-03-08", 2.107)])
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    # when both are rendered
    a = heatmap_svg([totals_only], first=first, last=last)
    b = heatmap_svg(from_runs, first=first, last=last)
    # then the picture is the same
    assert a == b
    assert "2026-03-08: 3.1 mi (2 runs)" in a
