"""One unit for everything a human reads (STREAK_UNITS / --units); JSON in metres and
seconds without float noise."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from helpers import at, run
from streakcore.domain.records import Totals
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import compute_stats
from streakcore.domain.units import (
    EXACT_NUMBERS,
    METRES_PER_MILE,
    format_distance,
    parse_distance,
    units_for_zone,
)
from streakcore.errors import ConfigError
from streakcore.settings import read_settings


@pytest.mark.parametrize(
    ("metres", "unit", "decimals", "text"),
    [
        (5_000.0, "km", 2, "5.00 km"),
        (5_000.0, "mi", 2, "3.11 mi"),
        (METRES_PER_MILE, "mi", 2, "1.00 mi"),
        (METRES_PER_MILE, "km", 2, "1.61 km"),
        (2_887_345.0, "km", 0, "2,887 km"),
        (97_312.0, "km", 1, "97.3 km"),
    ],
)
def test_a_distance_is_written_in_one_unit(
    metres: float, unit: str, decimals: int, text: str
) -> None:
    assert format_distance(metres, unit, decimals=decimals) == text  # type: ignore[arg-type]


def test_no_distance_is_written_as_miles_and_km_side_by_side() -> None:
    for unit in ("km", "mi"):
        text = format_distance(5_000.0, unit)  # type: ignore[arg-type]
        assert "(" not in text
        assert text.count(" ") == 1


@pytest.mark.parametrize(
    ("zone", "unit"),
    [
        ("America/New_York", "mi"),
        ("America/Los_Angeles", "mi"),
        ("Pacific/Honolulu", "mi"),
        ("US/Eastern", "mi"),
        ("Europe/London", "mi"),
        ("Europe/Berlin", "km"),
        ("America/Toronto", "km"),
        ("America/Mexico_City", "km"),
        ("Asia/Tokyo", "km"),
        ("Australia/Sydney", "km"),
        ("UTC", "km"),
    ],
)
def test_without_a_setting_the_unit_is_the_home_zones(zone: str, unit: str) -> None:
    # given only a home zone
    settings = read_settings({"timezone": zone})
    # then the unit is that country's: miles in the US and the UK, km elsewhere
    assert units_for_zone(zone) == unit
    assert settings.units == unit


def test_streak_units_overrides_the_home_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAK_UNITS", "km")
    assert read_settings({"timezone": "America/New_York"}).units == "km"
    monkeypatch.setenv("STREAK_UNITS", "mi")
    assert read_settings({"timezone": "Europe/Berlin"}).units == "mi"
    assert read_settings({"timezone": "Europe/Berlin", "units": "km"}).units == "km"


def test_an_unknown_unit_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAK_UNITS", "furlongs")
    with pytest.raises(ConfigError, match=r"STREAK_UNITS.*'km' or 'mi'"):
        read_settings({"timezone": "UTC"})


def test_json_distances_and_durations_carry_no_float_noise() -> None:
    # given totals that floating point addition left with noise in the last digits
    totals = Totals(runs=3, distance_m=929783.1400000002, duration_s=13000.000000000002)
    # when written as JSON
    body = json.loads(totals.model_dump_json())
    # then they are rounded to 0.1 m and 0.1 s, and Python keeps the exact values
    assert body == {"runs": 3, "distance_m": 929783.1, "duration_s": 13000.0}
    assert totals.distance_m == 929783.1400000002
    # and the documents kept beside the database keep them exact
    exact = json.loads(totals.model_dump_json(context=EXACT_NUMBERS))
    assert exact["distance_m"] == 929783.1400000002


def test_the_stats_body_json_has_no_float_noise_and_keeps_the_minimum_exact() -> None:
    # given runs whose distances add up with float noise (0.1 mi steps)
    runs = [run(date(2026, 3, d), 0.1 * d + 0.7) for d in range(1, 28)]
    body = compute_stats(
        runs,
        [],
        rule=StreakRule(min_distance_m=parse_distance("0.3mi")),
        as_of=at("2026-03-28T07:00:00-05:00"),
        tz=ZoneInfo("America/New_York"),
    )
    # when written as the /stats body
    text = body.model_dump_json()
    data = json.loads(text)
    # then no distance or duration has more than one decimal, the minimum is to the mm
    floats: list[tuple[str, float]] = []

    def walk(path: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{path}.{k}", v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{path}[{i}]", v)
        elif isinstance(value, float):
            floats.append((path, value))

    walk("", data)
    assert floats
    for path, value in floats:
        digits = 3 if path.endswith("min_distance_m") else 1
        assert round(value, digits) == value, (path, value)
    assert data["rule"]["min_distance_m"] == 482.803
    assert body.totals.distance_m == sum(r.distance_m for r in runs)
