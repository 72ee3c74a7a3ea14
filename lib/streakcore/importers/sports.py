"""Which sports count as running: a setting, with a default that knows each format's words.

Labels are compared normalised (lower case, spaces and hyphens as underscores), so
Strava's "Trail Run", a GPX `<type>trail_running</type>` and FIT's `running` meet the same
table. A FIT file is also matched as `sport/sub_sport` (e.g. `fitness_equipment/treadmill`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

DEFAULT_RUNNING = frozenset(
    {
        # FIT sport (any sub_sport: generic, street, trail, track, treadmill, indoor ...)
        "running",
        "fitness_equipment/treadmill",
        "fitness_equipment/indoor_running",
        # Strava activity types (activities.csv, API)
        "run",
        "trail_run",
        "virtual_run",
        # GPX <type> as Garmin Connect, Strava and others write it; `9` is Strava's code
        # for Run in its own GPX files
        "trail_running",
        "treadmill_running",
        "track_running",
        "street_running",
        "indoor_running",
        "virtual_running",
        "treadmill",
        "9",
        # TCX Sport="Running" normalises to `running`
    }
)
TREADMILL_WORDS = ("treadmill", "indoor_running", "virtual_run")


def normalise(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", label.strip().lower())


class SportFilter(BaseModel):
    """`running`: the labels that count; `count_unlabelled`: a file that names no sport
    (many GPX writers leave `<type>` out) is imported, since the runner chose to import it."""

    model_config = ConfigDict(frozen=True)

    running: frozenset[str] = DEFAULT_RUNNING
    count_unlabelled: bool = True

    def counts(self, sport: str | None, sub_sport: str | None = None) -> bool:
        if sport is None or not sport.strip():
            return self.count_unlabelled
        wanted = {normalise(label) for label in self.running}
        key = normalise(sport)
        return key in wanted or (
            sub_sport is not None and f"{key}/{normalise(sub_sport)}" in wanted
        )


def sport_label(sport: str | None, sub_sport: str | None = None) -> str:
    """How a sport is reported (and counted when skipped): `running/treadmill`, `Ride`."""
    if sport is None or not sport.strip():
        return "unlabelled"
    if sub_sport and normalise(sub_sport) not in ("generic", ""):
        return f"{sport.strip()}/{sub_sport.strip()}"
    return sport.strip()


def is_treadmill(sport: str | None, sub_sport: str | None = None) -> bool:
    words = " ".join(normalise(s) for s in (sport, sub_sport) if s)
    return any(word in words for word in TREADMILL_WORDS)
