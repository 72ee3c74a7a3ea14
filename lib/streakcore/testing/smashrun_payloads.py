"""Render a planned run as SmashRun JSON: the activity detail and its mile and km splits.

The shapes are SmashRun's, not ours: distance in km, splits cumulative in the requested
unit with the partial remainder last, no splits at all for runs without GPS.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from typing import Any

from streakcore.testing.run_plan import KM_PER_MILE, PlannedRun

JsonObject = dict[str, Any]

SUMMARY_ONLY_FIELDS = ("recordingKeys", "recordingValues")
BRIEF_FIELDS = ("activityId", "startDateTimeLocal", "distance", "duration", "activityType")

_HOW_FELT = ("unstoppable", "great", "soso", "tired", "injured", "awful", None)
_HOW_FELT_WEIGHTS = (10, 30, 25, 18, 2, 3, 12)
_TERRAIN = ("road", "trail", "track", "beach")
_TERRAIN_WEIGHTS = (76, 14, 7, 3)
_WEATHER = ("clear", "cloudy", "rain", "windy")
_WEATHER_WEIGHTS = (45, 30, 15, 10)
_NOTES = (
    "Easy and steady",
    "Felt strong 💪",
    "Ran with Ana — négative splits",
    "Dog walk pace, legs heavy",
    'New shoes "Cloud 5"',
)
# A whole number of units plus less than this is reported as the whole number: SmashRun
# does not emit a final split of a few metres.
_REMAINDER_UNITS = 0.005


@dataclass(frozen=True)
class RenderedRun:
    activity: JsonObject
    splits_mi: list[JsonObject]
    splits_km: list[JsonObject]


def render_run(run: PlannedRun, activity_id: int, rng: random.Random) -> RenderedRun:
    has_gps = run.kind not in ("treadmill", "manual")
    manual = run.kind == "manual"
    racing = run.kind == "race"
    duration_s = run.duration_s
    hr_avg = rng.uniform(164, 174) if racing else rng.uniform(136, 152)
    cadence_avg = rng.uniform(176, 184) if racing else rng.uniform(166, 176)
    day_of_year = run.start.timetuple().tm_yday
    temperature_c = (
        run.place.mean_temp_c
        - run.place.temp_swing_c * math.cos(2 * math.pi * (day_of_year - 20) / 365.25)
        + rng.gauss(0, 3)
    )
    weather = rng.choices(_WEATHER, _WEATHER_WEIGHTS)[0]
    if temperature_c < 1 and rng.random() < 0.4:
        weather = "snow"
    if run.kind == "treadmill":
        terrain = "treadmill"
    elif weather == "snow":
        terrain = "snowpack"
    else:
        terrain = rng.choices(_TERRAIN, _TERRAIN_WEIGHTS)[0]
    elevation_per_km = rng.uniform(2, 14) if has_gps else 0.0
    pacing = _Pacing(_km_paces(run, rng))

    activity: JsonObject = {
        "activityId": activity_id,
        "externalId": None if manual else str(rng.randrange(10**9, 10**10)),
        "startDateTimeLocal": run.start.isoformat(),
        "distance": round(run.distance_km, 5),
        "duration": round(duration_s, 1),
        "activityType": "running",
        "cadenceAverage": None if manual else round(cadence_avg, 1),
        "cadenceMin": None if manual else round(cadence_avg - rng.uniform(8, 20), 1),
        "cadenceMax": None if manual else round(cadence_avg + rng.uniform(5, 12), 1),
        "heartRateAverage": None if manual else round(hr_avg, 1),
        "heartRateMin": None if manual else round(hr_avg - rng.uniform(20, 40), 1),
        "heartRateMax": None if manual else round(hr_avg + rng.uniform(8, 18), 1),
        "bodyWeight": None if rng.random() < 0.1 else round(71.5 + rng.gauss(0, 0.6), 1),
        "howFelt": "unstoppable" if racing else rng.choices(_HOW_FELT, _HOW_FELT_WEIGHTS)[0],
        "terrain": terrain,
        "temperature": round(temperature_c, 1) if has_gps else None,
        "weatherType": weather if has_gps else None,
        "humidity": round(rng.uniform(30, 95)) if has_gps else None,
        "windSpeed": round(rng.uniform(0, 30), 1) if has_gps else None,
        "notes": _notes(run, rng),
        "isTreadmill": run.kind == "treadmill",
        "startLatitude": round(run.place.latitude + rng.gauss(0, 0.01), 6) if has_gps else None,
        "startLongitude": round(run.place.longitude + rng.gauss(0, 0.01), 6) if has_gps else None,
        "elevationGain": round(elevation_per_km * run.distance_km, 1) if has_gps else None,
        "elevationLoss": round(elevation_per_km * run.distance_km * rng.uniform(0.9, 1.1), 1)
        if has_gps
        else None,
    }
    if manual:
        activity["recordingKeys"] = []
        activity["recordingValues"] = []
    else:
        activity["recordingKeys"], activity["recordingValues"] = _recording(run, pacing, hr_avg)
    if not has_gps:
        return RenderedRun(activity=activity, splits_mi=[], splits_km=[])
    return RenderedRun(
        activity=activity,
        splits_mi=_splits(run, pacing, KM_PER_MILE, hr_avg, elevation_per_km, rng),
        splits_km=_splits(run, pacing, 1.0, hr_avg, elevation_per_km, rng),
    )


def summary_of(activity: JsonObject) -> JsonObject:
    """An item of `/my/activities/search`: the detail without its recording."""
    return {key: value for key, value in activity.items() if key not in SUMMARY_ONLY_FIELDS}


def brief_of(activity: JsonObject) -> JsonObject:
    """An item of `/my/activities/search/briefs`."""
    return {key: activity.get(key) for key in BRIEF_FIELDS}


def _km_paces(run: PlannedRun, rng: random.Random) -> list[float]:
    """Seconds per km for each (started) km, scaled so they add up to the run's duration."""
    whole_kms = math.ceil(run.distance_km)
    fade = 4.0 if run.kind in ("long", "race") else 1.5
    raw = [
        run.pace_s_per_km * (1 + rng.gauss(0, 0.025)) + fade * index for index in range(whole_kms)
    ]
    covered = sum(pace * min(1.0, run.distance_km - index) for index, pace in enumerate(raw))
    scale = run.duration_s / covered
    return [pace * scale for pace in raw]


class _Pacing:
    """Elapsed time at any distance: linear within each km, at that km's pace."""

    def __init__(self, km_paces: list[float]) -> None:
        self._paces = km_paces
        self._at_km = list(itertools.accumulate(km_paces, initial=0.0))

    def elapsed_s(self, distance_km: float) -> float:
        whole = min(int(distance_km), len(self._paces) - 1)
        return self._at_km[whole] + (distance_km - whole) * self._paces[whole]


def _splits(
    run: PlannedRun,
    pacing: _Pacing,
    km_per_unit: float,
    hr_avg: float,
    elevation_per_km: float,
    rng: random.Random,
) -> list[JsonObject]:
    total_units = run.distance_km / km_per_unit
    marks = [
        float(k)
        for k in range(1, math.floor(total_units) + 1)
        if total_units - k > _REMAINDER_UNITS
    ]
    marks.append(total_units)
    rows: list[JsonObject] = []
    previous_units = 0.0
    previous_s = 0.0
    for mark in marks:
        elapsed_s = pacing.elapsed_s(mark * km_per_unit)
        split_units = mark - previous_units
        split_s = elapsed_s - previous_s
        split_km = split_units * km_per_unit
        progress = mark / total_units
        rows.append(
            {
                "distance": round(mark, 3),
                "seconds": round(elapsed_s, 1),
                "speed": round(split_units / split_s * 3600, 2),
                "heartRate": round(hr_avg - 6 + 10 * progress + rng.gauss(0, 1.5), 1),
                "elevationGain": round(elevation_per_km * split_km * rng.uniform(0.4, 1.6), 1),
                "elevationLoss": round(elevation_per_km * split_km * rng.uniform(0.4, 1.6), 1),
            }
        )
        previous_units, previous_s = mark, elapsed_s
    return rows


def _recording(
    run: PlannedRun, pacing: _Pacing, hr_avg: float
) -> tuple[list[str], list[list[float]]]:
    """A handful of samples, enough to show the shape (parallel arrays, one per key)."""
    fractions = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    distances_km = [run.distance_km * f for f in fractions]
    clock = [round(pacing.elapsed_s(d), 1) for d in distances_km]
    heart_rate = [round(hr_avg - 25 + 30 * min(1.0, f * 3), 1) for f in fractions]
    return (
        ["clock", "distance", "heartRate"],
        [clock, [round(d, 4) for d in distances_km], heart_rate],
    )


def _notes(run: PlannedRun, rng: random.Random) -> str | None:
    if run.race_name is not None:
        return f"{run.race_name} race"
    if run.tag == "date_line":
        return f"Layover run in {run.place.name} before the red-eye home"
    if run.tag in ("late_night", "after_midnight"):
        return "Midnight double"
    if rng.random() < 0.08:
        return rng.choice(_NOTES)
    return None
