"""The `/stats` body: a snapshot of everything that does not depend on the clock, and the
rendering of that snapshot at one instant in the athlete's home zone.

A sync stores the snapshot next to the database, so `GET /stats` can answer without
opening DuckDB and still say whether the streak is safe *now*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_serializer

from streakcore.domain.days import Day, group_days, qualifying_days
from streakcore.domain.milestones import LatestStreak, Milestones, latest_streak, project
from streakcore.domain.models import Run
from streakcore.domain.records import (
    FastestMile,
    MileTime,
    PeriodTotal,
    RunRecord,
    Totals,
    biggest_periods,
    day_totals,
    eddington_km,
    eddington_miles,
    fastest_mile,
    fastest_races,
    longest_run,
)
from streakcore.domain.rule_compare import (
    Disagreement,
    DisagreementSummary,
    RuleComparison,
    RuleStanding,
    comparison,
    named_rules,
    summarise,
)
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.streaks import (
    CurrentStreak,
    Streak,
    current_streak,
    find_streaks,
    longest_streak,
    today_in,
)
from streakcore.domain.units import DistanceUnit, Metres, MinimumMetres, units_for_zone

SNAPSHOT_VERSION = 3
"""2 added the latest streaks (for milestones and close calls) and rule disagreements; 3 the
runs per source. An older snapshot answers nothing: the database does, until the next write."""


def rule_key(rule: StreakRule) -> str:
    return f"{rule.name.value}:{rule.min_distance_m:.3f}"


def minimum_key(min_distance_m: float) -> str:
    """The key of everything the snapshot keeps per minimum distance (all rules at once)."""
    return f"{min_distance_m:.3f}"


def format_instant(value: datetime) -> str:
    """ISO 8601 to the second. An instant in UTC itself is written with Z; one in a zone
    that happens to be at +00:00 (London in winter) keeps its offset, like any other."""
    value = value.replace(microsecond=0)
    if value.tzinfo is UTC or (isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key == "UTC"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


class LongestStreak(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: int
    start: date | None
    end: date | None
    distance_m: Metres = 0.0


class Records(BaseModel):
    model_config = ConfigDict(frozen=True)

    longest_run: RunRecord | None
    fastest_5k: RunRecord | None
    fastest_10k: RunRecord | None
    fastest_half_marathon: RunRecord | None
    fastest_marathon: RunRecord | None
    biggest_week: PeriodTotal | None
    biggest_month: PeriodTotal | None
    biggest_year: PeriodTotal | None


class Eddington(BaseModel):
    model_config = ConfigDict(frozen=True)

    miles: int
    km: int


class Backfill(BaseModel):
    """How far the splits backfill has come: until it is complete, every figure derived
    from splits (fastest mile, race records) is provisional."""

    runs_waiting_for_splits: int = Field(default=0, ge=0)
    complete: bool = True
    next_sync_after: datetime | None = None
    """The earliest instant a sync can make progress (the request budget's next opening),
    in the home zone; None when a sync can go on now or nothing is left."""

    def seen_at(self, as_of: datetime, tz: ZoneInfo) -> Backfill:
        """As of `as_of` in the home zone: an opening already past is "now" (None)."""
        after = self.next_sync_after
        if after is not None and after <= as_of:
            after = None
        return self.model_copy(
            update={"next_sync_after": after.astimezone(tz) if after is not None else None}
        )

    @field_serializer("next_sync_after")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class StatsSnapshot(BaseModel):
    """Everything `/stats` needs that does not depend on "now"."""

    version: int = SNAPSHOT_VERSION
    streaks: dict[str, list[Streak]]
    totals: Totals
    fastest_mile: FastestMile | None
    records: Records
    eddington: Eddington
    latest_start: datetime | None = Field(
        description="the latest run's start: the snapshot answers any as_of at or after it"
    )
    latest_streaks: dict[str, LatestStreak | None] = Field(
        default_factory=dict,
        description="per rule key: what milestones need of the latest streak (None: no streak)",
    )
    disagreements: dict[str, DisagreementSummary] = Field(
        default_factory=dict,
        description="per minimum: days the named rules disagree on (count and the latest)",
    )
    backfill: Backfill = Field(
        default_factory=Backfill,
        description="how far the splits backfill had come when the snapshot was taken",
    )
    sources: dict[str, int] = Field(
        default_factory=dict, description="counted runs per source (smashrun, fit, manual ...)"
    )

    def answers(self, rule: StreakRule, as_of: datetime) -> bool:
        """Can this snapshot answer for `rule` at `as_of` without the database?"""
        key = rule_key(rule)
        return (
            self.version >= SNAPSHOT_VERSION
            and key in self.streaks
            and key in self.latest_streaks
            and self._covers(as_of)
        )

    def answers_all_rules(self, min_distance_m: float, as_of: datetime) -> bool:
        """Can it answer `?rule=all` (usrsa, strict and any) at this minimum and instant?"""
        return (
            all(rule_key(r) in self.streaks for r in named_rules(min_distance_m))
            and minimum_key(min_distance_m) in self.disagreements
            and self._covers(as_of)
        )

    def _covers(self, as_of: datetime) -> bool:
        return self.latest_start is None or as_of >= self.latest_start


class RuleBody(BaseModel):
    name: RuleName
    min_distance_m: MinimumMetres


class StatsBody(BaseModel):
    """The `GET /stats` body. Field names are a contract (DESIGN.md)."""

    as_of: datetime
    timezone: str
    rule: RuleBody
    current_streak: CurrentStreak
    longest_streak: LongestStreak
    totals: Totals
    fastest_mile: FastestMile | None
    last_sync: datetime | None
    records: Records
    eddington: Eddington
    milestones: Milestones | None = None
    """Next milestone, projections and close calls of the current streak under `rule`."""
    backfill: Backfill = Field(default_factory=Backfill)
    sources: dict[str, int] = Field(default_factory=dict)
    """Live runs per source (`smashrun`, `gpx`, `tcx`, `fit`, `strava-export`, `manual`)."""

    _units: DistanceUnit | None = PrivateAttr(default=None)

    @field_serializer("as_of", "last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None

    def shown_in(self, units: DistanceUnit) -> StatsBody:
        """This body, with its notebook views (the HTML table, IPython's text) in `units`
        (default: the home zone's); its JSON is the same whatever the units."""
        self._units = units
        return self

    def _summary(self) -> list[tuple[str, str]]:
        from streakcore.domain.stats_summary import summary_rows

        return summary_rows(self, self._units or units_for_zone(self.timezone))

    def _repr_html_(self) -> str:
        """A small table in a notebook, not a wall of pydantic text."""
        from streakcore.domain.stats_summary import html_table

        return html_table(self._summary(), caption=f"Streak stats ({self.rule.name.value})")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """The same table as text in IPython's terminal."""
        from streakcore.domain.stats_summary import text_table

        printer.text("StatsBody (.model_dump() for every field)\n" + text_table(self._summary()))


class RulesBody(BaseModel):
    """The `GET /stats?rule=all` body (and `streak rules --json`)."""

    as_of: datetime
    timezone: str
    min_distance_m: MinimumMetres
    rules: tuple[RuleStanding, ...]
    """usrsa, strict and any, in that order."""
    disagreement_days: int
    """How many days the rules disagree on, over the whole history."""
    disagreements: tuple[Disagreement, ...]
    """The disagreement days listed (the latest few, or all when asked), oldest first."""
    last_sync: datetime | None

    @field_serializer("as_of", "last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


def default_rules(rule: StreakRule) -> list[StreakRule]:
    """The requested rule plus the three named rules at the same minimum."""
    rules = [rule]
    for name in RuleName:
        candidate = StreakRule(name=name, min_distance_m=rule.min_distance_m)
        if candidate != rule:
            rules.append(candidate)
    return rules


def build_snapshot(
    activities: Iterable[Run],
    miles: Iterable[MileTime],
    rules: Sequence[StreakRule],
    *,
    with_disagreements: bool = True,
) -> StatsSnapshot:
    """Everything clock-free, from the runs (deleted runs already left out) and mile times."""
    runs = list(activities)
    return snapshot_from_days(
        group_days(runs),
        candidates=runs,
        miles=miles,
        dates={a.activity_id: a.local_date for a in runs},
        rules=rules,
        latest_start=max((a.start_local for a in runs), default=None),
        with_disagreements=with_disagreements,
        sources=dict(sorted(Counter(a.source for a in runs).items())),
    )


def snapshot_from_days(
    days: Sequence[Day],
    *,
    candidates: Sequence[Run],
    miles: Iterable[MileTime],
    dates: Mapping[str, date],
    rules: Sequence[StreakRule],
    latest_start: datetime | None,
    with_disagreements: bool = True,
    sources: Mapping[str, int] | None = None,
) -> StatsSnapshot:
    """The snapshot from days (in date order) and the runs that can hold a run record.

    `candidates` needs only the longest run and the runs within 5% over a race distance;
    `dates` maps at least the mile times' activities to their dates. So a database can add
    up the days and pick the candidates itself and hand over a few hundred rows.
    """
    races = fastest_races(candidates)
    periods = biggest_periods(days)
    streaks = {rule_key(r): find_streaks(qualifying_days(days, r)) for r in rules}
    return StatsSnapshot(
        streaks=streaks,
        latest_streaks={rule_key(r): latest_streak(days, r, streaks[rule_key(r)]) for r in rules},
        disagreements={
            minimum_key(m): summarise(days, m) for m in {r.min_distance_m for r in rules}
        }
        if with_disagreements
        else {},
        totals=day_totals(days),
        fastest_mile=fastest_mile(miles, dates),
        records=Records(
            longest_run=longest_run(candidates),
            fastest_5k=races["5k"],
            fastest_10k=races["10k"],
            fastest_half_marathon=races["half_marathon"],
            fastest_marathon=races["marathon"],
            biggest_week=periods["week"],
            biggest_month=periods["month"],
            biggest_year=periods["year"],
        ),
        eddington=Eddington(miles=eddington_miles(days), km=eddington_km(days)),
        latest_start=latest_start,
        sources=dict(sources or {}),
    )


def runs_until(activities: Iterable[Run], as_of: datetime) -> list[Run]:
    """The runs that had started by `as_of` (a stats question about the past)."""
    return [a for a in activities if a.start_local <= as_of]


def render_stats(
    snapshot: StatsSnapshot,
    *,
    rule: StreakRule,
    as_of: datetime,
    tz: ZoneInfo,
    last_sync: datetime | None,
) -> StatsBody:
    """The `/stats` body at the instant `as_of`, seen from the home zone `tz`."""
    if not snapshot.answers(rule, as_of):
        raise ValueError("snapshot cannot answer this rule or instant; rebuild it")
    key = rule_key(rule)
    streaks = snapshot.streaks[key]
    today = today_in(as_of, tz)
    longest = longest_streak(streaks)
    current = current_streak(streaks, today)
    return StatsBody(
        as_of=as_of.astimezone(tz),
        timezone=tz.key,
        rule=RuleBody(name=rule.name, min_distance_m=rule.min_distance_m),
        current_streak=current,
        longest_streak=LongestStreak(
            days=longest.days if longest else 0,
            start=longest.start if longest else None,
            end=longest.end if longest else None,
            distance_m=longest.distance_m if longest else 0.0,
        ),
        totals=snapshot.totals,
        fastest_mile=_provisional(snapshot.fastest_mile, snapshot.backfill),
        last_sync=last_sync,
        records=_provisional_records(snapshot.records, snapshot.backfill),
        eddington=snapshot.eddington,
        milestones=project(current, snapshot.latest_streaks[key]),
        backfill=snapshot.backfill.seen_at(as_of, tz),
        sources=snapshot.sources,
    )


_Marked = TypeVar("_Marked", FastestMile, RunRecord)


def _provisional(record: _Marked | None, backfill: Backfill) -> _Marked | None:
    """`record`, marked provisional while the backfill may still bring a better one."""
    if record is None or backfill.complete:
        return record
    return record.model_copy(update={"provisional": True})


def _provisional_records(records: Records, backfill: Backfill) -> Records:
    """The race records marked provisional while the backfill is incomplete: the runs it
    has yet to bring in full (the contract in DESIGN.md) may hold faster ones."""
    if backfill.complete:
        return records
    return records.model_copy(
        update={
            name: _provisional(getattr(records, name), backfill)
            for name in ("fastest_5k", "fastest_10k", "fastest_half_marathon", "fastest_marathon")
        }
    )


def render_rules(
    snapshot: StatsSnapshot,
    *,
    min_distance_m: float,
    as_of: datetime,
    tz: ZoneInfo,
    last_sync: datetime | None,
) -> RulesBody:
    """The `?rule=all` body at `as_of`: the three named rules at `min_distance_m`."""
    if not snapshot.answers_all_rules(min_distance_m, as_of):
        raise ValueError("snapshot cannot answer every rule at this minimum or instant; rebuild it")
    rules = named_rules(min_distance_m)
    result = comparison(
        {r.name: snapshot.streaks[rule_key(r)] for r in rules},
        snapshot.disagreements[minimum_key(min_distance_m)],
        min_distance_m=min_distance_m,
        today=today_in(as_of, tz),
    )
    return rules_body(result, as_of=as_of, tz=tz, last_sync=last_sync)


def rules_body(
    result: RuleComparison, *, as_of: datetime, tz: ZoneInfo, last_sync: datetime | None
) -> RulesBody:
    """A comparison (from a snapshot or straight from the days) as the `?rule=all` body."""
    return RulesBody(
        as_of=as_of.astimezone(tz),
        timezone=tz.key,
        min_distance_m=result.min_distance_m,
        rules=result.rules,
        disagreement_days=result.disagreement_days,
        disagreements=result.disagreements,
        last_sync=last_sync,
    )


def compute_stats(
    activities: Iterable[Run],
    miles: Iterable[MileTime],
    *,
    rule: StreakRule,
    as_of: datetime,
    tz: ZoneInfo,
    last_sync: datetime | None = None,
) -> StatsBody:
    """The `/stats` body straight from runs: only runs started by `as_of` count."""
    snapshot = build_snapshot(runs_until(activities, as_of), miles, [rule])
    return render_stats(snapshot, rule=rule, as_of=as_of, tz=tz, last_sync=last_sync)
