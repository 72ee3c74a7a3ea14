"""Which kind of invocation an event is: an API Gateway request or a schedule."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from streakcore.errors import ConfigError

ACTION_KEY = "streak_action"


class ScheduledAction(StrEnum):
    SYNC = "sync"
    """The daily sync."""
    CHECK = "check"
    """The evening check: sync, then alert once if today does not count yet."""


def is_api_request(event: Mapping[str, Any]) -> bool:
    """An API Gateway REST proxy event (payload format 1.0)."""
    return "httpMethod" in event and "requestContext" in event


def scheduled_action(event: Mapping[str, Any]) -> ScheduledAction | None:
    """The action of a scheduled invocation, or None when the event is not one.

    EventBridge Scheduler delivers the target input as is (`{"streak_action": "sync"}`); a
    classic EventBridge rule delivers a "Scheduled Event" envelope, which means a sync.
    """
    if ACTION_KEY in event:
        value = event[ACTION_KEY]
        try:
            return ScheduledAction(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(a.value for a in ScheduledAction)
            raise ConfigError(
                f"unknown {ACTION_KEY} {str(value)[:40]!r}: the schedule's input must be "
                f"one of {choices}"
            ) from None
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return ScheduledAction.SYNC
    return None
