"""SmashRun's JSON -> domain `Activity` and `Split`, at the adapter boundary.

SmashRun reports an activity's distance in km and a split's cumulative distance in the
unit asked for; we store metres. `startDateTimeLocal` keeps the offset where the run
happened: it decides the streak day. Anything we cannot convert becomes a
`RejectedPayload` with the reason, for the quarantine table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from streakcore.domain.models import Activity, Split, SplitUnit
from streakcore.domain.units import METRES_PER_KM, METRES_PER_MILE
from streakcore.errors import InvalidActivity
from streakcore.ports import RejectedPayload, SourceActivity, SplitsResult
from streakcore.smashrun.schema import SmashRunActivity, SmashRunSplit

UNIT_METRES: dict[str, float] = {"mi": METRES_PER_MILE, "km": METRES_PER_KM}
DETAIL_ONLY_FIELDS = ("recordingKeys", "recordingValues")
"""What `/my/activities/{id}` adds to a search item: left out so both hash the same."""

FINGERPRINT_VERSION = "1"


def to_activity(raw: SmashRunActivity) -> Activity:
    """Raises InvalidActivity with a reason a person can act on."""
    try:
        start_local = datetime.fromisoformat(raw.start_date_time_local)
    except ValueError:
        raise InvalidActivity(
            f"startDateTimeLocal {raw.start_date_time_local!r} is not an ISO 8601 date-time"
        ) from None
    if start_local.utcoffset() is None:
        raise InvalidActivity(
            f"startDateTimeLocal {raw.start_date_time_local!r} has no UTC offset, so its "
            "streak day cannot be told"
        )
    activity_type = raw.activity_type
    try:
        return Activity(
            activity_id=str(raw.activity_id),
            start_local=start_local,
            distance_m=raw.distance_km * METRES_PER_KM,
            duration_s=raw.duration_s,
            activity_type=str(activity_type) if activity_type is not None else "running",
            external_id=raw.external_id,
            is_treadmill=raw.is_treadmill,
            heart_rate_avg=raw.heart_rate_average,
            notes=raw.notes,
        )
    except ValidationError as exc:
        raise InvalidActivity(_first_problem(exc)) from None


def to_splits(activity_id: str, unit: SplitUnit, rows: Sequence[SmashRunSplit]) -> list[Split]:
    """Cumulative splits in metres; their order is their index (SmashRun sends none)."""
    metres = UNIT_METRES[unit]
    splits: list[Split] = []
    previous: SmashRunSplit | None = None
    for index, row in enumerate(rows, start=1):
        if previous is not None and (
            row.distance < previous.distance or row.seconds < previous.seconds
        ):
            raise InvalidActivity(f"{unit} split {index} goes backwards: splits are cumulative")
        try:
            splits.append(
                Split(
                    activity_id=activity_id,
                    unit=unit,
                    index=index,
                    distance_m=row.distance * metres,
                    elapsed_s=row.seconds,
                    speed=row.speed,
                    heart_rate=row.heart_rate,
                    elevation_gain_m=row.elevation_gain,
                    elevation_loss_m=row.elevation_loss,
                )
            )
        except ValidationError as exc:
            raise InvalidActivity(f"{unit} split {index}: {_first_problem(exc)}") from None
        previous = row
    return splits


def parse_activity(item: Any, source: str) -> SourceActivity | RejectedPayload:
    """One search item (or activity detail) -> a SourceActivity, or why not."""
    summary = _summary(item)
    payload = _canonical(summary)
    activity_id = _loose_id(summary)
    try:
        raw = SmashRunActivity.model_validate(summary)
        activity = to_activity(raw)
    except ValidationError as exc:
        return RejectedPayload(source, _first_problem(exc), payload, activity_id)
    except InvalidActivity as exc:
        return RejectedPayload(source, str(exc), payload, activity_id)
    split_inputs = [
        activity.activity_id,
        activity.start_local.isoformat(),
        repr(activity.distance_m),
        repr(activity.duration_s),
        activity.activity_type,
        activity.is_treadmill,
    ]
    splits_key = f"{FINGERPRINT_VERSION}.{_digest(split_inputs)}"
    fingerprint = f"{splits_key}.{_digest(payload)}"
    return SourceActivity(activity, fingerprint, splits_key, payload)


def parse_splits(
    activity_id: str, unit: SplitUnit, items: Sequence[Any], source: str
) -> SplitsResult:
    rows: list[SmashRunSplit] = []
    try:
        for index, item in enumerate(items, start=1):
            try:
                rows.append(SmashRunSplit.model_validate(item))
            except ValidationError as exc:
                raise InvalidActivity(f"{unit} split {index}: {_first_problem(exc)}") from None
        return SplitsResult(splits=to_splits(activity_id, unit, rows))
    except InvalidActivity as exc:
        reason = str(exc)
    return SplitsResult(rejected=RejectedPayload(source, reason, _canonical(items), activity_id))


def _summary(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: v for k, v in item.items() if k not in DETAIL_ONLY_FIELDS}
    return item


def _loose_id(item: Any) -> str | None:
    if isinstance(item, dict):
        value = item.get("activityId")
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(value: Any) -> str:
    text = value if isinstance(value, str) else _canonical(value)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return "failed validation"
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "payload"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
