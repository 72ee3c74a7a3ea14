"""`resolve_timezone`: the one gate every time zone passes (the `--tz` flag,
STREAK_TIMEZONE, `GET /stats?tz=`). An IANA name gives its zone; anything else is one
ConfigError that says what to write, never an OSError from the zone files underneath."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from streakcore.errors import ConfigError
from streakcore.settings import Settings, resolve_timezone

NOT_ZONES = [
    pytest.param("America", id="a-directory-of-zones"),
    pytest.param("Europe", id="another-directory"),
    pytest.param("Etc", id="etc-directory"),
    pytest.param("US", id="us-directory"),
    pytest.param("A" * 256, id="longer-than-a-file-name"),
    pytest.param("America/" + "B" * 300, id="too-long-below-a-directory"),
    pytest.param("/".join(["Europe"] * 800), id="longer-than-a-path"),
    pytest.param("Europe/Lon\x00don", id="nul"),
    pytest.param("../../../etc/passwd", id="dot-dot"),
    pytest.param("America/../Europe/London", id="dot-dot-inside"),
    pytest.param("/etc/localtime", id="absolute"),
    pytest.param("/usr/share/zoneinfo/Europe/London", id="absolute-zone-file"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("America/", id="trailing-slash"),
    pytest.param("zone.tab", id="a-data-file-beside-the-zones"),
    pytest.param("Mars/Olympus_Mons", id="unknown"),
    pytest.param("Europe/London\n", id="newline"),
    pytest.param("Ámerica/Bogotá", id="non-ascii"),
    pytest.param("\udcff", id="undecodable-argv-byte"),
]


@pytest.mark.parametrize("name", NOT_ZONES)
def test_a_name_that_is_not_a_zone_is_one_config_error_saying_what_to_write(name: str) -> None:
    # when
    with pytest.raises(ConfigError) as refused:
        resolve_timezone(name)
    # then: one line, a bounded echo of what was given, and an example of what works
    message = str(refused.value)
    assert "\n" not in message
    assert len(message) < 300
    assert "America/New_York" in message


@pytest.mark.parametrize("name", ["America/New_York", "Europe/London", "UTC", "Etc/GMT+5"])
def test_an_iana_name_gives_its_zone(name: str) -> None:
    assert resolve_timezone(name) == ZoneInfo(name)


@pytest.mark.parametrize("name", ["America", "E" * 300, "UTC\x00"])
def test_the_timezone_setting_refuses_a_directory_or_an_impossible_name(name: str) -> None:
    # when the settings are given a home zone that is not a zone (as STREAK_TIMEZONE or a flag)
    # then they refuse it as a bad setting
    with pytest.raises(ConfigError, match="unknown time zone"):
        Settings(timezone=name)


def test_the_timezone_setting_from_the_environment_refuses_a_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAK_TIMEZONE", "Europe")
    with pytest.raises(ConfigError, match="unknown time zone 'Europe'"):
        Settings()
