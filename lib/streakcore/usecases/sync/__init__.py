"""The sync use case: every run SmashRun has, in the store exactly once, with its splits.

`sync()` (`run`) gathers and applies: the search and the splits in `run`, the deletion
sweep in `sweep`, the state every phase writes with its batch in `base`; `plan` is its pure
core, `splits` its split fetcher, `rate_limits` notes SmashRun's "not now", `report` is what
a sync did. None of them imports an adapter: the store and the
source come in through `streakcore.ports`.
"""

from __future__ import annotations

from streakcore.usecases.sync.base import SyncOptions, SyncProgress
from streakcore.usecases.sync.report import SyncErrorKind, SyncReport, SyncStatus
from streakcore.usecases.sync.run import sync

__all__ = ["SyncErrorKind", "SyncOptions", "SyncProgress", "SyncReport", "SyncStatus", "sync"]
