"""SmashRun's JSON as it comes over the wire: camelCase aliases, km, cumulative splits.

These are not domain models (see `convert.py`). Only what the streak needs is checked
strictly (activityId, startDateTimeLocal, distance, duration): a run without them is
quarantined with the reason. Everything else is tolerated, because dropping a run over a
new weather type or a heart rate of "" would break a streak: unknown fields are kept
(`extra="allow"`), an enum value we have never seen is kept as its text, a number sent
for a text field becomes text, and anything else we cannot read becomes None. The raw
payload is stored as it came either way.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)


class HowFelt(StrEnum):
    UNSTOPPABLE = "unstoppable"
    GREAT = "great"
    SOSO = "soso"
    TIRED = "tired"
    INJURED = "injured"
    AWFUL = "awful"


class Terrain(StrEnum):
    ROAD = "road"
    TRAIL = "trail"
    TRACK = "track"
    TREADMILL = "treadmill"
    BEACH = "beach"
    SNOWPACK = "snowpack"


class WeatherType(StrEnum):
    CLEAR = "clear"
    CLOUDY = "cloudy"
    RAIN = "rain"
    SNOW = "snow"
    WINDY = "windy"


class ActivityType(StrEnum):
    RUNNING = "running"


def _activity_id(value: Any) -> int | str:
    # Digits only: the id goes into request paths (`/my/activities/{id}`).
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    raise ValueError("must be SmashRun's numeric activity id")


def _none_if_unreadable(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


def _no_flag(value: Any) -> Any:
    # pydantic would read true as 1.0: a flag where a number belongs is not a number.
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    # An id or a note that arrives as a JSON number still means its digits.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


ActivityId = Annotated[int | str, PlainValidator(_activity_id)]
Measure = Annotated[float, AllowInfNan(False), BeforeValidator(_no_flag)]
"""A number the streak depends on: finite, not a flag (its sign is the domain's question)."""

OptionalNumber = Annotated[
    float | None,
    AllowInfNan(False),
    BeforeValidator(_no_flag),
    WrapValidator(_none_if_unreadable),
]
MAX_TOKEN_LIFETIME_S = 10 * 365 * 86_400
"""SmashRun's tokens last about 12 weeks; anything past ten years is not a lifetime but a
bug, and would overflow a datetime once added to now."""
TokenLifetime = Annotated[
    float,
    AllowInfNan(False),
    BeforeValidator(_no_flag),
    Field(gt=0, le=MAX_TOKEN_LIFETIME_S),
]
OptionalFlag = Annotated[bool | None, WrapValidator(_none_if_unreadable)]
OptionalText = Annotated[str | None, BeforeValidator(_text)]
# Tried left to right: a known value becomes the enum, an unknown one stays as text.
OpenHowFelt = Annotated[
    HowFelt | str | None, Field(union_mode="left_to_right"), BeforeValidator(_text)
]
OpenTerrain = Annotated[
    Terrain | str | None, Field(union_mode="left_to_right"), BeforeValidator(_text)
]
OpenWeatherType = Annotated[
    WeatherType | str | None, Field(union_mode="left_to_right"), BeforeValidator(_text)
]
OpenActivityType = Annotated[
    ActivityType | str | None, Field(union_mode="left_to_right"), BeforeValidator(_text)
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class SmashRunActivity(_Wire):
    """An item of `/my/activities/search`, or `/my/activities/{id}` (which adds recordings).

    `startDateTimeLocal` stays text here: whether it carries an offset is the converter's
    question, and the answer decides quarantine, not a parse error on the whole page.
    """

    activity_id: ActivityId = Field(alias="activityId")
    external_id: OptionalText = Field(default=None, alias="externalId")
    start_date_time_local: str = Field(alias="startDateTimeLocal")
    distance_km: Measure = Field(alias="distance")
    duration_s: Measure = Field(alias="duration")
    activity_type: OpenActivityType = Field(default=None, alias="activityType")
    cadence_average: OptionalNumber = Field(default=None, alias="cadenceAverage")
    cadence_min: OptionalNumber = Field(default=None, alias="cadenceMin")
    cadence_max: OptionalNumber = Field(default=None, alias="cadenceMax")
    heart_rate_average: OptionalNumber = Field(default=None, alias="heartRateAverage")
    heart_rate_min: OptionalNumber = Field(default=None, alias="heartRateMin")
    heart_rate_max: OptionalNumber = Field(default=None, alias="heartRateMax")
    body_weight: OptionalNumber = Field(default=None, alias="bodyWeight")
    how_felt: OpenHowFelt = Field(default=None, alias="howFelt")
    terrain: OpenTerrain = Field(default=None, alias="terrain")
    temperature: OptionalNumber = Field(default=None, alias="temperature")
    weather_type: OpenWeatherType = Field(default=None, alias="weatherType")
    humidity: OptionalNumber = Field(default=None, alias="humidity")
    wind_speed: OptionalNumber = Field(default=None, alias="windSpeed")
    notes: OptionalText = Field(default=None, alias="notes")
    is_treadmill: OptionalFlag = Field(default=None, alias="isTreadmill")
    start_latitude: OptionalNumber = Field(default=None, alias="startLatitude")
    start_longitude: OptionalNumber = Field(default=None, alias="startLongitude")
    elevation_gain: OptionalNumber = Field(default=None, alias="elevationGain")
    elevation_loss: OptionalNumber = Field(default=None, alias="elevationLoss")


class SmashRunSplit(_Wire):
    """One row of `/splits/mi|km`: cumulative distance (in the unit asked for) and time."""

    distance: Measure
    seconds: Measure
    speed: OptionalNumber = None
    heart_rate: OptionalNumber = Field(default=None, alias="heartRate")
    elevation_gain: OptionalNumber = Field(default=None, alias="elevationGain")
    elevation_loss: OptionalNumber = Field(default=None, alias="elevationLoss")


class TokenResponse(_Wire):
    """The OAuth token endpoint's answer to the code and refresh grants."""

    access_token: str = Field(min_length=1)
    token_type: str | None = None
    # An impossible lifetime must not cost the rotated refresh token that came with it (the
    # old one may already be dead at SmashRun): keep the tokens, treat the lifetime as
    # unknown, and refresh when a call is refused.
    expires_in: Annotated[TokenLifetime | None, WrapValidator(_none_if_unreadable)] = None
    refresh_token: str | None = None
    scope: str | None = None
