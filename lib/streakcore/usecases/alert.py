"""The at-risk alert, whatever carries it (SNS in AWS, apprise from a terminal): what it
says, and the rule that it goes out at most once per home date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from streakcore.domain.evening_check import EveningCheck
from streakcore.errors import StreakError
from streakcore.ports import BlobStore
from streakcore.usecases.documents import claim_alert, release_alert

ALERT_TITLE = "Run streak at risk"

Send = Callable[[str, str], None]
"""Sends (title, body); raises StreakError when it could not."""


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


def alert_once_a_day(
    blobs: BlobStore, db_key: str, check: EveningCheck, message: str, send: Send
) -> bool:
    """Send `message` when the streak is at risk, once per home date; say whether this call
    sent it. The day is claimed before sending, so two checks at once cannot both send,
    and given back when the send fails, so that the next check sends it."""
    if not check.at_risk:
        return False
    claim = claim_alert(blobs, db_key, check.today)
    if claim is None:
        return False
    try:
        send(ALERT_TITLE, message)
    except StreakError:
        release_alert(blobs, claim)
        raise
    return True
