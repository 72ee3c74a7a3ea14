"""What the evening alert says when the runs it was checked against may be out of date."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streakcore.domain.evening_check import EveningCheck
    from streakcore.domain.stats import Backfill


def alert_message(
    check: EveningCheck,
    *,
    sync_failed: bool,
    runs_as_of: datetime | None,
    backfill: Backfill | None = None,
) -> str:
    """The check's message, with a warning when this evening's sync failed (a run uploaded
    since the last good sync is not counted, and the runner should know before running),
    and a note while the first backfill is incomplete (its records are provisional)."""
    message = _with_sync_note(check, sync_failed=sync_failed, runs_as_of=runs_as_of)
    if backfill is None or backfill.complete:
        return message
    waiting = backfill.runs_waiting_for_splits
    return (
        f"{message} The first sync is still filling in your history ({waiting:,} runs wait "
        "for their splits), so the fastest mile and race records are provisional."
    )


def _with_sync_note(check: EveningCheck, *, sync_failed: bool, runs_as_of: datetime | None) -> str:
    if not sync_failed:
        return check.message
    as_of = (
        f"runs as of {runs_as_of.astimezone(check.as_of.tzinfo):%Y-%m-%d %H:%M} {check.timezone}"
        if runs_as_of is not None
        else "no runs synced yet"
    )
    return (
        f"{check.message} Note: sync failed; {as_of}, so a run uploaded since then is not "
        "counted here."
    )
