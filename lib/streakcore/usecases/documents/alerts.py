"""`<db>.alerts.json`: the last home date the evening check sent its alert, claimed with a
conditional write so that the alert goes out once a day."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ValidationError

from streakcore.errors import StoreConflict, StreakError
from streakcore.ports import Blob, BlobStore
from streakcore.usecases.documents.companions import PUBLISH_ATTEMPTS, Companion, companion_key

logger = logging.getLogger(__name__)

ALERT_DAYS_AHEAD_ALLOWED = timedelta(days=1)
"""A writer just past midnight, or with a clock a little ahead, may claim tomorrow."""


class AlertsFile(BaseModel):
    last_alerted: date | None
    """The home-zone date of the last at-risk alert sent."""


@dataclass(frozen=True, slots=True)
class AlertClaim:
    """The alerts document as this check wrote it, and what it held before (to give it
    back)."""

    key: str
    etag: str
    previous: Blob | None


def claim_alert(blobs: BlobStore, db_key: str, today: date) -> AlertClaim | None:
    """Record that the alert for home date `today` is going out; None when it already has.

    The write is conditional, so two checks running at once cannot both claim the day. A
    claim dated after tomorrow came from a clock running ahead: kept, it would silence
    every alert until that date, so it is replaced.
    """
    key = companion_key(db_key, Companion.ALERTS)
    for _ in range(PUBLISH_ATTEMPTS):
        current = blobs.read(key)
        alerted = _alerted_day(current, key)
        if alerted is not None and alerted > today + ALERT_DAYS_AHEAD_ALLOWED:
            logger.warning(
                "replacing %s: its last alert is dated in the future (a clock running ahead)", key
            )
        elif alerted is not None and alerted >= today:
            return None
        document = AlertsFile(last_alerted=today).model_dump_json().encode()
        try:
            etag = blobs.replace(key, document, expected=current.etag if current else None)
        except StoreConflict:
            continue
        return AlertClaim(key=key, etag=etag, previous=current)
    raise StoreConflict(f"{key} kept changing under the evening check; another check is running")


def release_alert(blobs: BlobStore, claim: AlertClaim) -> None:
    """Give the day back after the alert could not be sent, so a retry sends it."""
    previous = claim.previous.data if claim.previous else b'{"last_alerted": null}'
    try:
        blobs.replace(claim.key, previous, expected=claim.etag)
    except StoreConflict:
        # Someone else has written since; what they wrote is theirs to keep.
        logger.warning("could not give back the claim in %s: it changed meanwhile", claim.key)
    except StreakError as exc:
        # The failed alert is the error worth raising; this one only goes to the log.
        logger.warning("could not give back the claim in %s: %s", claim.key, exc)


def _alerted_day(blob: Blob | None, key: str) -> date | None:
    if blob is None:
        return None
    try:
        return AlertsFile.model_validate_json(blob.data).last_alerted
    except ValidationError:
        logger.warning("ignoring unreadable %s; the next alert rewrites it", key)
        return None
