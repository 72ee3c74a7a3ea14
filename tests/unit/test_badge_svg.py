"""The README badge: "run streak | 1,234 days", coloured by today's status."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from streakcore.domain.streaks import CurrentStreak, StreakStatus
from streakcore.render.badge_svg import STATUS_COLOURS, badge_for, badge_no_sync, badge_svg

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def message_colour(svg: str) -> str:
    rect = next(r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("class") == "message")
    return rect.attrib["fill"]


@pytest.mark.parametrize(
    ("days", "message"), [(1234, "1,234 days"), (1, "1 day"), (0, "0 days"), (12345, "12,345 days")]
)
def test_the_badge_reads_run_streak_and_the_number_of_days(days: int, message: str) -> None:
    svg = badge_svg(days, StreakStatus.DONE_TODAY)
    assert "run streak" in texts(svg)
    assert message in texts(svg)


def test_each_status_has_its_own_colour() -> None:
    colours = {status: message_colour(badge_svg(10, status)) for status in StreakStatus}
    assert len(set(colours.values())) == len(StreakStatus)


def test_a_longer_number_makes_a_wider_badge() -> None:
    def width(days: int) -> int:
        return int(ET.fromstring(badge_svg(days, StreakStatus.AT_RISK)).attrib["width"])

    assert width(12_345) > width(5)


def test_the_badge_names_itself_for_screen_readers_with_the_status() -> None:
    root = ET.fromstring(badge_svg(1234, StreakStatus.AT_RISK))
    assert root.attrib["aria-label"] == "run streak: 1,234 days (at risk today)"


def test_a_custom_label_is_escaped() -> None:
    svg = badge_svg(3, StreakStatus.BROKEN, label="<Sam> & co")
    assert "<Sam> & co" in texts(svg)


def test_the_badge_of_a_current_streak_uses_its_days_and_status() -> None:
    current = CurrentStreak(
        days=998,
        start=date(2024, 3, 3),
        last_day=date(2026, 11, 25),
        status=StreakStatus.AT_RISK,
        distance_m=1.0,
    )
    svg = badge_for(current)
    assert "998 days" in texts(svg)
    assert message_colour(svg) == message_colour(badge_svg(1, StreakStatus.AT_RISK))
    assert message_colour(svg) != message_colour(badge_svg(1, StreakStatus.DONE_TODAY))


def test_before_the_first_sync_the_badge_says_no_sync_yet_in_grey() -> None:
    # given no database yet, when the badge is drawn
    svg = badge_no_sync()
    # then it counts no days and judges nothing: "no sync yet", in none of the status colours
    assert "no sync yet" in texts(svg)
    assert not any("day" in t for t in texts(svg))
    assert message_colour(svg) not in STATUS_COLOURS.values()
    assert ET.fromstring(svg).attrib["aria-label"] == "run streak: no sync yet"
