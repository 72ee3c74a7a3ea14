"""Why a file cannot be imported: one line that names the file and says what is wrong."""

from __future__ import annotations

from streakcore.errors import InvalidActivity, StreakError


class UnreadableFile(InvalidActivity):
    """The file (or zip member) is corrupt, truncated, unsafe or not what its name says.

    It is rejected whole: a run is never salvaged from part of a file, so a rejected file
    never changes the database.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NotAnActivity(StreakError):
    """A well-formed file that holds no activity (a FIT settings or monitoring file, say).

    Garmin exports carry such files beside the activities: they are skipped and counted,
    not rejected.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)
