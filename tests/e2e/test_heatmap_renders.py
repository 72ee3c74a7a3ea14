"""The heatmap renders in a real browser, in the light and the dark theme.

Debian's headless `chromium` takes a screenshot of the SVG; a tiny PNG reader (zlib and
the five PNG filters, no imaging library) checks its size and that it is not blank.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from helpers import run
from streakcore.domain.days import group_days
from streakcore.render.heatmap_svg import heatmap_svg, year_range

REQUIRE_BROWSER_ENV = "STREAK_REQUIRE_BROWSER"
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


LIGHT_BACKGROUND = (0xFF, 0xFF, 0xFF)
DARK_BACKGROUND = (0x0D, 0x11, 0x17)
LIGHT_DEEPEST_GREEN = (0x21, 0x6E, 0x39)
DARK_BRIGHTEST_GREEN = (0x39, 0xD3, 0x53)


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: list[tuple[int, int, int]]
    """RGB, row by row."""

    def at(self, x: int, y: int) -> tuple[int, int, int]:
        return self.pixels[y * self.width + x]


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
    return read_png(png_file.read_bytes())


@pytest.fixture(scope="module")
def heatmap(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[int, int]]:
    """A 2024 (leap year) heatmap with runs of every colour and a streak outlined."""
    first, last = year_range(2024)
    runs = [
        run(first + timedelta(days=i), miles=(0.5, 2.0, 4.0, 8.0, 14.0)[i % 5])
        for i in range(0, 366, 1)
        if i % 7 != 3
    ]
    streak = {first + timedelta(days=i) for i in range(200, 260)}
    svg = heatmap_svg(
        group_days(runs), first=first, last=last, streak_dates=streak, title="2024 heatmap"
    )
    folder = tmp_path_factory.mktemp("heatmap")
    path = folder / "heatmap.svg"
    path.write_text(svg, encoding="utf-8")
    root = ET.fromstring(svg.encode())
    assert date(2024, 2, 29).isoformat() in svg
    return path, (int(root.attrib["width"]), int(root.attrib["height"]))


@pytest.mark.parametrize(
    ("dark", "background", "longest_runs"),
    [(False, LIGHT_BACKGROUND, LIGHT_DEEPEST_GREEN), (True, DARK_BACKGROUND, DARK_BRIGHTEST_GREEN)],
    ids=["light", "dark"],
)
def test_the_heatmap_renders_in_headless_chromium(
    chromium: str,
    heatmap: tuple[Path, tuple[int, int]],
    tmp_path: Path,
    dark: bool,
    background: tuple[int, int, int],
    longest_runs: tuple[int, int, int],
) -> None:
    # given the SVG of a year with runs of every distance
    svg_file, size = heatmap
    # when Chromium takes a screenshot of it, in the light or the dark theme
    image = screenshot(chromium, svg_file, tmp_path / "shot.png", size, dark=dark)
    # then the picture has the SVG's size, the theme's colours, and is far from blank
    assert (image.width, image.height) == size
    assert image.at(size[0] - 2, 2) == background
    assert longest_runs in set(image.pixels), "the half-marathon days are not drawn"
    colours = set(image.pixels)
    assert len(colours) >= 8, f"a nearly blank screenshot: {len(colours)} colours"
    share_of_background = image.pixels.count(background) / len(image.pixels)
    assert share_of_background < 0.9


def test_a_missing_browser_fails_where_it_is_required() -> None:
    # given no chromium on a machine that says it has one, then the test fails
    with pytest.raises(pytest.fail.Exception, match="STREAK_REQUIRE_BROWSER=1"):
        find_chromium(None, required=True)


def test_a_missing_browser_skips_where_it_is_not_required() -> None:
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        find_chromium(None, required=False)
    assert find_chromium("/usr/bin/chromium", required=True) == "/usr/bin/chromium"
