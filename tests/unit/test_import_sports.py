"""Which sports count as running, by default and as a setting."""

from __future__ import annotations

import pytest

from streakcore.importers.sports import SportFilter, is_treadmill, sport_label

DEFAULT = SportFilter()


@pytest.mark.parametrize(
    ("sport", "sub_sport", "counts"),
    [
        ("running", "generic", True),  # FIT
        ("running", "trail", True),
        ("running", "treadmill", True),
        ("running", "track", True),
        ("fitness_equipment", "treadmill", True),
        ("fitness_equipment", "elliptical", False),
        ("cycling", "road", False),
        ("walking", None, False),
        ("Run", None, True),  # Strava
        ("Trail Run", None, True),
        ("Virtual Run", None, True),
        ("Ride", None, False),
        ("Walk", None, False),
        ("running", None, True),  # GPX <type>, Garmin Connect
        ("trail_running", None, True),
        ("treadmill_running", None, True),
        ("9", None, True),  # GPX <type>, Strava's own code for Run
        ("1", None, False),
        ("Running", None, True),  # TCX Sport=
        ("Biking", None, False),
        ("Other", None, False),
        (None, None, True),  # no sport named: the runner chose to import it
        ("47", None, False),  # a FIT sport newer than the profile: not a known run
    ],
)
def test_default_running_sports(sport: str | None, sub_sport: str | None, counts: bool) -> None:
    assert DEFAULT.counts(sport, sub_sport) is counts


def test_the_running_sports_are_a_setting() -> None:
    walkers = SportFilter(running=frozenset({"running", "Walk", "hiking"}))
    assert walkers.counts("Walk")
    assert walkers.counts("hiking")
    assert not walkers.counts("Trail Run")


@pytest.mark.parametrize(
    ("sport", "sub_sport", "label", "treadmill"),
    [
        ("running", "generic", "running", False),
        ("running", "treadmill", "running/treadmill", True),
        ("running", "indoor_running", "running/indoor_running", True),
        ("Virtual Run", None, "Virtual Run", True),
        ("treadmill_running", None, "treadmill_running", True),
        ("Run", None, "Run", False),
        (None, None, "unlabelled", False),
    ],
)
def test_labels_and_treadmills(
    sport: str | None, sub_sport: str | None, label: str, treadmill: bool
) -> None:
    assert sport_label(sport, sub_sport) == label
    assert is_treadmill(sport, sub_sport) is treadmill
