"""What the evening alert says when the runs it was checked against may be out of date."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streakcore.domain.evening_check import EveningCheck


def alert_message(check: EveningCheck, *, sync_failed: bool, runs_as_of: datetime | None) -> str:
    """The check's message, with a warning when this evening's sync failed: a run uploaded
    since the last good sync is not counted, and the runner should know before running."""
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
