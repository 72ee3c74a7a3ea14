"""The calendar heatmap: valid XML, one cell per day up to today, colour by the runner's own
distances, the streak marked where it says something, one unit, contrast in both themes."""

from __future__ import annotations

import itertools
import random
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta

import pytest

from helpers import run
from streakcore.domain.days import Day, group_days
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import METRES_PER_MILE
from streakcore.render.heatmap_days import FALLBACK_BOUNDS, buckets_for
from streakcore.render.heatmap_svg import heatmap_svg, streak_heatmap, year_heatmap, year_range
from svg_colours import SVG, contrast, fill, theme_colours

MILE = METRES_PER_MILE
LATER = date(2200, 1, 1)
"""A `today` after every drawn date: the whole range has happened."""


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def cells(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "data-date" in r.attrib]


def cell_at(root: ET.Element, day: date) -> ET.Element:
    return next(c for c in cells(root) if c.attrib["data-date"] == day.isoformat())


def marks(root: ET.Element) -> dict[date, set[str]]:
    return {
        date.fromisoformat(c.attrib["data-date"]): set(c.attrib["data-marks"].split())
        for c in cells(root)
        if "data-marks" in c.attrib
    }


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def day(d: date, metres: float) -> Day:
    """A day known by its total, one run."""
    return Day(d, runs=1, distance_m=metres, duration_s=metres * 0.36, longest_m=metres)


def streak_of(first: date, days: int, metres: float = 5_000.0) -> list[Day]:
    return [day(first + timedelta(days=i), metres) for i in range(days)]


def render_year(year: int, days: list[Day] | None = None, *, today: date = LATER) -> str:
    return year_heatmap(days or [], year=year, today=today, units="km")


@pytest.mark.parametrize(
    ("year", "days_in_year"), [(2026, 365), (2024, 366), (2028, 366), (2100, 365)]
)
def test_a_past_year_has_one_cell_per_day_leap_years_too(year: int, days_in_year: int) -> None:
    # given a year that is over
    # when its heatmap is rendered
    root = parse(render_year(year))
    # then there is exactly one cell per date of that year, each date once
    dates = [date.fromisoformat(c.attrib["data-date"]) for c in cells(root)]
    assert dates == [date(year, 1, 1) + timedelta(days=i) for i in range(days_in_year)]


def test_cells_sit_in_weekday_rows_and_week_columns() -> None:
    # given the heatmap of 2026 (1 January is a Thursday)
    root = parse(render_year(2026))
    position = {
        date.fromisoformat(c.attrib["data-date"]): (float(c.attrib["x"]), float(c.attrib["y"]))
        for c in cells(root)
    }
    # then each weekday has its own row, Monday on top, and a week is one column
    rows = sorted({y for _, y in position.values()})
    assert len(rows) == 7
    for d, (_, y) in position.items():
        assert rows.index(y) == d.weekday()
    assert position[date(2026, 1, 5)][0] > position[date(2026, 1, 4)][0]  # Mon after Sun
    assert position[date(2026, 1, 4)][0] == position[date(2026, 1, 1)][0]  # same week
    assert 53 <= len({x for x, _ in position.values()}) <= 54


def test_days_after_today_are_not_drawn_and_the_year_keeps_its_width() -> None:
    # given the year 2026 seen on 10 March, with a run every day so far
    today = date(2026, 3, 10)
    runs = streak_of(date(2026, 1, 1), 69)
    # when it is rendered
    root = parse(render_year(2026, runs, today=today))
    # then the cells stop at today (no "no run" squares for days that have not happened),
    # and the picture is as wide as a whole year's, the weeks to come left blank
    dates = [date.fromisoformat(c.attrib["data-date"]) for c in cells(root)]
    assert dates[-1] == today
    assert len(dates) == 69
    assert root.attrib["width"] == parse(render_year(2026)).attrib["width"]


def test_today_is_ringed_and_no_other_day_is() -> None:
    # given a year seen on 10 March
    today = date(2026, 3, 10)
    root = parse(render_year(2026, streak_of(date(2026, 3, 1), 9), today=today))
    # then exactly one ring is drawn, around today's cell
    grid = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "hm-grid")
    rings = [r for r in grid.iter(f"{SVG}rect") if r.get("class") == "hm-today"]
    assert len(rings) == 1
    cell = cell_at(root, today)
    assert float(rings[0].attrib["x"]) < float(cell.attrib["x"])
    assert float(rings[0].attrib["x"]) + float(rings[0].attrib["width"]) > float(
        cell.attrib["x"]
    ) + float(cell.attrib["width"])
    assert [d for d, m in marks(root).items() if "today" in m] == [today]


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (
            "km",
            [
                "Sun 2026-03-08: 7.72 km (2 runs), streak day 1",
                "Mon 2026-03-09: 6.44 km (1 run), streak day 2",
            ],
        ),
        (
            "mi",
            [
                "Sun 2026-03-08: 4.80 mi (2 runs), streak day 1",
                "Mon 2026-03-09: 4.00 mi (1 run), streak day 2",
            ],
        ),
    ],
)
def test_each_cell_has_a_tooltip_with_the_distance_in_the_chosen_unit(
    units: str, expected: list[str]
) -> None:
    # given two runs on 8 March (1.5 and 3.3 miles) and one on 9 March
    runs = [run("2026-03-08", 1.5, at="07:00"), run("2026-03-08", 3.3, at="18:00")]
    runs.append(run("2026-03-09", 4.0))
    # when rendered in km and in miles
    svg = year_heatmap(group_days(runs), year=2026, today=LATER, units=units)  # type: ignore[arg-type]
    root = parse(svg)
    # then the tooltips read like this
    tips = {
        c.attrib["data-date"]: (c.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
        for c in cells(root)
    }
    assert [tips["2026-03-08"], tips["2026-03-09"]] == expected
    assert tips["2026-03-10"] == "Tue 2026-03-10: no run"


def typical_streaker_year(seed: int = 3) -> list[Day]:
    """A year of daily runs: mostly 5 to 8 km, a long run on Sundays."""
    rng = random.Random(seed)
    first = date(2025, 1, 1)
    days = []
    for i in range(365):
        d = first + timedelta(days=i)
        km = rng.uniform(13, 22) if d.weekday() == 6 else rng.triangular(4.5, 9.0, 6.0)
        days.append(day(d, km * 1000))
    return days


def test_a_streakers_typical_year_spreads_over_every_level() -> None:
    # given a streaker's year: a run every day, most of them 5 to 8 km
    year = typical_streaker_year()
    # when it is drawn
    root = parse(render_year(2025, year))
    # then no colour takes most of the year: each of the four levels holds 15-35% of the days
    levels = Counter(c.attrib["data-level"] for c in cells(root))
    assert set(levels) == {"1", "2", "3", "4"}
    for count in levels.values():
        assert 0.15 * 365 <= count <= 0.35 * 365, levels


def test_levels_are_round_numbers_of_the_runners_unit() -> None:
    # given the same year
    year = typical_streaker_year()
    # when its levels are cut in km and in miles
    km = buckets_for(year, "km", last=date(2025, 12, 31))
    mi = buckets_for(year, "mi", last=date(2025, 12, 31))
    # then the bounds are whole or half units, increasing, and the legend says them
    for buckets, unit in ((km, 1000.0), (mi, MILE)):
        bounds = [b / unit for b in buckets.bounds_m]
        assert bounds == sorted(set(bounds))
        assert all(round(b * 2, 6).is_integer() for b in bounds), bounds
    assert km.labels()[0].startswith("< ")
    assert km.labels()[0].endswith(" km")
    assert mi.labels()[3].startswith("≥ ")
    assert mi.labels()[3].endswith(" mi")


def test_with_few_days_the_levels_fall_back_to_round_steps() -> None:
    buckets = buckets_for(streak_of(date(2026, 1, 1), 3), "mi", last=date(2026, 1, 3))
    assert tuple(b / MILE for b in buckets.bounds_m) == pytest.approx(FALLBACK_BOUNDS["mi"])


def test_levels_stay_increasing_when_every_day_is_alike() -> None:
    buckets = buckets_for(streak_of(date(2026, 1, 1), 100), "km", last=date(2026, 4, 10))
    a, b, c = buckets.bounds_m
    assert a < b < c


def test_a_streakers_year_marks_only_the_days_that_say_something() -> None:
    # given a year of two streaks: 40 days (one of them a close call: 1.65 km against a
    # 1.61 km minimum), one missed day, then a streak running to today
    rule = StreakRule()
    first = date(2026, 1, 1)
    days = streak_of(first, 40)
    close = first + timedelta(days=20)
    days[20] = day(close, 1_650.0)
    missed = first + timedelta(days=40)
    days += streak_of(missed + timedelta(days=1), 100)
    today = missed + timedelta(days=100)
    # when the year is drawn
    root = parse(year_heatmap(days, year=2026, today=today, units="km", rule=rule))
    # then the marks are the two starts, the close call, the day that broke the streak and
    # today; the other 136 streak days carry none (no outline on every cell)
    assert marks(root) == {
        first: {"start"},
        close: {"close"},
        missed: {"broken"},
        missed + timedelta(days=1): {"start"},
        today: {"today"},
    }
    # and the missed day shows its cross
    grid = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "hm-grid")
    crosses = [p for p in grid.iter(f"{SVG}path") if "hm-broken" in p.get("class", "")]
    assert len(crosses) == 1


def test_a_streak_at_risk_today_is_not_marked_broken() -> None:
    # given a 30-day streak whose last day is yesterday, and no run yet today
    today = date(2026, 6, 30)
    days = streak_of(today - timedelta(days=30), 30)
    # when drawn
    root = parse(year_heatmap(days, year=2026, today=today, units="km"))
    # then today is only today: the streak is at risk, not broken
    assert marks(root)[today] == {"today"}
    assert not [d for d, m in marks(root).items() if "broken" in m]


def test_short_streaks_of_someone_who_runs_every_other_day_are_not_marked() -> None:
    days = [day(date(2026, 1, 1) + timedelta(days=2 * i), 5000.0) for i in range(100)]
    root = parse(render_year(2026, days))
    assert marks(root) == {}


def test_the_summary_line_gives_runs_distance_longest_and_current_streak() -> None:
    # given 2026 seen on 1 May: a 40-day streak in January and February, then a current
    # 30-day streak, every day 5 km
    today = date(2026, 5, 1)
    days = streak_of(date(2026, 1, 10), 40) + streak_of(today - timedelta(days=29), 30)
    # when drawn in km
    root = parse(year_heatmap(days, year=2026, today=today, units="km"))
    # then the line next to the title sums the year up in km
    summary = "70 runs · 350 km · longest streak 40 days · current streak 30 days"
    assert summary in texts(root)
    assert "2026" in texts(root)


@pytest.mark.parametrize(("units", "other"), [("km", " mi"), ("mi", " km")])
def test_every_text_of_the_picture_speaks_one_unit(units: str, other: str) -> None:
    # given a year with runs of every length, a close call and a break
    days = typical_streaker_year()
    days[40] = day(days[40].local_date, 1_650.0)
    del days[100]
    # when drawn in one unit
    svg = year_heatmap(days, year=2025, today=LATER, units=units, rule=StreakRule())  # type: ignore[arg-type]
    root = parse(svg)
    words = [*texts(root), *(t.text or "" for t in root.iter(f"{SVG}title"))]
    # then every distance is in that unit: none in the other, no race names, no "mi (km)"
    assert any(w.endswith(f" {units}") or f" {units} " in w for w in words)
    for text in words:
        assert other not in text, text
        assert "5K" not in text
        assert "half" not in text
    assert root.attrib["aria-label"].startswith("2025: ")


def test_the_streak_view_is_sized_to_the_streak() -> None:
    # given a current streak of 110 days
    today = date(2026, 12, 5)
    days = streak_of(today - timedelta(days=109), 110)
    # when the streak view is drawn
    root = parse(streak_heatmap(days, today=today, units="mi"))
    # then it holds the streak's 110 days and is far narrower than a year
    dates = [c.attrib["data-date"] for c in cells(root)]
    assert len(dates) == 110
    assert dates[0] == (today - timedelta(days=109)).isoformat()
    year_width = int(parse(render_year(2026)).attrib["width"])
    assert int(root.attrib["width"]) < 0.6 * year_width
    columns = {c.attrib["x"] for c in cells(root)}
    assert len(columns) in (16, 17, 18)
    assert "110 days since 18 Aug 2026 · 110 runs · 342 mi" in texts(root)


def test_a_streak_longer_than_a_year_wraps_into_rows_of_a_year() -> None:
    today = date(2026, 12, 5)
    days = streak_of(today - timedelta(days=499), 500)
    root = parse(streak_heatmap(days, today=today, units="km"))
    all_cells = cells(root)
    assert len(all_cells) == 500
    mondays = {
        float(c.attrib["y"])
        for c in all_cells
        if date.fromisoformat(c.attrib["data-date"]).weekday() == 0
    }
    assert len(mondays) == 2, "two rows of weeks"
    assert len({c.attrib["x"] for c in all_cells}) <= 54, "no wider than a year"


def test_the_streak_view_without_a_current_streak_is_refused() -> None:
    with pytest.raises(ValueError, match="no current streak"):
        streak_heatmap([day(date(2026, 1, 1), 5000.0)], today=date(2026, 3, 1), units="km")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_run_level_stands_out_3_to_1_against_the_page_and_a_day_without_a_run(
    theme: str,
) -> None:
    # given the colours the SVG itself carries, in the light and in the dark theme
    rules = theme_colours(render_year(2025, typical_streaker_year()))[theme]
    page, no_run = fill(rules, ".hm-bg"), fill(rules, ".hm-l0")
    levels = [fill(rules, f".hm-l{i}") for i in range(1, 5)]
    # then every run colour is 3:1 from the page and from a day without a run (WCAG 1.4.11)
    for colour in levels:
        assert contrast(colour, page) >= 3.0, (colour, page)
        assert contrast(colour, no_run) >= 3.0, (colour, no_run)
    # and neighbouring levels differ by at least 1.5:1 (3:1 between every pair of
    # neighbours cannot fit: four steps of 3:1 need 81:1, black on white is 21:1)
    for lower, higher in itertools.pairwise(levels):
        assert contrast(lower, higher) >= 1.5, (lower, higher)
    # and lightness moves one way: more distance is always more contrast with the page
    ratios = [contrast(c, page) for c in levels]
    assert ratios == sorted(ratios)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_marks_stand_out_3_to_1_on_whatever_they_are_drawn_on(theme: str) -> None:
    rules = theme_colours(render_year(2025, typical_streaker_year()))[theme]
    page = fill(rules, ".hm-bg")
    for level in range(5):
        cell = fill(rules, f".hm-l{level}")
        assert contrast(fill(rules, f".hm-k{level}"), cell) >= 3.0, level
    assert contrast(fill(rules, ".hm-today", "stroke"), page) >= 3.0
    broken = fill(rules, ".hm-broken", "stroke")
    assert contrast(broken, page) >= 3.0
    assert contrast(broken, fill(rules, ".hm-l0")) >= 3.0
    for text in (".hm-text", ".hm-muted"):
        assert contrast(fill(rules, text), page) >= 4.5  # text: WCAG 1.4.3


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_fixed_theme_carries_only_its_colours(theme: str) -> None:
    svg = year_heatmap([], year=2026, today=LATER, units="km", theme=theme)  # type: ignore[arg-type]
    colours = theme_colours(svg)
    assert "prefers-color-scheme" not in svg
    assert colours["light"] == colours["dark"]
    auto = theme_colours(year_heatmap([], year=2026, today=LATER, units="km"))
    assert fill(colours[theme], ".hm-bg") == fill(auto[theme], ".hm-bg")


def test_month_labels_are_drawn() -> None:
    words = texts(parse(render_year(2026)))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert [t for t in words if t in months] == months


def test_a_range_across_years_names_each_row_and_january_its_year() -> None:
    # given a streak from 2025-11-20 to 2026-02-10
    first, last = date(2025, 11, 20), date(2026, 2, 10)
    root = parse(heatmap_svg([], first=first, last=last, today=LATER, units="km"))
    dates = [date.fromisoformat(c.attrib["data-date"]) for c in cells(root)]
    assert dates == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert {"2025", "Jan 2026"} <= set(texts(root))


def test_a_title_with_markup_characters_is_escaped() -> None:
    svg = heatmap_svg(
        [],
        first=date(2026, 1, 1),
        last=date(2026, 1, 31),
        today=LATER,
        units="km",
        title='Sam\'s <"best"> & year',
    )
    root = parse(svg)
    assert 'Sam\'s <"best"> & year' in texts(root)
    assert root.attrib["aria-label"].startswith('Sam\'s <"best"> & year: ')


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        heatmap_svg([], first=date(2026, 2, 1), last=date(2026, 1, 1), today=LATER, units="km")


def test_days_added_up_by_the_database_render_like_days_built_from_runs() -> None:
    # given a day known only by its totals, and the same day built from its runs
    totals_only = Day(date(2026, 3, 8), runs=2, distance_m=5000.0, longest_m=2500.0)
    from_runs = group_days([run("2026-03-08", 1.0, at="07:00"), run("2026-03-08", 2.107)])
    first, last = year_range(2026)
    # when both are rendered
    a = heatmap_svg([totals_only], first=first, last=last, today=LATER, units="mi")
    b = heatmap_svg(from_runs, first=first, last=last, today=LATER, units="mi")
    # then the picture is the same
    assert a == b
    assert "Sun 2026-03-08: 3.11 mi (2 runs), streak day 1" in a


def test_under_the_strict_rule_short_runs_that_add_up_do_not_make_a_streak() -> None:
    # given 10 days of two 0.6-mile runs each
    runs = [
        run(date(2026, 4, 1) + timedelta(days=i), 0.6, at=t)
        for i in range(10)
        for t in ("07:00", "18:00")
    ]
    days = group_days(runs)
    strict = StreakRule(name=RuleName.STRICT)
    # then usrsa sees a streak start, strict none
    usrsa_marks = marks(parse(year_heatmap(days, year=2026, today=LATER, units="mi")))
    strict_marks = marks(parse(year_heatmap(days, year=2026, today=LATER, units="mi", rule=strict)))
    assert usrsa_marks == {date(2026, 4, 1): {"start"}, date(2026, 4, 11): {"broken"}}
    assert strict_marks == {}


def test_a_year_still_to_come_draws_no_day_but_keeps_its_months() -> None:
    root = parse(render_year(2030, today=date(2026, 12, 5)))
    assert cells(root) == []
    assert {"Jan", "Dec"} <= set(texts(root))
