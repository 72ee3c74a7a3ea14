"""A shields-style README badge: "run streak | 1,234 days", coloured by today's status."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from streakcore.domain.streaks import CurrentStreak, StreakStatus

HEIGHT = 20
PADDING = 6
LABEL_COLOUR = "#555"
NO_SYNC_COLOUR = "#767676"
"""Grey, shields' 'inactive': nothing to judge yet. 4.5:1 under white text."""
NO_SYNC_MESSAGE = "no sync yet"
STATUS_COLOURS: dict[StreakStatus, str] = {
    StreakStatus.DONE_TODAY: "#2ea44f",
    StreakStatus.AT_RISK: "#dfb317",
    StreakStatus.BROKEN: "#e05d44",
}
STATUS_WORDS: dict[StreakStatus, str] = {
    StreakStatus.DONE_TODAY: "done today",
    StreakStatus.AT_RISK: "at risk today",
    StreakStatus.BROKEN: "broken",
}

# Approximate advance widths of Verdana at 11 px (what shields.io measures with). The text
# is also given a `textLength`, so a wrong guess squeezes a glyph rather than overflowing.
_NARROW = {" ": 3.9, ",": 3.6, ".": 3.6, "i": 3.1, "l": 3.1, "j": 3.4, "t": 4.3, "f": 3.9, "r": 4.7}
_DIGIT_W = 7.0
_LOWER_W = 6.6
_UPPER_W = 7.5


def text_width(text: str) -> float:
    """Estimated width of `text` in Verdana 11 px."""
    total = 0.0
    for char in text:
        if char in _NARROW:
            total += _NARROW[char]
        elif char.isdigit():
            total += _DIGIT_W
        elif char.isupper():
            total += _UPPER_W
        else:
            total += _LOWER_W
    return total


def streak_message(days: int) -> str:
    """'1,234 days', '1 day'."""
    return f"{days:,} day" if days == 1 else f"{days:,} days"


def badge_svg(days: int, status: StreakStatus, *, label: str = "run streak") -> str:
    """The badge for a current streak of `days` with today's `status`."""
    message = streak_message(days)
    return _badge(
        label, message, STATUS_COLOURS[status], f"{label}: {message} ({STATUS_WORDS[status]})"
    )


def badge_no_sync(*, label: str = "run streak") -> str:
    """The badge before the first sync: no runs yet, so no streak to count ("no sync yet",
    as `/health` says `no_sync_yet` and `/stats` "no runs synced yet")."""
    return _badge(label, NO_SYNC_MESSAGE, NO_SYNC_COLOUR, f"{label}: {NO_SYNC_MESSAGE}")


def _badge(label: str, message: str, colour: str, name: str) -> str:
    label_w = round(text_width(label)) + 2 * PADDING
    message_w = round(text_width(message)) + 2 * PADDING
    width = label_w + message_w

    def text(x_mid: float, content: str, text_w: int) -> str:
        # Drawn twice, shields-style: a faint shadow one pixel down, then the white text.
        body = escape(content)
        common = f'x="{x_mid:g}" textLength="{text_w}" lengthAdjust="spacingAndGlyphs"'
        return (
            f'<text {common} y="15" fill="#010101" fill-opacity=".3">{body}</text>'
            f'<text {common} y="14">{body}</text>'
        )

    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label={quoteattr(name)}>',
            f"<title>{escape(name)}</title>",
            '<linearGradient id="s" x2="0" y2="100%">'
            '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
            '<stop offset="1" stop-opacity=".1"/></linearGradient>',
            f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
            "</clipPath>",
            '<g clip-path="url(#r)">',
            f'<rect width="{label_w}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>',
            f'<rect x="{label_w}" width="{message_w}" height="{HEIGHT}" fill="{colour}" '
            'class="message"/>',
            f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/>',
            "</g>",
            '<g fill="#fff" text-anchor="middle" '
            'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
            text(label_w / 2, label, label_w - 2 * PADDING),
            text(label_w + message_w / 2, message, message_w - 2 * PADDING),
            "</g>",
            "</svg>",
            "",
        ]
    )


def badge_for(current: CurrentStreak, *, label: str = "run streak") -> str:
    """The badge of a current streak, e.g. `StatsBody.current_streak`."""
    return badge_svg(current.days, current.status, label=label)
