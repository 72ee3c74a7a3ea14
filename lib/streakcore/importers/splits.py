"""Per-mile and per-km cumulative splits from a track: pure, so records work for files.

A split is where the track crosses a whole unit: the cumulative distance and elapsed time
there, interpolated linearly between the two track points either side (points are a second
or so apart, so a straight line between them is as good as the data). The remainder after
the last whole unit is the last split, as SmashRun sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from streakcore.domain.models import SplitUnit
from streakcore.domain.units import METRES_PER_KM, METRES_PER_MILE
from streakcore.importers.imported_run import ImportedSplit
from streakcore.importers.parsed_activity import TrackPoint

UNIT_METRES: dict[SplitUnit, float] = {"mi": METRES_PER_MILE, "km": METRES_PER_KM}
MIN_REMAINDER_M = 1.0
"""A remainder shorter than this is the track stopping on a boundary, not a split."""


def splits(track: Sequence[TrackPoint], unit: SplitUnit) -> tuple[ImportedSplit, ...]:
    """Cumulative splits of `track` (elapsed from its first point) in `unit`.

    The track must not go backwards in distance or time (`monotonic` makes it so); a track
    of fewer than two points, or that never moves, has no splits.
    """
    if len(track) < 2:
        return ()
    unit_m = UNIT_METRES[unit]
    start_s, start_m = track[0]
    end_s, end_m = track[-1]
    if end_m - start_m <= 0:
        return ()
    out: list[ImportedSplit] = []
    boundary_m = start_m + unit_m
    for (t0, d0), (t1, d1) in pairwise(track):
        # The track never falls back, so d0 < boundary_m here and d1 > d0 inside the loop.
        while boundary_m <= d1:
            fraction = (boundary_m - d0) / (d1 - d0)
            elapsed_s = t0 + fraction * (t1 - t0) - start_s
            out.append(ImportedSplit(unit, len(out) + 1, boundary_m - start_m, elapsed_s))
            boundary_m += unit_m
    last_m = out[-1].distance_m if out else 0.0
    if end_m - start_m - last_m >= MIN_REMAINDER_M:
        out.append(ImportedSplit(unit, len(out) + 1, end_m - start_m, end_s - start_s))
    return tuple(out)


def monotonic(track: Sequence[TrackPoint]) -> tuple[TrackPoint, ...]:
    """The track with time strictly increasing and distance never falling.

    Devices repeat timestamps and let a distance stream jitter back by centimetres; a
    cumulative split must never go backwards, so later points that would are clamped.
    """
    out: list[TrackPoint] = []
    for point in track:
        if out and point.elapsed_s <= out[-1].elapsed_s:
            continue
        distance_m = max(point.distance_m, out[-1].distance_m) if out else point.distance_m
        out.append(TrackPoint(point.elapsed_s, distance_m))
    return tuple(out)
