"""One run counted once, whatever reached us: which records are the same run, and which one
to keep. Pure: no store, no clock.

Same run. Two records are the same run when they start within `START_TOLERANCE_S` of each
other, overlap in time (the later starts before the shorter one would have ended: one
runner cannot run two runs at once), and their distances agree within
`DISTANCE_TOLERANCE` of the longer one or `DISTANCE_FLOOR_M`, whichever is more.
- Start: a device file, its GPX/TCX export, Strava's CSV and SmashRun all stamp the start
  the watch recorded, so copies agree to the second (the FIT and GPX of the Corenc run
  both start 14:54:11Z); a record re-timed by a service or a phone app started a little
  apart lands seconds to a minute or two away. Three minutes covers that and is shorter
  than any run worth a streak day, so two real runs cannot both fit in it once the
  overlap test holds.
- Distance: measurements of one run disagree by a few per cent: the Corenc FIT's stream
  says 4489 m, its GPX's points 4395 m (2.1%); GPS against a foot pod or a service's
  recomputation differs by up to about 5%. 10% doubles the worst of that and still tells
  a 5 km run from a 4 km one; the 100 m floor keeps a short run's GPS wobble (a 160 m
  jog reading 230 m) from splitting it in two.
Two SmashRun records are never one run: SmashRun decides that itself, and the sync mirrors
it exactly. Two runs on one day (morning and evening) are hours apart; a short run and a long one
minutes apart fail both the overlap and the distance test.

Which to keep. The richest record wins: one with splits beats one without; a device file
beats a summary (SmashRun, a Strava CSV row without a file, a manual log); among equals
FIT (device distance stream and local offset) beats TCX (distance stream) beats GPX
(positions only) beats a Strava-export record beats SmashRun beats manual; the last tie
is broken by source id. This is a total order, so the winner of a group does not depend
on the order records arrived in.

Order of arrival. "Same run" is not transitive (A~B and B~C with A and C three minutes
and a second apart), so a store that dropped B once A won could later keep C beside A,
while B arriving last would have joined all three. The merge therefore works on every
record ever seen (a store keeps the superseded ones as sources of the kept run): the
groups are the connected components of "same run", each keeps its richest record, and
`merge` (one arrival at a time) always ends where `kept` (all at once) does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

START_TOLERANCE_S = 180.0
DISTANCE_TOLERANCE = 0.10
DISTANCE_FLOOR_M = 100.0

SUMMARY_SOURCES = ("smashrun", "manual")
"""Sources whose records never come from a device file (`RunRecord.from_file` is False)."""
SOURCE_RANK = ("fit", "tcx", "gpx", "strava-export", "smashrun", "manual")
"""Richer first, for records equal on splits and on being a device file."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What deciding "same run" needs of a record, whatever its source."""

    source: str
    source_id: str
    start_utc: datetime
    distance_m: float
    duration_s: float | None = None
    has_splits: bool = False
    from_file: bool = False
    """A device file (FIT/TCX/GPX, also inside a Strava export); False for summaries."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.source_id)


@dataclass(frozen=True, slots=True)
class MergeDecision:
    keep: RunRecord
    """The run the group is counted as (the richest record of it)."""
    superseded: tuple[RunRecord, ...]
    """The other records of the group: kept as sources, never counted."""
    is_new_run: bool
    """True when the arrival matched no record seen before."""


def same_run(a: RunRecord, b: RunRecord) -> bool:
    if a.source == b.source == "smashrun":
        # SmashRun's own ids are its word on what is one run (it merges its uploads
        # itself), and the sync mirrors them one to one: two of its runs stay two.
        return False
    apart_s = abs((a.start_utc - b.start_utc).total_seconds())
    if apart_s > START_TOLERANCE_S:
        return False
    durations = [d for d in (a.duration_s, b.duration_s) if d is not None and d > 0]
    if durations and apart_s >= min(durations):
        return False
    longer_m = max(a.distance_m, b.distance_m)
    allowed_m = max(DISTANCE_FLOOR_M, DISTANCE_TOLERANCE * longer_m)
    return abs(a.distance_m - b.distance_m) <= allowed_m


def richness(record: RunRecord) -> tuple[bool, bool, int, str, str]:
    """Sort key: the smallest is the richest record."""
    rank = SOURCE_RANK.index(record.source) if record.source in SOURCE_RANK else len(SOURCE_RANK)
    return (not record.has_splits, not record.from_file, rank, record.source, record.source_id)


def richest(records: Iterable[RunRecord]) -> RunRecord:
    return min(records, key=richness)


def groups(records: Iterable[RunRecord]) -> list[list[RunRecord]]:
    """Connected components of `same_run`, each sorted richest first, ordered by start.

    Records are compared only with those starting within the tolerance (a sort by start),
    so a long history costs n log n, not n².
    """
    unique = sorted({r.key: r for r in records}.values(), key=lambda r: (r.start_utc, r.key))
    parent = list(range(len(unique)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, record in enumerate(unique):
        for j in range(i + 1, len(unique)):
            other = unique[j]
            if (other.start_utc - record.start_utc).total_seconds() > START_TOLERANCE_S:
                break
            if same_run(record, other):
                parent[root(j)] = root(i)
    members: dict[int, list[RunRecord]] = {}
    for i, record in enumerate(unique):
        members.setdefault(root(i), []).append(record)
    found = [sorted(group, key=richness) for group in members.values()]
    return sorted(found, key=lambda g: (min(r.start_utc for r in g), g[0].key))


def kept(records: Iterable[RunRecord]) -> list[RunRecord]:
    """The runs to count: the richest record of each group."""
    return [group[0] for group in groups(records)]


def merge(incoming: RunRecord, seen: Sequence[RunRecord]) -> MergeDecision:
    """Where one arriving record goes, given every record seen before near its start
    (kept and superseded alike)."""
    component = next(g for g in groups([*seen, incoming]) if incoming.key in {r.key for r in g})
    earlier = {r.key for r in seen}
    return MergeDecision(
        keep=component[0],
        superseded=tuple(component[1:]),
        is_new_run=not any(r.key in earlier for r in component if r.key != incoming.key),
    )
