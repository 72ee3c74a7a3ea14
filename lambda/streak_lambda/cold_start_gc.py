"""The garbage collector around a Lambda container's cold start.

A cold `GET /stats` builds ~90,000 objects (modules, classes, pydantic's validators,
botocore's service models) and keeps nearly all of them for the container's life: measured
from the unpacked zip with the collector off, ~500 of them are garbage by the end of the
first request. CPython's collector still walks them again and again while they are built
(~12 collections, one of them full): 0.1-0.25 s of a ~0.6 s cold start.

So in a Lambda container (the runtime sets AWS_LAMBDA_FUNCTION_NAME) importing
`streak_lambda` pauses the collector, and the first invocation ends the pause: what the cold
start built moves to the permanent generation (`gc.freeze`), which later collections skip,
and the collector runs as usual on what requests create. A sync ends it before it starts
(it creates garbage for minutes). Anywhere else (tests, the local gateway) nothing changes.
"""

from __future__ import annotations

import gc
import os

LAMBDA_MARKER = "AWS_LAMBDA_FUNCTION_NAME"

_paused = False


def pause_for_cold_start() -> None:
    """Turn the collector off until `end_cold_start`, in a Lambda container only."""
    global _paused
    if LAMBDA_MARKER in os.environ and gc.isenabled():
        gc.disable()
        _paused = True


def end_cold_start() -> None:
    """Freeze what the cold start built and turn the collector back on; then a no-op."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
