"""The heatmap renders in a real browser, a year and a streak, in the light and dark theme.

Debian's headless `chromium` takes a screenshot of each SVG; a tiny PNG reader (zlib and
the five PNG filters, no imaging library) checks what a reader would see: the theme's
page, every distance colour, the ring around today, the cross on the missed day, and
nothing drawn after today. Set STREAK_HEATMAP_PNG_DIR to keep the screenshots and look.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from streakcore.domain.days import Day
from streakcore.render.heatmap_svg import STEP, streak_heatmap, year_heatmap
from svg_colours import SVG, fill, theme_colours

REQUIRE_BROWSER_ENV = "STREAK_REQUIRE_BROWSER"
KEEP_ENV = "STREAK_HEATMAP_PNG_DIR"
pytestmark = pytest.mark.browser


def find_chromium(which: str | None, *, required: bool) -> str:
    """Chromium's path; without one the test skips, or fails where the browser is required
    (CI installs it and sets STREAK_REQUIRE_BROWSER=1, so a lost browser is a red build)."""
    if which is not None:
        return which
    message = "needs Debian's `chromium` on PATH (apt-get install chromium)"
    if required:
        pytest.fail(f"{message}; {REQUIRE_BROWSER_ENV}=1 says this machine has it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> str:
    required = os.environ.get(REQUIRE_BROWSER_ENV) == "1"
    return find_chromium(shutil.which("chromium"), required=required)


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: list[tuple[int, int, int]]
    """RGB, row by row."""

    def at(self, x: float, y: float) -> tuple[int, int, int]:
        return self.pixels[int(y) * self.width + int(x)]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(data: bytes) -> Image:
    """An 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0), "unexpected PNG format"
    assert colour in (2, 6), "unexpected PNG colour type"
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            up_left = previous[x - bpp] if x >= bpp else 0
            if kind_of_filter == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind_of_filter == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind_of_filter == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind_of_filter == 4:
                line[x] = (line[x] + _paeth(left, up, up_left)) & 0xFF
        pixels += [(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, bpp)]
        previous = line
    return Image(width, height, pixels)


def rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r, g, b


def screenshot(
    chromium: str, svg_file: Path, png_file: Path, size: tuple[int, int], *, dark: bool
) -> Image:
    profile = png_file.parent / f"profile-{png_file.stem}"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", f"--screenshot={png_file}",
        f"--window-size={size[0]},{size[1]}",
        *(["--force-dark-mode"] if dark else []),
        svg_file.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert png_file.exists(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    keep = os.environ.get(KEEP_ENV)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png_file, Path(keep) / png_file.name)
    return read_png(png_file.read_bytes())


TODAY = date(2026, 7, 15)
"""Mid-year: half the year drawn, half still to come."""


def streaker_days() -> list[Day]:
    """A streaker's last two years up to TODAY: daily runs of 4 to 9 km, long Sundays,
    a missed day on 2 March that broke a streak, and a close call on 20 May."""
    rng = random.Random(12)
    days = []
    d = date(2024, 7, 1)
    while d <= TODAY:
        km = rng.uniform(14, 24) if d.weekday() == 6 else rng.triangular(4.0, 9.0, 6.0)
        if d == date(2026, 5, 20):
            km = 1.65
        if d != date(2026, 3, 2):
            metres = km * 1000
            days.append(
                Day(d, runs=1, distance_m=metres, duration_s=metres * 0.36, longest_m=metres)
            )
        d += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Picture:
    name: str
    svg: str
    path: Path
    size: tuple[int, int]


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Picture]:
    folder = tmp_path_factory.mktemp("heatmap")
    days = streaker_days()
    svgs = {
        "year": year_heatmap(days, year=2026, today=TODAY, units="km"),
        "streak": streak_heatmap(days, today=TODAY, units="mi"),
    }
    found = {}
    for name, svg in svgs.items():
        path = folder / f"heatmap-{name}.svg"
        path.write_text(svg, encoding="utf-8")
        root = ET.fromstring(svg.encode())
        found[name] = Picture(
            name, svg, path, (int(root.attrib["width"]), int(root.attrib["height"]))
        )
    return found


def cell_box(svg: str, day: date) -> tuple[float, float]:
    """The centre of the cell drawn for `day`."""
    for rect in ET.fromstring(svg.encode()).iter(f"{SVG}rect"):
        if rect.get("data-date") == day.isoformat():
            return float(rect.attrib["x"]) + 6, float(rect.attrib["y"]) + 6
    raise AssertionError(f"no cell for {day}")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", ["year", "streak"])
def test_the_heatmap_renders_in_headless_chromium(
    chromium: str, pictures: dict[str, Picture], tmp_path: Path, name: str, dark: bool
) -> None:
    # given the SVG of a streaker's year (or current streak), light and dark colours in it
    picture = pictures[name]
    theme = "dark" if dark else "light"
    colours = theme_colours(picture.svg)[theme]
    png = tmp_path / f"heatmap-{name}-{theme}.png"
    # when Chromium takes a screenshot of it, in the light or the dark theme
    image = screenshot(chromium, picture.path, png, picture.size, dark=dark)
    # then the picture has the SVG's size and the theme's page
    assert (image.width, image.height) == picture.size
    page = rgb(fill(colours, ".hm-bg"))
    assert image.at(image.width - 2, 2) == page
    # and every distance level is drawn in its colour, and today in its ring
    seen = set(image.pixels)
    for level in range(1, 5):
        assert rgb(fill(colours, f".hm-l{level}")) in seen, f"level {level} is not drawn"
    assert rgb(fill(colours, ".hm-today", "stroke")) in seen
    x, y = cell_box(picture.svg, TODAY)
    assert image.at(x + 3 * STEP, y) == page, "a day after today is drawn"
    if name == "year":
        # the cross on the missed day, in its own colour, over its cell
        cx, cy = cell_box(picture.svg, date(2026, 3, 2))
        box = {image.at(cx + dx, cy + dy) for dx in range(-6, 6) for dy in range(-6, 6)}
        assert rgb(fill(colours, ".hm-broken", "stroke")) in box
    # and far from blank
    assert image.pixels.count(page) / len(image.pixels) < 0.9


def test_a_missing_browser_fails_where_it_is_required() -> None:
    # given no chromium on a machine that says it has one, then the test fails
    with pytest.raises(pytest.fail.Exception, match="STREAK_REQUIRE_BROWSER=1"):
        find_chromium(None, required=True)


def test_a_missing_browser_skips_where_it_is_not_required() -> None:
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        find_chromium(None, required=False)
    assert find_chromium("/usr/bin/chromium", required=True) == "/usr/bin/chromium"
