"""SmashRun JSON -> domain: units, offsets, tolerance of the unknown, and quarantine reasons."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import respx

from streakcore.domain.units import METRES_PER_MILE
from streakcore.ports import RejectedPayload, SourceActivity
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.convert import parse_activity, parse_splits
from streakcore.smashrun.http import StaticToken, build_http
from streakcore.smashrun.schema import HowFelt, SmashRunActivity
from streakcore.smashrun.source import SmashRunSource

BASE = "https://api.smashrun.test/v1"

# An item of /my/activities/search as SmashRun sends it.
ITEM: dict[str, Any] = {
    "activityId": 4000123,
    "externalId": "8812345678",
    "startDateTimeLocal": "2025-03-09T23:45:00-04:00",
    "distance": 8.04672,
    "duration": 2712.4,
    "activityType": "running",
    "cadenceAverage": 171.2,
    "cadenceMin": 160.0,
    "cadenceMax": 180.5,
    "heartRateAverage": 146.0,
    "heartRateMin": 110.2,
    "heartRateMax": 162.3,
    "bodyWeight": 71.4,
    "howFelt": "great",
    "terrain": "road",
    "temperature": 4.5,
    "weatherType": "clear",
    "humidity": 61,
    "windSpeed": 12.0,
    "notes": "Easy and steady",
    "isTreadmill": False,
    "startLatitude": 40.781,
    "startLongitude": -73.966,
    "elevationGain": 41.2,
    "elevationLoss": 40.9,
}


def accepted(item: Any) -> SourceActivity:
    parsed = parse_activity(item, "activities/search")
    assert isinstance(parsed, SourceActivity), parsed
    return parsed


def rejected(item: Any) -> RejectedPayload:
    parsed = parse_activity(item, "activities/search")
    assert isinstance(parsed, RejectedPayload), parsed
    return parsed


def test_distance_in_km_is_stored_in_metres_and_duration_in_seconds() -> None:
    activity = accepted(ITEM).activity
    assert activity.distance_m == pytest.approx(8046.72)
    assert activity.duration_s == pytest.approx(2712.4)


def test_the_start_keeps_the_offset_where_the_run_happened_and_so_its_streak_day() -> None:
    activity = accepted(ITEM).activity
    assert activity.start_local.utcoffset() == timedelta(hours=-4)
    # 23:45 at -04:00 is already the 10th in UTC; the streak day is the local 9th.
    assert activity.local_date == date(2025, 3, 9)


def test_the_fields_we_keep_are_carried_over() -> None:
    activity = accepted(ITEM).activity
    assert activity.activity_id == "4000123"
    assert activity.external_id == "8812345678"
    assert activity.heart_rate_avg == 146.0
    assert activity.notes == "Easy and steady"
    assert activity.is_treadmill is False
    assert activity.activity_type == "running"


@pytest.mark.parametrize("field", ["howFelt", "terrain", "weatherType", "activityType"])
def test_an_unknown_enum_value_keeps_the_run_and_the_value(field: str) -> None:
    item = {**ITEM, field: "hyperloop"}
    parsed = accepted(item)
    assert json.loads(parsed.payload)[field] == "hyperloop"
    schema = SmashRunActivity.model_validate(item)
    assert "hyperloop" in schema.model_dump(by_alias=True).values()


def test_a_known_enum_value_becomes_the_enum() -> None:
    assert SmashRunActivity.model_validate(ITEM).how_felt is HowFelt.GREAT


def test_unknown_fields_are_kept_in_the_stored_payload() -> None:
    parsed = accepted({**ITEM, "shoeId": 77})
    assert json.loads(parsed.payload)["shoeId"] == 77


# What the reviewer saw reject whole runs, and more of the same kind: each optional field
# with a value it cannot use; the value the schema keeps (None: dropped, the payload has it).
ODD_OPTIONAL_VALUES = [
    ("temperature", "n/a", "temperature", None),
    ("heartRateAverage", "", "heart_rate_average", None),
    ("externalId", 123, "external_id", "123"),
    ("notes", 12, "notes", "12"),
    ("isTreadmill", "maybe", "is_treadmill", None),
    ("howFelt", 7, "how_felt", "7"),
    ("terrain", ["road"], "terrain", None),
    ("weatherType", {"sky": "grey"}, "weather_type", None),
    ("activityType", 3, "activity_type", "3"),
    ("humidity", "61%", "humidity", None),
    ("windSpeed", True, "wind_speed", None),
    ("cadenceAverage", float("nan"), "cadence_average", None),
    ("bodyWeight", {"kg": 70}, "body_weight", None),
    ("startLatitude", "north", "start_latitude", None),
    ("elevationGain", [], "elevation_gain", None),
]


@pytest.mark.parametrize(("field", "value", "attribute", "kept"), ODD_OPTIONAL_VALUES)
def test_an_optional_field_with_an_odd_value_keeps_the_run_and_its_raw_payload(
    field: str, value: Any, attribute: str, kept: object
) -> None:
    # given a search item whose only oddity is one optional field
    item = {**ITEM, field: value}
    # when it is converted
    parsed = parse_activity(item, "activities/search")
    # then the run is accepted, what the streak needs is intact, the payload is as it came
    assert isinstance(parsed, SourceActivity), parsed
    assert parsed.activity.activity_id == "4000123"
    assert parsed.activity.distance_m == pytest.approx(8046.72)
    assert parsed.activity.local_date == date(2025, 3, 9)
    assert json.dumps(json.loads(parsed.payload)[field]) == json.dumps(value)
    # and the schema kept what it could make sense of, and nothing else
    assert getattr(SmashRunActivity.model_validate(item), attribute) == kept


@pytest.mark.parametrize(
    ("field", "value", "attribute", "kept"),
    [
        ("externalId", 123, "external_id", "123"),
        ("notes", 12, "notes", "12"),
        ("isTreadmill", "maybe", "is_treadmill", None),
        ("heartRateAverage", "", "heart_rate_avg", None),
    ],
)
def test_what_the_domain_keeps_of_an_odd_optional_field(
    field: str, value: Any, attribute: str, kept: object
) -> None:
    assert getattr(accepted({**ITEM, field: value}).activity, attribute) == kept


@respx.mock
def test_a_search_page_with_odd_optional_fields_quarantines_nothing() -> None:
    # given a page where every run has one odd optional field
    items = [
        {**ITEM, "activityId": ITEM["activityId"] + n, field: value}
        for n, (field, value, _, _) in enumerate(ODD_OPTIONAL_VALUES)
    ]
    respx.get(f"{BASE}/my/activities/search").mock(
        return_value=httpx.Response(200, content=json.dumps(items))
    )
    source = SmashRunSource(SmashRunClient(build_http(BASE, StaticToken("token"))))
    # when the sync's source reads it
    page = source.search(None, 0)
    # then every run goes to the store and none to the quarantine
    assert len(page.accepted) == len(items)
    assert page.rejected == []


@pytest.mark.parametrize("activity_id", ["4000123/../userinfo", "", -5, True, 4.5, None])
def test_an_activity_id_that_is_not_smashruns_numeric_id_is_quarantined(
    activity_id: object,
) -> None:
    bad = rejected({**ITEM, "activityId": activity_id})
    assert "activityId" in bad.reason


def test_a_new_activity_type_is_stored_as_it_came() -> None:
    assert accepted({**ITEM, "activityType": "trailrunning"}).activity.activity_type == (
        "trailrunning"
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"startDateTimeLocal": "2025-03-09T23:45:00"}, "no UTC offset"),
        ({"startDateTimeLocal": "yesterday"}, "not an ISO 8601"),
        ({"distance": -1.0}, "distance_m"),
        ({"duration": "long"}, "duration"),
        ({"startDateTimeLocal": None}, "startDateTimeLocal"),
        ({"startDateTimeLocal": 1741578300}, "startDateTimeLocal"),
        ({"distance": "far"}, "distance"),
        ({"distance": True}, "distance"),
        ({"duration": float("inf")}, "duration"),
    ],
)
def test_a_payload_we_cannot_convert_is_rejected_with_its_id_and_a_reason(
    change: dict[str, Any], reason: str
) -> None:
    bad = rejected({**ITEM, **change})
    assert reason in bad.reason
    assert bad.activity_id == "4000123"
    assert json.loads(bad.payload)["activityId"] == 4000123


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"distance": 1e306}, "distance_m", id="finite in km, infinite in metres"),
        pytest.param({"distance": 1.7e305}, "distance_m", id="just short of overflowing"),
        pytest.param({"distance": 1000.001}, "distance_m", id="over 1,000 km"),
        pytest.param({"distance": 1e-320}, None, id="a denormal distance is a tiny run"),
        pytest.param({"duration": 1e308}, "duration_s", id="a duration of 1e308 s"),
        pytest.param({"duration": 864_001}, "duration_s", id="over 10 days"),
        pytest.param({"duration": -0.5}, "duration_s", id="a negative duration"),
        pytest.param({"startDateTimeLocal": "0001-01-01T00:00:00+05:00"}, "year", id="year 1"),
        pytest.param({"startDateTimeLocal": "9999-12-31T23:59:59-12:00"}, "year", id="year 9999"),
        pytest.param({"startDateTimeLocal": "1899-12-31T23:59:59+00:00"}, "year", id="1899"),
        pytest.param({"startDateTimeLocal": "2201-01-01T00:00:00+00:00"}, "year", id="2201"),
        pytest.param({"startDateTimeLocal": "1900-01-01T00:00:00+00:00"}, None, id="1900"),
        pytest.param({"startDateTimeLocal": "2200-12-31T23:59:59-12:00"}, None, id="2200"),
        pytest.param({"distance": 1000.0, "duration": 864_000}, None, id="at both limits"),
    ],
)
def test_values_are_checked_in_the_units_we_store_and_an_impossible_run_is_rejected(
    change: dict[str, Any], reason: str | None
) -> None:
    parsed = parse_activity({**ITEM, **change}, "activities/search")
    if reason is None:
        assert isinstance(parsed, SourceActivity), parsed
        assert math.isfinite(parsed.activity.distance_m)
        return
    assert isinstance(parsed, RejectedPayload)
    assert reason in parsed.reason
    assert parsed.activity_id == "4000123"


def test_a_payload_without_an_id_is_rejected_without_one() -> None:
    bad = rejected({k: v for k, v in ITEM.items() if k != "activityId"})
    assert bad.activity_id is None
    assert "activityId" in bad.reason


def test_something_that_is_not_an_object_is_rejected_not_raised() -> None:
    bad = rejected(["not", "an", "activity"])
    assert bad.activity_id is None
    assert bad.payload == '["not","an","activity"]'


def test_an_edited_note_changes_the_fingerprint_but_keeps_the_splits() -> None:
    before = accepted(ITEM)
    after = accepted({**ITEM, "notes": "Felt strong"})
    assert after.fingerprint != before.fingerprint
    assert after.keeps_splits_of(before.fingerprint)


@pytest.mark.parametrize(
    "change",
    [{"distance": 8.1}, {"duration": 2700.0}, {"startDateTimeLocal": "2025-03-09T23:45:00-05:00"},
     {"activityType": "walking"}],
)  # fmt: skip
def test_an_edit_to_what_splits_depend_on_asks_for_new_splits(change: dict[str, Any]) -> None:
    before = accepted(ITEM)
    after = accepted({**ITEM, **change})
    assert not after.keeps_splits_of(before.fingerprint)


def test_an_unchanged_summary_has_the_same_fingerprint_whatever_the_key_order() -> None:
    shuffled = dict(reversed(list(ITEM.items())))
    assert accepted(shuffled).fingerprint == accepted(ITEM).fingerprint


def test_the_detail_endpoint_fingerprints_like_the_search_item() -> None:
    detail = {**ITEM, "recordingKeys": ["clock"], "recordingValues": [[0.0, 60.0]]}
    assert accepted(detail).fingerprint == accepted(ITEM).fingerprint


def test_nothing_stored_yet_means_splits_are_needed() -> None:
    assert not accepted(ITEM).keeps_splits_of(None)


# -- splits ---------------------------------------------------------------------------------------

SPLITS_MI = [
    {"distance": 1.0, "seconds": 540.2, "speed": 6.66, "heartRate": 140.1,
     "elevationGain": 3.1, "elevationLoss": 2.0},
    {"distance": 2.0, "seconds": 1079.9, "speed": 6.67, "heartRate": 145.3,
     "elevationGain": 2.7, "elevationLoss": 3.2},
    {"distance": 2.5, "seconds": 1349.0, "speed": 6.69, "heartRate": 150.0,
     "elevationGain": 1.0, "elevationLoss": 1.1},
]  # fmt: skip


def test_mile_splits_become_cumulative_metres_numbered_in_order() -> None:
    result = parse_splits("4000123", "mi", SPLITS_MI, "splits/mi")
    assert result.rejected is None
    assert [s.index for s in result.splits] == [1, 2, 3]
    assert [s.distance_m for s in result.splits] == pytest.approx(
        [METRES_PER_MILE, 2 * METRES_PER_MILE, 2.5 * METRES_PER_MILE]
    )
    assert [s.elapsed_s for s in result.splits] == [540.2, 1079.9, 1349.0]
    first = result.splits[0]
    assert (first.unit, first.heart_rate, first.elevation_gain_m) == ("mi", 140.1, 3.1)


def test_km_splits_become_metres() -> None:
    rows = [{"distance": 1.0, "seconds": 335.0}, {"distance": 1.6, "seconds": 540.0}]
    result = parse_splits("4000123", "km", rows, "splits/km")
    assert [s.distance_m for s in result.splits] == pytest.approx([1000.0, 1600.0])
    assert {s.unit for s in result.splits} == {"km"}


def test_a_run_without_gps_has_no_splits_and_that_is_fine() -> None:
    result = parse_splits("4000123", "mi", [], "splits/mi")
    assert (list(result.splits), result.rejected) == ([], None)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([{"distance": 2.0, "seconds": 900.0}, {"distance": 1.0, "seconds": 1000.0}], "backwards"),
        ([{"distance": 1.0}], "seconds"),
        ([{"distance": -1.0, "seconds": 10.0}], "distance_m"),
        (["not a split"], "split"),
    ],
)
def test_splits_we_cannot_use_are_rejected_with_the_activity_and_a_reason(
    rows: list[Any], reason: str
) -> None:
    result = parse_splits("4000123", "mi", rows, "splits/mi")
    assert list(result.splits) == []
    assert result.rejected is not None
    assert result.rejected.activity_id == "4000123"
    assert reason in result.rejected.reason
    assert json.loads(result.rejected.payload) == rows


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        pytest.param([{"distance": 1e306, "seconds": 300.0}], "distance_m", id="1e306 mi"),
        pytest.param([{"distance": 700.0, "seconds": 300.0}], "distance_m", id="over 1,000 km"),
        pytest.param([{"distance": 1.0, "seconds": 1e308}], "elapsed_s", id="1e308 s"),
        pytest.param([{"distance": 1.0, "seconds": 864_001}], "elapsed_s", id="over 10 days"),
    ],
)
def test_a_split_that_is_impossible_in_metres_and_seconds_is_rejected(
    rows: list[Any], reason: str
) -> None:
    result = parse_splits("4000123", "mi", rows, "splits/mi")
    assert list(result.splits) == []
    assert result.rejected is not None
    assert reason in result.rejected.reason


@pytest.mark.parametrize(
    ("field", "value"), [("heartRate", "n/a"), ("speed", ""), ("elevationGain", {"m": 3})]
)
def test_a_split_with_an_odd_optional_value_is_kept_without_it(field: str, value: object) -> None:
    rows = [{**SPLITS_MI[0], field: value}, SPLITS_MI[1]]
    result = parse_splits("4000123", "mi", rows, "splits/mi")
    assert result.rejected is None
    assert [s.index for s in result.splits] == [1, 2]
    assert result.splits[1].heart_rate == 145.3
