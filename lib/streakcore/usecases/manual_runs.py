"""Runs with no file at all: the treadmill run or the day the watch died, logged by hand
(`streak add`), and taking a run out again (`streak remove`).

A manual run's day is the date it was given (`zone_source` `given-date`); it starts at noon
in the home zone, the next one logged for the same date five minutes later, so two logs of
one day never look like one run (three minutes apart is the dedupe's limit) while a log of
a run that SmashRun later syncs at about that time still merges into it. Its id says what
it is: `manual-20261205-1`.

`remove` takes out any run that did not come from SmashRun (a manual log or an imported
file); a SmashRun run is deleted at SmashRun, and the next sync follows. Importing the
same file again brings an imported run back.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from streakcore.domain.models import Activity
from streakcore.errors import ConfigError, echo
from streakcore.ports import Batch, RunStore, StoredActivity

LOG_SPACING = timedelta(minutes=5)
MANUAL_START = time(12, 0)


class RunNotFound(ConfigError):
    """No live run has that id."""


def manual_id(local_date: date, number: int) -> str:
    return f"manual-{local_date:%Y%m%d}-{number}"


def add_manual_run(
    store: RunStore,
    *,
    local_date: date,
    distance_m: float,
    duration_s: float | None,
    note: str | None,
    home: ZoneInfo,
) -> Activity:
    """Log a run on `local_date`; ValueError (pydantic's) if it cannot be a run."""
    taken = {a.activity_id for a in store.activities(include_deleted=True)}
    number = 1
    while manual_id(local_date, number) in taken:
        number += 1
    start = datetime.combine(local_date, MANUAL_START, tzinfo=home) + LOG_SPACING * (number - 1)
    activity_id = manual_id(local_date, number)
    activity = Activity(
        activity_id=activity_id,
        start_local=start,
        distance_m=distance_m,
        duration_s=duration_s or 0.0,
        notes=note,
        source="manual",
        source_id=activity_id,
        zone_source="given-date",
    )
    store.apply(Batch(activities=[StoredActivity(activity, f"manual:{activity_id}", None, [])]))
    return activity


def remove_run(store: RunStore, activity_id: str) -> Activity:
    """Take out the run `activity_id` (manual or imported); its copies, if any, count again."""
    found = store.activities(ids=[activity_id])
    if not found:
        raise RunNotFound(
            f"no run with the id {echo(activity_id)} in {store.label}: "
            "`streak ledger --csv` lists the ids"
        )
    (activity,) = found
    if activity.source == "smashrun":
        raise ConfigError(
            f"run {activity_id} came from SmashRun: delete it there and the next "
            "`streak sync` removes it here"
        )
    store.apply(Batch(deleted_ids=[activity_id]))
    return activity
