"""`GET /stats`'s query parameters as lambda/openapi.yaml declares them and as the handler
reads them agree: what the spec forbids is a 400, and what it allows is not refused for
its form (an empty value, a zone name's shape)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import jsonschema
import pytest
import yaml
from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from streak_lambda.stats_query_params import PARAMETERS, parse_stats_query
from streakcore.settings import Settings, resolve_timezone

OPENAPI = Path(__file__).resolve().parents[2] / "lambda" / "openapi.yaml"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@functools.cache
def stats_parameters() -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load(OPENAPI.read_text())
    return {p["name"]: p["schema"] for p in spec["paths"]["/stats"]["get"]["parameters"]}


def spec_allows(name: str, value: str) -> bool:
    return jsonschema.Draft4Validator(stats_parameters()[name]).is_valid(value)


def api_accepts(name: str, value: str) -> bool:
    try:
        parse_stats_query({name: value}, Settings(), NOW)
    except BadRequestError:
        return False
    return True


def test_the_spec_declares_every_parameter_the_handler_reads() -> None:
    assert sorted(stats_parameters()) == sorted(PARAMETERS)


@pytest.mark.parametrize("name", PARAMETERS)
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_parameter_is_refused_by_the_spec_and_by_the_handler_alike(
    name: str, value: str, clean_streak_env: Path
) -> None:
    # given a query with the parameter present but empty (`?tz=`)
    # then the spec forbids it and the handler answers 400, saying to leave it out
    assert not spec_allows(name, "")
    with pytest.raises(BadRequestError, match="is empty: leave it out"):
        parse_stats_query({name: value}, Settings(), NOW)


def test_every_zone_the_handler_knows_is_allowed_by_the_spec(clean_streak_env: Path) -> None:
    # given every IANA zone this installation can resolve
    zones = sorted(available_timezones())
    # then the spec's shape for `tz` forbids none of them
    assert zones
    assert [z for z in zones if not spec_allows("tz", z)] == []
    assert all(resolve_timezone(z) for z in zones)


@pytest.mark.parametrize(
    "name", ["America/", "/etc/localtime", "../etc", "Europe/Lon don", "A" * 256, "Ámerica"]
)
def test_a_zone_the_spec_forbids_for_its_shape_the_handler_refuses(
    name: str, clean_streak_env: Path
) -> None:
    assert not spec_allows("tz", name)
    assert not api_accepts("tz", name)


@pytest.mark.parametrize("value", ["1000km", "0m", "621mi", "1.5km"])
def test_a_minimum_the_spec_allows_within_1000km_is_accepted(
    value: str, clean_streak_env: Path
) -> None:
    assert spec_allows("min_distance", value)
    assert api_accepts("min_distance", value)
