"""SmashRun's JSON as it comes over the wire: camelCase aliases, km, cumulative splits.

These are not domain models (see `convert.py`). They tolerate what SmashRun adds over the
years: unknown fields are kept (`extra="allow"`) and an enum value we have never seen is
kept as its string, because dropping a run over a new weather type would break a streak.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class SmashRunActivity(_Wire):
    """An item of `/my/activities/search`, or `/my/activities/{id}` (which adds recordings).

    `startDateTimeLocal` stays text here: whether it carries an offset is the converter's
    question, and the answer decides quarantine, not a parse error on the whole page.
    """

    activity_id: int | str = Field(alias="activityId")
    external_id: str | None = Field(default=None, alias="externalId")
    start_date_time_local: str = Field(alias="startDateTimeLocal")
    distance_km: float = Field(alias="distance")
    duration_s: float = Field(alias="duration")
    # Tried left to right: a known value becomes the enum, an unknown one stays as text.
    activity_type: ActivityType | str | None = Field(
        default=None, alias="activityType", union_mode="left_to_right"
    )
    cadence_average: float | None = Field(default=None, alias="cadenceAverage")
    cadence_min: float | None = Field(default=None, alias="cadenceMin")
    cadence_max: float | None = Field(default=None, alias="cadenceMax")
    heart_rate_average: float | None = Field(default=None, alias="heartRateAverage")
    heart_rate_min: float | None = Field(default=None, alias="heartRateMin")
    heart_rate_max: float | None = Field(default=None, alias="heartRateMax")
    body_weight: float | None = Field(default=None, alias="bodyWeight")
    how_felt: HowFelt | str | None = Field(
        default=None, alias="howFelt", union_mode="left_to_right"
    )
    terrain: Terrain | str | None = Field(default=None, alias="terrain", union_mode="left_to_right")
    temperature: float | None = Field(default=None, alias="temperature")
    weather_type: WeatherType | str | None = Field(
        default=None, alias="weatherType", union_mode="left_to_right"
    )
    humidity: float | None = Field(default=None, alias="humidity")
    wind_speed: float | None = Field(default=None, alias="windSpeed")
    notes: str | None = Field(default=None, alias="notes")
    is_treadmill: bool | None = Field(default=None, alias="isTreadmill")
    start_latitude: float | None = Field(default=None, alias="startLatitude")
    start_longitude: float | None = Field(default=None, alias="startLongitude")
    elevation_gain: float | None = Field(default=None, alias="elevationGain")
    elevation_loss: float | None = Field(default=None, alias="elevationLoss")


class SmashRunSplit(_Wire):
    """One row of `/splits/mi|km`: cumulative distance (in the unit asked for) and time."""

    distance: float
    seconds: float
    speed: float | None = None
    heart_rate: float | None = Field(default=None, alias="heartRate")
    elevation_gain: float | None = Field(default=None, alias="elevationGain")
    elevation_loss: float | None = Field(default=None, alias="elevationLoss")


class SmashRunUser(_Wire):
    """`/my/userinfo`."""

    id: int | str
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    user_name: str | None = Field(default=None, alias="userName")
    registration_date_utc: str | None = Field(default=None, alias="registrationDateUTC")


class TokenResponse(_Wire):
    """The OAuth token endpoint's answer to the code and refresh grants."""

    access_token: str = Field(min_length=1)
    token_type: str | None = None
    expires_in: float | None = Field(default=None, gt=0)
    refresh_token: str | None = None
    scope: str | None = None
