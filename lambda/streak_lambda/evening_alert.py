"""What the evening alert says (`streakcore.usecases.alert`, shared with `streak check
--notify`), imported when the check first runs: importing the handler stays cheap."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streakcore.domain.evening_check import EveningCheck


def alert_message(check: EveningCheck, *, sync_failed: bool, runs_as_of: datetime | None) -> str:
    """`usecases.alert.alert_message`: the check's message, with a warning when this
    evening's sync failed."""
    from streakcore.usecases import alert

    return alert.alert_message(check, sync_failed=sync_failed, runs_as_of=runs_as_of)
