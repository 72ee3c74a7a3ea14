"""What the evening alert says (`streakcore.usecases.alert`, shared with `streak check
--notify`)."""

from __future__ import annotations

from streakcore.usecases.alert import alert_message

__all__ = ["alert_message"]
