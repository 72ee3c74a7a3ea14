"""The sync use case: every run SmashRun has, in the store exactly once, with its splits.

`sync()` (`run`) gathers and applies; `plan` is its pure core and `splits` its split
fetcher; `report` is what a sync did. None of them imports an adapter: the store and the
source come in through `streakcore.ports`.
"""

from __future__ import annotations

from streakcore.usecases.sync.report import SyncErrorKind, SyncReport, SyncStatus
from streakcore.usecases.sync.run import SyncOptions, SyncProgress, sync

__all__ = ["SyncErrorKind", "SyncOptions", "SyncProgress", "SyncReport", "SyncStatus", "sync"]
