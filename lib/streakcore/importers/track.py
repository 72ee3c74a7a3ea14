"""Which distance-over-time a run's splits come from.

The device's own distance stream wins when the file has one (FIT record.distance, TCX
DistanceMeters): the watch filters GPS noise, adds foot-pod or treadmill distance, and its
stream ends on the distance the watch showed and the file's summary reports. Summing the
hops between raw positions (haversine) is the fallback for files that carry only
positions (GPX); it reads a little short or long of the watch (the same run read 4489 m
from a FIT's stream and 4395 m from its GPX's points), so it is never preferred.
"""

from __future__ import annotations

from streakcore.importers.geodesy import cumulative_distance
from streakcore.importers.parsed_activity import ParsedActivity, TrackPoint
from streakcore.importers.splits import monotonic


def track_of(activity: ParsedActivity) -> tuple[TrackPoint, ...]:
    """The run's cumulative distance over time; empty when the file has no track."""
    stream = monotonic(activity.distance_stream)
    if len(stream) >= 2 and stream[-1].distance_m > stream[0].distance_m:
        return stream
    return monotonic(tuple(cumulative_distance(activity.fixes)))
